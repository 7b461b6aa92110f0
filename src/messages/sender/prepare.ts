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
import { NotFoundError } from '../../platform/errors.ts';
import { loadKeyRing } from '../../portal/keys.ts';
import { loadPortalSettings } from '../../portal/settings.ts';
import { signToken } from '../../portal/tokens.ts';
import {
  loadInvoiceDocument,
  loadInvoicePdfInput,
  loadStatementPdfInputs,
  type StatementPdfInput,
  safeFileName,
} from '../documents/index.ts';
import {
  loadVariableInputs,
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

/** A claimed message with everything loaded: the render job and what the row will record. */
export interface LoadedMessage {
  readonly job: RenderJob;
  readonly templateVersion: number;
  readonly messageId: string;
  readonly replyToken: string;
  readonly inReplyTo: string | null;
  readonly references: string | null;
}

export type BatchContext = Omit<PrepareContext, 'render'>;

/** The signed portal links of the messages of one batch: one key ring and settings read for all. */
async function batchLinks(ctx: BatchContext) {
  const { linkDays } = await loadPortalSettings(ctx.db);
  const ring = await loadKeyRing(ctx.db, ctx.config.secretKey, ctx.now);
  const key = ring.keys.get(ring.signingKeyId)!;
  const issuedAt = Math.floor(ctx.now.getTime() / 1000);
  const expiresAt = Math.floor((ctx.now.getTime() + linkDays * 86_400_000) / 1000);
  // the same links as messagePortalLinks (src/portal/links.ts) gives for one message
  return (customerId: number, contactId: number | null) => {
    const base = `${ctx.config.publicUrl}/portal/${signToken(
      { customerId, contactId: contactId ?? 0, issuedAt, expiresAt, keyId: ring.signingKeyId },
      key,
    )}`;
    return {
      portal: base,
      statement: `${base}/statement.pdf`,
      invoicePdf: (number: string) => `${base}/invoices/${encodeURIComponent(number)}.pdf`,
    };
  };
}

/**
 * Loads a claimed batch for rendering, with one query per table for the whole batch (the
 * templates, the portal key ring, the customers and contacts, the invoices, the statements)
 * instead of about ten per message. Each message gets its loaded job, or the error that
 * stops it (UnsendableMessage, NotFoundError…) in its place; reads only.
 */
export async function loadBatch(
  ctx: BatchContext,
  messages: readonly ClaimedMessage[],
): Promise<(LoadedMessage | Error)[]> {
  const { db } = ctx;
  const out: (LoadedMessage | Error | null)[] = messages.map(() => null);
  const usable: {
    at: number;
    message: ClaimedMessage;
    to: Recipient[];
    cc: Recipient[];
    template: MessageTemplate;
  }[] = [];
  for (const [at, message] of messages.entries()) {
    const to = recipients(message.to_recipients);
    const cc = recipients(message.cc_recipients);
    if (to.valid.length === 0) {
      out[at] = new UnsendableMessage(
        `no deliverable To address (${to.invalid.map((a) => JSON.stringify(a)).join(', ') || 'none listed'})`,
        true,
      );
      continue;
    }
    const templateKey = `${message.template}\u0000${message.language}`;
    let templatePromise = ctx.templates.get(templateKey);
    if (!templatePromise) {
      templatePromise = resolveTemplate(db, message.template, message.language, ctx.organisation.language);
      ctx.templates.set(templateKey, templatePromise);
    }
    let template: MessageTemplate | null;
    try {
      template = await templatePromise;
    } catch (err) {
      out[at] = err as Error;
      continue;
    }
    if (!template) {
      out[at] = new UnsendableMessage(
        `there is no "${message.template}" template in ${message.language}, ${ctx.organisation.language} or en`,
        false,
      );
      continue;
    }
    usable.push({ at, message, to: to.valid, cc: cc.valid, template });
  }
  if (usable.length === 0) return out as (LoadedMessage | Error)[];

  // Signed portal links (portal_url, statement_url, each invoice's pdf_url), bound to the
  // customer and the first recipient, valid for the organisation's link lifetime.
  const links = await batchLinks(ctx);
  const urls = usable.map((u) => links(u.message.customer_id, u.message.to_recipients[0]?.contactId ?? null));
  const variables = await loadVariableInputs(
    db,
    usable.map((u, i) => ({
      customerExternalId: u.message.customer_external_id,
      options: {
        date: u.message.local_today,
        ...(u.message.invoices.length > 0 ? { invoiceNumbers: u.message.invoices } : {}),
        step: { key: u.message.step_key, campaign: u.message.campaign_key, template: u.message.template },
        publicUrl: ctx.config.publicUrl,
        urls: urls[i]!,
      },
    })),
  );
  // statements as of each message's day, one query per distinct day
  const statementDays = new Map<string, Set<string>>();
  for (const u of usable) {
    if (!u.message.attach.includes('statement')) continue;
    const day = u.message.local_today;
    if (!statementDays.has(day)) statementDays.set(day, new Set());
    statementDays.get(day)!.add(u.message.customer_external_id);
  }
  const statements = new Map<string, Map<string, StatementPdfInput>>();
  for (const [day, customers] of statementDays) {
    statements.set(day, await loadStatementPdfInputs(db, [...customers], { to: day }));
  }

  for (const [i, u] of usable.entries()) {
    const { message } = u;
    try {
      const loaded = variables[i]!;
      if (loaded instanceof Error) throw loaded;
      const day = message.local_today;
      const first = u.to[0]!;
      const contact =
        loaded.input.contact?.email === first.email
          ? loaded.input.contact
          : { name: first.name, email: first.email, role: 'billing' };
      const files: RenderJob['files'][number][] = [];
      if (message.attach.includes('invoice')) {
        for (const number of message.invoices) {
          // the imported PDF when there is one, else a copy rendered as of the day; the
          // attachment's name never carries the number's slashes or dots (FV/2026/1 → FV_2026_1.pdf)
          const stored = await loadInvoiceDocument(db, number);
          const fileName = safeFileName(`${number}.pdf`);
          files.push(
            stored
              ? { kind: 'stored', fileName, bytes: stored.bytes }
              : {
                  kind: 'invoice',
                  fileName,
                  input: await loadInvoicePdfInput(db, number, day),
                },
          );
        }
      }
      if (message.attach.includes('statement')) {
        const input = statements.get(day)?.get(message.customer_external_id);
        if (!input) throw new NotFoundError(`no customer with external_id "${message.customer_external_id}"`);
        files.push({ kind: 'statement', fileName: `statement-${message.planned_for}.pdf`, input });
      }
      // One conversation per customer: answer the last message sent to them (read at claim time).
      const inReplyTo = message.previous_message_id;
      const references = inReplyTo ? nextReferences(message.previous_references, inReplyTo) : null;
      // A retried message keeps its Message-ID and token: the same message, attempted again.
      const messageId = message.message_id ?? newMessageId(ctx.builder.idDomain);
      const replyToken = message.reply_token ?? newReplyToken();
      out[u.at] = {
        job: {
          template: u.template,
          variables: { ...loaded.input, contact },
          files,
          mail: {
            from: ctx.config.mailFrom ?? ctx.builder.defaultFrom(ctx.organisation.name),
            to: u.to,
            cc: u.cc,
            messageId,
            replyTo: ctx.builder.replyAddress(replyToken),
            inReplyTo,
            references,
            date: ctx.now.toISOString(),
          },
        },
        templateVersion: u.template.version,
        messageId,
        replyToken,
        inReplyTo,
        references,
      };
    } catch (err) {
      out[u.at] = err as Error;
    }
  }
  return out as (LoadedMessage | Error)[];
}

/** A loaded message rendered: what the sender records and hands over. */
export function preparedFrom(loaded: LoadedMessage, output: RenderOutput): PreparedMessage {
  const raw = Buffer.isBuffer(output.raw)
    ? output.raw
    : Buffer.from(output.raw.buffer, output.raw.byteOffset, output.raw.byteLength);
  return {
    rendered: output.rendered,
    templateVersion: loaded.templateVersion,
    attachments: output.attachments,
    built: { raw, envelope: output.envelope },
    messageId: loaded.messageId,
    replyToken: loaded.replyToken,
    inReplyTo: loaded.inReplyTo,
    references: loaded.references,
  };
}

/** One message: loadBatch of one, then its render. */
export async function prepareMessage(ctx: PrepareContext, message: ClaimedMessage): Promise<PreparedMessage> {
  const [loaded] = await loadBatch(ctx, [message]);
  if (!loaded) throw new Error('loadBatch returned nothing');
  if (loaded instanceof Error) throw loaded;
  return preparedFrom(loaded, await ctx.render(loaded.job));
}
