/**
 * Turns one claimed outbox message into the exact message to send: the template in the
 * message's language, the variables as of the sending day (so balances include every payment
 * up to now), the attachments the campaign step asked for, the threading headers of the
 * customer's previous message, and the raw MIME. Reads only; the sender writes the result.
 * The reading happens here (it needs the database); the rendering is render.ts, in this thread
 * or a render worker.
 */

import type { CalendarDate } from '../../ledger/dates.ts';
import type { DunwellConfig } from '../../platform/config.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { messagePortalLinks } from '../../portal/links.ts';
import { loadInvoiceDocument, loadInvoicePdfInput, loadStatementPdfInput } from '../documents/index.ts';
import {
  loadVariableInput,
  type MessageTemplate,
  type RenderedMessage,
  resolveTemplate,
} from '../templates/index.ts';
import {
  type BuiltMessage,
  type MessageBuilder,
  newMessageId,
  newReplyToken,
  type Recipient,
} from './compose.ts';
import { nextReferences, safeAddress } from './policy.ts';
import type { RenderJob, RenderOutput } from './render.ts';

/** An outbox row as the sender claimed it. */
export interface ClaimedMessage {
  id: number;
  customer_id: number;
  customer_external_id: string;
  campaign_key: string;
  step_key: string;
  template: string;
  language: string;
  planned_for: CalendarDate;
  /** the customer's local day now: balances and statements are as of it */
  local_today: CalendarDate;
  to_recipients: { contactId?: number | null; name?: string | null; email: string }[];
  cc_recipients: { name?: string | null; email: string }[];
  attach: string[];
  attempts: number;
  message_id: string | null;
  reply_token: string | null;
  invoices: string[];
  /** the customer's last sent message, when there is one */
  previous_message_id: string | null;
  previous_references: string | null;
}

/** A message that cannot be built as planned: nothing will change that without a person. */
export class UnsendableMessage extends Error {
  constructor(
    message: string,
    /** the message cannot reach its recipients: a "check contact" task is opened */
    readonly contactProblem: boolean,
  ) {
    super(message);
  }
}

export interface PreparedMessage {
  readonly rendered: RenderedMessage;
  readonly templateVersion: number;
  readonly attachments: readonly { name: string; sha256: string; size: number }[];
  readonly built: BuiltMessage;
  readonly messageId: string;
  readonly replyToken: string;
  readonly inReplyTo: string | null;
  readonly references: string | null;
}

export interface PrepareContext {
  readonly db: Queryable;
  readonly config: DunwellConfig;
  readonly builder: MessageBuilder;
  readonly organisation: { readonly name: string; readonly language: string };
  readonly now: Date;
  /** templates resolved during one drain, by key and language */
  readonly templates: Map<string, Promise<MessageTemplate | null>>;
  /** renders a loaded job: in this thread, or in a render worker */
  readonly render: (job: RenderJob) => Promise<RenderOutput>;
}

function recipients(list: ClaimedMessage['to_recipients']): { valid: Recipient[]; invalid: string[] } {
  const valid: Recipient[] = [];
  const invalid: string[] = [];
  for (const r of list) {
    const email = typeof r.email === 'string' ? safeAddress(r.email) : null;
    if (email) valid.push({ name: r.name ?? '', email });
    else invalid.push(String(r.email));
  }
  return { valid, invalid };
}

export async function prepareMessage(ctx: PrepareContext, message: ClaimedMessage): Promise<PreparedMessage> {
  const { db } = ctx;
  const to = recipients(message.to_recipients);
  const cc = recipients(message.cc_recipients);
  if (to.valid.length === 0) {
    throw new UnsendableMessage(
      `no deliverable To address (${to.invalid.map((a) => JSON.stringify(a)).join(', ') || 'none listed'})`,
      true,
    );
  }
  const templateKey = `${message.template}\u0000${message.language}`;
  let templatePromise = ctx.templates.get(templateKey);
  if (!templatePromise) {
    templatePromise = resolveTemplate(db, message.template, message.language, ctx.organisation.language);
    ctx.templates.set(templateKey, templatePromise);
  }
  const template = await templatePromise;
  if (!template) {
    throw new UnsendableMessage(
      `there is no "${message.template}" template in ${message.language}, ${ctx.organisation.language} or en`,
      false,
    );
  }
  const day = message.local_today;
  // Signed portal links (portal_url, statement_url, each invoice's pdf_url), bound to the
  // customer and the first recipient, valid for the organisation's link lifetime.
  const links = await messagePortalLinks(
    db,
    { customerId: message.customer_id, contactId: message.to_recipients[0]?.contactId ?? null, now: ctx.now },
    { publicUrl: ctx.config.publicUrl, secretKey: ctx.config.secretKey },
  );
  const loaded = await loadVariableInput(db, message.customer_external_id, {
    date: day,
    ...(message.invoices.length > 0 ? { invoiceNumbers: message.invoices } : {}),
    step: { key: message.step_key, campaign: message.campaign_key, template: message.template },
    publicUrl: ctx.config.publicUrl,
    urls: { portal: links.portalUrl, statement: links.statementUrl, invoicePdf: links.invoicePdfUrl },
  });
  const first = to.valid[0]!;
  const contact =
    loaded.input.contact?.email === first.email
      ? loaded.input.contact
      : { name: first.name, email: first.email, role: 'billing' };

  const files: RenderJob['files'][number][] = [];
  if (message.attach.includes('invoice')) {
    for (const number of message.invoices) {
      // the imported PDF when there is one, else a copy rendered as of the day
      const stored = await loadInvoiceDocument(db, number);
      files.push(
        stored
          ? { kind: 'stored', fileName: `${number}.pdf`, bytes: stored.bytes }
          : { kind: 'invoice', fileName: `${number}.pdf`, input: await loadInvoicePdfInput(db, number, day) },
      );
    }
  }
  if (message.attach.includes('statement')) {
    files.push({
      kind: 'statement',
      fileName: `statement-${message.planned_for}.pdf`,
      input: await loadStatementPdfInput(db, message.customer_external_id, { to: day }),
    });
  }

  // One conversation per customer: answer the last message sent to them (read at claim time).
  const inReplyTo = message.previous_message_id;
  const references = inReplyTo ? nextReferences(message.previous_references, inReplyTo) : null;
  // A retried message keeps its Message-ID and token: the same message, attempted again.
  const messageId = message.message_id ?? newMessageId(ctx.builder.idDomain);
  const replyToken = message.reply_token ?? newReplyToken();
  const output = await ctx.render({
    template,
    variables: { ...loaded.input, contact },
    files,
    mail: {
      from: ctx.config.mailFrom ?? ctx.builder.defaultFrom(ctx.organisation.name),
      to: to.valid,
      cc: cc.valid,
      messageId,
      replyTo: ctx.builder.replyAddress(replyToken),
      inReplyTo,
      references,
      date: ctx.now.toISOString(),
    },
  });
  const raw = Buffer.isBuffer(output.raw)
    ? output.raw
    : Buffer.from(output.raw.buffer, output.raw.byteOffset, output.raw.byteLength);
  return {
    rendered: output.rendered,
    templateVersion: template.version,
    attachments: output.attachments,
    built: { raw, envelope: output.envelope },
    messageId,
    replyToken,
    inReplyTo,
    references,
  };
}
