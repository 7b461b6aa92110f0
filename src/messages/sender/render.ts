/**
 * The CPU-heavy half of preparing a message, with no database: the template rendered with its
 * variables, the PDFs rendered from their loaded inputs, and the raw MIME built and DKIM-signed.
 * Its input and output are plain data (structured-clone safe), so it runs in the sender's
 * thread or in a render worker thread (render-pool.ts) alike.
 */
import { createHash } from 'node:crypto';
import {
  type InvoicePdfInput,
  renderInvoicePdf,
  renderStatementPdf,
  type StatementPdfInput,
} from '../documents/index.ts';
import {
  buildVariables,
  type MessageTemplate,
  type RenderedMessage,
  renderMessage,
  type VariableInput,
} from '../templates/index.ts';
import type { Attachment, MessageBuilder, Recipient } from './compose.ts';

export interface RenderJob {
  readonly template: MessageTemplate;
  readonly variables: VariableInput;
  /** in attachment order: stored PDFs as they are, the others rendered from their input */
  readonly files: readonly (
    | { readonly kind: 'stored'; readonly fileName: string; readonly bytes: Uint8Array }
    | { readonly kind: 'invoice'; readonly fileName: string; readonly input: InvoicePdfInput }
    | { readonly kind: 'statement'; readonly fileName: string; readonly input: StatementPdfInput }
  )[];
  readonly mail: {
    readonly from: { readonly name: string; readonly address: string } | string;
    readonly to: readonly Recipient[];
    readonly cc: readonly Recipient[];
    readonly messageId: string;
    readonly replyTo: string | null;
    readonly inReplyTo: string | null;
    readonly references: string | null;
    /** ISO instant of the Date header */
    readonly date: string;
  };
}

export interface RenderOutput {
  readonly rendered: RenderedMessage;
  readonly attachments: readonly { name: string; sha256: string; size: number }[];
  readonly raw: Uint8Array;
  readonly envelope: { readonly from: string; readonly to: string[] };
}

/** Bytes that crossed a thread boundary arrive as Uint8Array; pdfkit and nodemailer want Buffers. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function withBufferLogo<T extends { organisation: { logo: Buffer | null } }>(input: T): T {
  const logo = input.organisation.logo;
  return logo && !Buffer.isBuffer(logo)
    ? { ...input, organisation: { ...input.organisation, logo: asBuffer(logo) } }
    : input;
}

export async function renderJob(job: RenderJob, builder: MessageBuilder): Promise<RenderOutput> {
  const rendered = await renderMessage(job.template, buildVariables(job.variables));
  const files: Attachment[] = [];
  for (const file of job.files) {
    const bytes =
      file.kind === 'stored'
        ? asBuffer(file.bytes)
        : file.kind === 'invoice'
          ? await renderInvoicePdf(withBufferLogo(file.input))
          : await renderStatementPdf(withBufferLogo(file.input));
    files.push({ fileName: file.fileName, contentType: 'application/pdf', bytes });
  }
  const built = await builder.build({
    ...job.mail,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    attachments: files,
    date: new Date(job.mail.date),
    template: `${job.template.key}.${job.template.language}@${job.template.version}`,
  });
  return {
    rendered,
    attachments: files.map((f) => ({
      name: f.fileName,
      sha256: createHash('sha256').update(f.bytes).digest('hex'),
      size: f.bytes.length,
    })),
    raw: built.raw,
    envelope: built.envelope,
  };
}
