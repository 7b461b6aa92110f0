/**
 * The outbox: every message the engine planned, with its status. Sending (a later issue)
 * moves rows planned → sending → sent | failed | unknown; a payment that lands before sending
 * cancels the message (R6's repeated paid check, `cancelObsoleteMessages`).
 */
import type { CalendarDate } from '../ledger/dates.ts';
import { recordEvents } from '../platform/audit.ts';
import type { Queryable } from '../platform/db/index.ts';
import { safeAddress } from '../platform/email-address.ts';
import { UserError } from '../platform/errors.ts';

export const OUTBOX_STATUSES = ['planned', 'sending', 'sent', 'failed', 'cancelled', 'unknown'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** PRODUCT §2.2: `dunwell outbox list --json` items (forecast items have id null). */
export interface OutboxView {
  id: number | null;
  customer_external_id: string;
  campaign: string;
  step: string;
  template: string;
  language: string;
  planned_for: CalendarDate;
  status: OutboxStatus;
  to: string[];
  cc: string[];
  invoices: string[];
  subject: string | null;
  attachments: string[];
  message_id: string | null;
}

/** 'invoice' → one '<number>.pdf' per listed invoice; 'statement' → 'statement-<date>.pdf'. */
export function attachmentNames(
  attach: readonly string[],
  invoiceNumbers: readonly string[],
  plannedFor: CalendarDate,
): string[] {
  const names: string[] = [];
  if (attach.includes('invoice')) for (const n of invoiceNumbers) names.push(`${n}.pdf`);
  if (attach.includes('statement')) names.push(`statement-${plannedFor}.pdf`);
  return names;
}

export interface OutboxFilter {
  status?: OutboxStatus | undefined;
  plannedFor?: CalendarDate | undefined;
  customerExternalId?: string | undefined;
  /** Keyset paging: only rows after this (planned_for, id) in list order. */
  after?: { plannedFor: CalendarDate; id: number } | undefined;
  limit?: number | undefined;
}

interface OutboxRow {
  id: number;
  customer_external_id: string;
  campaign_key: string;
  step_key: string;
  template: string;
  language: string;
  planned_for: string;
  status: OutboxStatus;
  to_recipients: { email: string }[];
  cc_recipients: { email: string }[];
  invoices: string[];
  attach: string[];
  subject: string | null;
  message_id: string | null;
}

function view(r: OutboxRow): OutboxView {
  return {
    id: r.id,
    customer_external_id: r.customer_external_id,
    campaign: r.campaign_key,
    step: r.step_key,
    template: r.template,
    language: r.language,
    planned_for: r.planned_for,
    status: r.status,
    to: r.to_recipients.map((x) => x.email),
    cc: r.cc_recipients.map((x) => x.email),
    invoices: r.invoices,
    subject: r.subject,
    attachments: attachmentNames(r.attach, r.invoices, r.planned_for),
    message_id: r.message_id,
  };
}

/** Outbox messages, oldest first (planned day, then id). */
export async function listOutbox(q: Queryable, filter: OutboxFilter = {}): Promise<OutboxView[]> {
  const rows = await q.query<OutboxRow & Record<string, unknown>>(
    `SELECT m.id, c.external_id AS customer_external_id, m.campaign_key, m.step_key, m.template, m.language,
            m.planned_for, m.status, m.to_recipients, m.cc_recipients, m.attach, m.subject, m.message_id,
            coalesce((SELECT array_agg(i.number ORDER BY mi.position)
                        FROM outbox_message_invoices mi JOIN invoices i ON i.id = mi.invoice_id
                       WHERE mi.message_id = m.id), '{}') AS invoices
       FROM outbox_messages m JOIN customers c ON c.id = m.customer_id
      WHERE ($1::text IS NULL OR m.status = $1)
        AND ($2::date IS NULL OR m.planned_for = $2)
        AND ($3::text IS NULL OR c.external_id = $3)
        AND ($4::date IS NULL OR (m.planned_for, m.id) > ($4::date, $5::bigint))
      ORDER BY m.planned_for, m.id
      LIMIT $6`,
    [
      filter.status ?? null,
      filter.plannedFor ?? null,
      filter.customerExternalId ?? null,
      filter.after?.plannedFor ?? null,
      filter.after?.id ?? null,
      filter.limit ?? null,
    ],
  );
  return rows.map(view);
}

export async function getOutboxMessage(q: Queryable, id: number): Promise<OutboxView | null> {
  const rows = await q.query<OutboxRow & Record<string, unknown>>(
    `SELECT m.id, c.external_id AS customer_external_id, m.campaign_key, m.step_key, m.template, m.language,
            m.planned_for, m.status, m.to_recipients, m.cc_recipients, m.attach, m.subject, m.message_id,
            coalesce((SELECT array_agg(i.number ORDER BY mi.position)
                        FROM outbox_message_invoices mi JOIN invoices i ON i.id = mi.invoice_id
                       WHERE mi.message_id = m.id), '{}') AS invoices
       FROM outbox_messages m JOIN customers c ON c.id = m.customer_id
      WHERE m.id = $1`,
    [id],
  );
  return rows[0] ? view(rows[0]) : null;
}

// Open on the day = status open and a balance as of the day > 0. Applications are positive,
// so an invoice with open_balance > 0 is open on any day without summing anything; one that
// is settled has no application dated after settled_on (its last one), so only an invoice
// settled after the day needs the applications dated after it added back.
const OBSOLETE = `
    SELECT m.id, m.customer_id FROM outbox_messages m
     WHERE m.status = 'planned' AND m.planned_for <= $1
       AND ($2::bigint[] IS NULL OR m.id = ANY ($2::bigint[]))
       AND EXISTS (SELECT 1 FROM outbox_message_invoices mi WHERE mi.message_id = m.id)
       AND NOT EXISTS (
         SELECT 1 FROM outbox_message_invoices mi JOIN invoices i ON i.id = mi.invoice_id
          WHERE mi.message_id = m.id AND i.status = 'open'
            AND (i.open_balance > 0
                 OR (i.settled_on > $1
                     AND i.open_balance + coalesce((SELECT sum(a.amount) FROM applications a
                                                     WHERE a.invoice_id = i.id AND a.date > $1), 0) > 0)))`;

/**
 * Planned (unsent) messages planned for `day` or earlier of which no listed invoice is still
 * open on `day` (status open and a balance as of `day` > 0). Read-only: dry runs use it.
 */
export async function findObsoleteMessages(
  q: Queryable,
  day: CalendarDate,
  messageIds: readonly number[] | null = null,
): Promise<number[]> {
  const rows = await q.query<{ id: number }>(`${OBSOLETE} ORDER BY m.id`, [day, messageIds]);
  return rows.map((r) => r.id);
}

/**
 * R6's repeated paid check: cancels planned (unsent) messages planned for `day` or earlier of
 * which no listed invoice is still open on `day`, and returns how many it cancelled. Each
 * cancellation lands on the customer's timeline. The sender calls it just before sending
 * (with the ids it is about to send); payment paths may call it too. Concurrent callers
 * never cancel one message twice (row locks, SKIP LOCKED, and the status re-check).
 */
export async function cancelObsoleteMessages(
  q: Queryable,
  day: CalendarDate,
  options: { actor?: string; messageIds?: readonly number[] } = {},
): Promise<number> {
  const cancelled = await q.query<{ id: number; customer_id: number }>(
    `UPDATE outbox_messages m
        SET status = 'cancelled', status_changed_at = now(), cancel_reason = 'paid'
       FROM (${OBSOLETE} FOR UPDATE OF m SKIP LOCKED) o
      WHERE m.id = o.id AND m.status = 'planned'
     RETURNING m.id, m.customer_id`,
    [day, options.messageIds ?? null],
  );
  await recordEvents(
    q,
    cancelled.map((r) => ({
      actor: options.actor ?? 'engine',
      customerId: r.customer_id,
      action: 'message.cancelled',
      entity: 'outbox_message',
      entityId: r.id,
      data: { reason: 'no listed invoice is open any more', day },
    })),
  );
  return cancelled.length;
}

/** Why the workspace sends a system mail (system_mail.purpose). */
export const SYSTEM_MAIL_PURPOSES = ['password-reset'] as const;
export type SystemMailPurpose = (typeof SYSTEM_MAIL_PURPOSES)[number];

export interface SystemMail {
  /** one address (addr-spec), no display name */
  to: string;
  /** one line */
  subject: string;
  text: string;
  html?: string;
  purpose: SystemMailPurpose;
}

/**
 * Queues a mail from the workspace to one of its users (issue 7: a password reset link). The
 * sender delivers it like an outbox message — same claims, hand-over record, crash recovery
 * and retries — from the organisation's address with `Auto-Submitted: auto-generated`, with
 * no customer, attachment, portal link or R6 check. It never appears on a customer timeline;
 * in the catcher (`/api/v1/messages`) only admins see it. Pass a transaction handle to queue it
 * with other writes (it is due at once, so it goes out with the next drain after the commit).
 * Bad input is refused with a UserError naming the field; nothing is written then.
 */
export async function enqueueSystemMail(q: Queryable, mail: SystemMail): Promise<{ id: number }> {
  const to = typeof mail.to === 'string' ? safeAddress(mail.to) : null;
  if (!to)
    throw new UserError(
      `system mail: "to" is not one deliverable e-mail address: ${JSON.stringify(mail.to)}`,
    );
  if (typeof mail.subject !== 'string' || mail.subject.trim() === '' || mail.subject.length > 300) {
    throw new UserError('system mail: "subject" must be text of 1 to 300 characters');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(mail.subject)) {
    throw new UserError('system mail: "subject" must be one line (no CR, LF or other control characters)');
  }
  if (typeof mail.text !== 'string' || mail.text.trim() === '') {
    throw new UserError('system mail: "text" (the plain-text body) must not be empty');
  }
  if (mail.html !== undefined && typeof mail.html !== 'string') {
    throw new UserError('system mail: "html" must be text when given');
  }
  if (!(SYSTEM_MAIL_PURPOSES as readonly string[]).includes(mail.purpose)) {
    throw new UserError(
      `system mail: "purpose" must be one of ${SYSTEM_MAIL_PURPOSES.join(', ')}, not ${JSON.stringify(mail.purpose)}`,
    );
  }
  const [row] = await q.query<{ id: number }>(
    `INSERT INTO system_mail (purpose, to_address, subject, text_body, html_body)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [mail.purpose, to, mail.subject, mail.text, mail.html ?? null],
  );
  if (!row) throw new Error('system mail: the insert returned no row');
  return { id: Number(row.id) };
}
