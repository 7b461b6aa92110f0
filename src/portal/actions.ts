/**
 * What a customer can do through a portal link: promise to pay, dispute an invoice, leave a
 * note, request a document (or upload a remittance advice), and ask for a fresh link. Each
 * action runs in one transaction: its ledger change, its collector task, its queued
 * confirmation message (outbox, campaign 'portal') and its timeline event commit together or
 * not at all. Every invoice is looked up together with the link's customer id.
 */
import { createHash } from 'node:crypto';
import { type CalendarDate, isCalendarDate } from '../ledger/dates.ts';
import { openDispute } from '../ledger/disputes.ts';
import { formatAmount, MoneyFormatError, parseAmount } from '../ledger/money.ts';
import { createPromise } from '../ledger/promises.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Db, Queryable, Tx } from '../platform/db/index.ts';
import { LINK_REQUESTS_PER_ADDRESS, LINK_REQUESTS_PER_IP, takeRateSlot } from '../platform/rate-limit.ts';
import { customerInvoice, type PortalContact, type PortalCustomer } from './account.ts';
import { DEFAULT_DISPUTE_REASONS, type MessageKey, portalLanguage } from './i18n.ts';
import type { PortalSettings } from './settings.ts';
import { detectUploadType } from './uploads.ts';

/** A refusal the customer can fix; the page shows the translated message next to the form. */
export class PortalInputError extends Error {
  constructor(
    readonly key: MessageKey,
    readonly values: Record<string, string | number> = {},
  ) {
    super(key);
  }
}

export interface PortalContext {
  customer: PortalCustomer;
  contact: PortalContact | null;
  settings: PortalSettings;
  today: CalendarDate;
  now: Date;
}

/** 'portal:<contact email>' or 'portal:customer <external id>' for links without a contact. */
export function portalActor(ctx: { customer: PortalCustomer; contact: PortalContact | null }): string {
  return ctx.contact?.email ? `portal:${ctx.contact.email}` : `portal:customer ${ctx.customer.externalId}`;
}

/** Lets ledger functions that open their own transaction run inside ours. */
function txAsDb(tx: Tx): Db {
  return {
    engine: tx.engine,
    location: 'portal transaction',
    query: (sql, params) => tx.query(sql, params),
    execute: (sql, params) => tx.execute(sql, params),
    exec: (sql) => tx.exec(sql),
    copyCsv: (target, csv) => tx.copyCsv(target, csv),
    transaction: (work) => work(tx),
    withAdvisoryLock: () => Promise.reject(new Error('no advisory locks inside a portal transaction')),
    close: () => Promise.resolve(),
  };
}

async function ownedInvoice(q: Queryable, ctx: PortalContext, number: unknown) {
  if (typeof number !== 'string' || number.length === 0 || number.length > 200) {
    throw new PortalInputError('errInvoice');
  }
  const invoice = await customerInvoice(q, ctx.customer.id, number);
  if (!invoice) throw new PortalInputError('errInvoice');
  return invoice;
}

type Recipient = { contactId: number; name: string; email: string };

/** The acting contact if it can be mailed, else the customer's dunning contacts. */
async function recipientsFor(q: Queryable, ctx: PortalContext): Promise<Recipient[]> {
  const rows = await q.query<{ id: number; name: string; email: string }>(
    `SELECT id, name, email FROM contacts
      WHERE customer_id = $1 AND email IS NOT NULL AND email <> '' AND email_status = 'ok'
        AND (id = $2 OR ($2 = 0 AND receives_dunning))
      ORDER BY id`,
    [ctx.customer.id, ctx.contact?.id ?? 0],
  );
  return rows.map((r) => ({ contactId: r.id, name: r.name, email: r.email }));
}

/**
 * Queues an event message (not dunning: R5's throttle does not count it) for today, through
 * the outbox like every other message. Returns its id, or null when nobody can be mailed.
 */
export async function queueEventMessage(
  q: Queryable,
  input: {
    customerId: number;
    to: Recipient[];
    template: string;
    stepKey: string;
    language: string;
    plannedFor: CalendarDate;
    invoices: { id: number; openBalance: number }[];
    attach?: string[];
    actor: string;
  },
): Promise<number | null> {
  if (input.to.length === 0) return null;
  const [row] = await q.query<{ id: number }>(
    `INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for,
                                  to_recipients, attach)
     VALUES ($1, 'portal', $2, $3, $4, false, $5, $6, $7) RETURNING id`,
    [
      input.customerId,
      input.stepKey,
      input.template,
      input.language,
      input.plannedFor,
      JSON.stringify(input.to),
      input.attach ?? [],
    ],
  );
  const id = row!.id;
  for (const [position, inv] of input.invoices.entries()) {
    await q.execute(
      `INSERT INTO outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance)
       VALUES ($1, $2, $3, $4, $5)`,
      [id, inv.id, position, input.stepKey, inv.openBalance],
    );
  }
  await recordEvent(q, {
    actor: input.actor,
    customerId: input.customerId,
    action: 'message.queued',
    entity: 'outbox_message',
    entityId: id,
    data: { template: input.template, to: input.to.map((r) => r.email) },
  });
  return id;
}

function messageLanguage(ctx: PortalContext): string {
  return portalLanguage(ctx.customer.language ?? ctx.settings.language);
}

async function openTask(
  q: Queryable,
  input: {
    customerId: number;
    kind: 'dispute' | 'other';
    title: string;
    due: CalendarDate;
    invoiceIds: number[];
    now: Date;
    done?: boolean;
  },
): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    `INSERT INTO tasks (customer_id, kind, title, due, invoice_ids, status, done_by, done_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      input.customerId,
      input.kind,
      input.title.slice(0, 500),
      input.due,
      input.invoiceIds,
      input.done ? 'done' : 'open',
      input.done ? 'portal' : null,
      input.done ? input.now.toISOString() : null,
    ],
  );
  return row!.id;
}

function cleanText(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  // control characters (but newlines and tabs) out: notes land in tasks, mails and logs
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/(?![\n\t])\p{Cc}/gu, '')
    .trim()
    .slice(0, max + 1);
}

export async function promiseToPay(
  db: Db,
  ctx: PortalContext,
  form: { invoice?: unknown; date?: unknown; amount?: unknown },
): Promise<{ number: string; date: CalendarDate }> {
  const date = typeof form.date === 'string' ? form.date.trim() : '';
  if (!isCalendarDate(date)) throw new PortalInputError('errDate');
  if (date < ctx.today) throw new PortalInputError('errPastDate');
  const amountText = typeof form.amount === 'string' ? form.amount.trim() : '';
  const actor = portalActor(ctx);
  return db.transaction(async (tx) => {
    const invoice = await ownedInvoice(tx, ctx, form.invoice);
    if (!invoice.isOpen) throw new PortalInputError('errNotOpen', { number: invoice.number });
    let amount: number | null = null;
    if (amountText !== '') {
      try {
        amount = parseAmount(amountText, invoice.currency);
      } catch (err) {
        if (err instanceof MoneyFormatError) throw new PortalInputError('errAmount');
        throw err;
      }
      if (amount <= 0 || amount > invoice.openBalance) throw new PortalInputError('errAmount');
    }
    const [open] = await tx.query(`SELECT 1 FROM promises WHERE invoice_id = $1 AND status = 'open'`, [
      invoice.id,
    ]);
    if (open) throw new PortalInputError('errAlreadyPromised', { number: invoice.number });
    await createPromise(txAsDb(tx), {
      number: invoice.number,
      promisedDate: date,
      amount: amount === null ? null : formatAmount(amount, invoice.currency),
      actor,
      today: ctx.today,
      graceDays: ctx.settings.promiseGraceDays,
    });
    await queueEventMessage(tx, {
      customerId: ctx.customer.id,
      to: await recipientsFor(tx, ctx),
      template: 'promise-confirmation',
      stepKey: 'promise-confirmation',
      language: messageLanguage(ctx),
      plannedFor: ctx.today,
      invoices: [{ id: invoice.id, openBalance: invoice.openBalance }],
      actor,
    });
    return { number: invoice.number, date };
  });
}

/** The reasons offered: the organisation's list, else the default five (stored in English). */
export function disputeReasons(settings: PortalSettings): { value: string; label: MessageKey | null }[] {
  if (settings.disputeReasons) return settings.disputeReasons.map((value) => ({ value, label: null }));
  return DEFAULT_DISPUTE_REASONS.map((r) => ({ value: r.stored, label: r.key }));
}

export const NOTE_MAX = 2000;

export async function disputeInvoice(
  db: Db,
  ctx: PortalContext,
  form: { invoice?: unknown; reason?: unknown; note?: unknown },
): Promise<{ number: string }> {
  const reason = typeof form.reason === 'string' ? form.reason : '';
  if (!disputeReasons(ctx.settings).some((r) => r.value === reason)) throw new PortalInputError('errReason');
  const note = cleanText(form.note, NOTE_MAX);
  if (note.length > NOTE_MAX) throw new PortalInputError('errNote');
  const actor = portalActor(ctx);
  return db.transaction(async (tx) => {
    const invoice = await ownedInvoice(tx, ctx, form.invoice);
    if (invoice.disputed) throw new PortalInputError('errAlreadyDisputed', { number: invoice.number });
    await openDispute(txAsDb(tx), { number: invoice.number, reason, note: note || null, actor });
    await openTask(tx, {
      customerId: ctx.customer.id,
      kind: 'dispute',
      title: `Dispute from the portal on ${invoice.number}: ${reason}${note ? ` — ${note}` : ''}`,
      due: ctx.today,
      now: ctx.now,
      invoiceIds: [invoice.id],
    });
    await queueEventMessage(tx, {
      customerId: ctx.customer.id,
      to: await recipientsFor(tx, ctx),
      template: 'dispute-received',
      stepKey: 'dispute-received',
      language: messageLanguage(ctx),
      plannedFor: ctx.today,
      invoices: [{ id: invoice.id, openBalance: invoice.openBalance }],
      actor,
    });
    return { number: invoice.number };
  });
}

export async function addInvoiceNote(
  db: Db,
  ctx: PortalContext,
  form: { invoice?: unknown; note?: unknown },
): Promise<{ number: string }> {
  const note = cleanText(form.note, NOTE_MAX);
  if (note.length === 0 || note.length > NOTE_MAX) throw new PortalInputError('errNote');
  const actor = portalActor(ctx);
  return db.transaction(async (tx) => {
    const invoice = await ownedInvoice(tx, ctx, form.invoice);
    const [row] = await tx.query<{ id: number }>(
      'INSERT INTO notes (customer_id, invoice_id, author, body) VALUES ($1, $2, $3, $4) RETURNING id',
      [ctx.customer.id, invoice.id, actor, note],
    );
    await recordEvent(tx, {
      actor,
      customerId: ctx.customer.id,
      action: 'invoice.note_added',
      entity: 'invoice',
      entityId: invoice.number,
      data: { note_id: row!.id, body: note },
    });
    return { number: invoice.number };
  });
}

export const DOCUMENT_KINDS = ['invoice_copy', 'tax_form', 'statement', 'remittance'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface UploadedFile {
  fileName: string;
  bytes: Buffer;
}

export type DocumentOutcome =
  /** a copy the portal can hand out at once: the request is resolved by the download */
  | { kind: 'invoice_copy'; number: string }
  | { kind: 'statement' }
  /** a person answers (W-9 / tax form) */
  | { kind: 'tax_form' }
  | { kind: 'remittance'; fileName: string };

function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[^\p{L}\p{N} ._()-]/gu, '_')
    .slice(-120)
    .trim()
    .replace(/^\.+/, ''); // never ".", ".." or a hidden name (test/security/path-traversal.test.ts)
  return cleaned || 'upload';
}

export async function requestDocument(
  db: Db,
  ctx: PortalContext,
  form: { kind?: unknown; invoice?: unknown; message?: unknown },
  file: UploadedFile | null,
): Promise<DocumentOutcome> {
  const kind = DOCUMENT_KINDS.find((k) => k === form.kind);
  if (!kind) throw new PortalInputError('errDocKind');
  const message = cleanText(form.message, NOTE_MAX);
  if (message.length > NOTE_MAX) throw new PortalInputError('errNote');
  const wantsInvoice = typeof form.invoice === 'string' && form.invoice !== '';
  if (kind === 'invoice_copy' && !wantsInvoice) throw new PortalInputError('errInvoice');
  let upload: { fileName: string; contentType: string; bytes: Buffer; sha256: string } | null = null;
  if (kind === 'remittance') {
    if (!file || file.bytes.length === 0) throw new PortalInputError('errFileMissing');
    if (file.bytes.length > ctx.settings.uploadMaxBytes) {
      throw new PortalInputError('errFileSize', { size: formatBytes(ctx.settings.uploadMaxBytes) });
    }
    const contentType = detectUploadType(file.bytes);
    if (!contentType) throw new PortalInputError('errFileType');
    upload = {
      fileName: safeFileName(file.fileName),
      contentType,
      bytes: file.bytes,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
    };
  }
  const actor = portalActor(ctx);
  return db.transaction(async (tx) => {
    const invoice = wantsInvoice ? await ownedInvoice(tx, ctx, form.invoice) : null;
    const who = ctx.contact?.email ?? `customer ${ctx.customer.externalId}`;
    const suffix = message ? ` — "${message}"` : '';
    const invoiceIds = invoice ? [invoice.id] : [];
    let taskId: number;
    let outcome: DocumentOutcome;
    if (kind === 'invoice_copy' && invoice) {
      // resolved by itself: the page offers the PDF at once
      taskId = await openTask(tx, {
        customerId: ctx.customer.id,
        kind: 'other',
        title: `Portal: ${who} asked for a copy of ${invoice.number}; the download was offered${suffix}`,
        due: ctx.today,
        now: ctx.now,
        invoiceIds,
        done: true,
      });
      outcome = { kind, number: invoice.number };
    } else if (kind === 'statement') {
      taskId = await openTask(tx, {
        customerId: ctx.customer.id,
        kind: 'other',
        title: `Portal: ${who} asked for an account statement; the download was offered${suffix}`,
        due: ctx.today,
        now: ctx.now,
        invoiceIds,
        done: true,
      });
      outcome = { kind };
    } else if (kind === 'tax_form') {
      taskId = await openTask(tx, {
        customerId: ctx.customer.id,
        kind: 'other',
        title: `Portal: send a W-9 or tax form to ${who}${suffix}`,
        due: ctx.today,
        now: ctx.now,
        invoiceIds,
      });
      outcome = { kind };
    } else {
      taskId = await openTask(tx, {
        customerId: ctx.customer.id,
        kind: 'other',
        title: `Portal: ${who} uploaded remittance advice ${upload!.fileName}${invoice ? ` for ${invoice.number}` : ''}; match it to the payment${suffix}`,
        due: ctx.today,
        now: ctx.now,
        invoiceIds,
      });
      await tx.execute(
        `INSERT INTO portal_uploads (customer_id, contact_id, file_name, content_type, size, sha256, bytes, task_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          ctx.customer.id,
          ctx.contact?.id ?? null,
          upload!.fileName,
          upload!.contentType,
          upload!.bytes.length,
          upload!.sha256,
          upload!.bytes,
          taskId,
        ],
      );
      outcome = { kind: 'remittance', fileName: upload!.fileName };
    }
    await recordEvent(tx, {
      actor,
      customerId: ctx.customer.id,
      action: kind === 'remittance' ? 'portal.remittance_uploaded' : 'portal.document_requested',
      entity: 'task',
      entityId: taskId,
      data: {
        kind,
        invoice: invoice?.number ?? null,
        message: message || null,
        ...(upload ? { file: upload.fileName, size: upload.bytes.length, sha256: upload.sha256 } : {}),
        resolved: kind === 'invoice_copy' || kind === 'statement',
      },
    });
    return outcome;
  });
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`
    : `${Math.round(bytes / 1024)} KB`;
}

/**
 * "Send me a new link" from an expired or revoked link's page. The answer is the same
 * whether or not the address belongs to a contact of the link's customer; only the rate
 * limits (per IP and per address, counted for every request) can refuse it.
 */
export async function requestFreshLink(
  db: Db,
  input: { customerId: number; email: unknown; ip: string; now: Date; today: CalendarDate; language: string },
): Promise<'accepted' | 'limited'> {
  const email = typeof input.email === 'string' ? input.email.trim().toLowerCase().slice(0, 320) : '';
  const addressHash = createHash('sha256').update(email).digest('hex').slice(0, 32);
  return db.transaction(async (tx) => {
    if (!(await takeRateSlot(tx, `link-ip:${input.ip}`, LINK_REQUESTS_PER_IP, input.now))) return 'limited';
    if (!(await takeRateSlot(tx, `link-address:${addressHash}`, LINK_REQUESTS_PER_ADDRESS, input.now))) {
      return 'limited';
    }
    const [contact] = email.includes('@')
      ? await tx.query<{ id: number; name: string; email: string }>(
          `SELECT id, name, email FROM contacts
              WHERE customer_id = $1 AND lower(email) = $2 AND email_status = 'ok'
              ORDER BY id LIMIT 1`,
          [input.customerId, email],
        )
      : [];
    const actor = contact ? `portal:${contact.email}` : 'portal:anonymous';
    if (contact) {
      // The statement message carries portal_url: the sender signs a fresh link for this
      // contact when it renders the message. It lists no invoices, so the sender shows every
      // open one and R6's paid check never cancels it.
      await queueEventMessage(tx, {
        customerId: input.customerId,
        to: [{ contactId: contact.id, name: contact.name, email: contact.email }],
        template: 'statement',
        stepKey: 'portal-link',
        language: input.language,
        plannedFor: input.today,
        invoices: [],
        attach: ['statement'],
        actor,
      });
    }
    await recordEvent(tx, {
      actor,
      customerId: input.customerId,
      action: 'portal.link_requested',
      entity: 'customer',
      entityId: input.customerId,
      data: { matched: Boolean(contact) },
    });
    return 'accepted';
  });
}
