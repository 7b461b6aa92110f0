/**
 * Promises to pay: recorded by a collector (CLI, API) or the portal; while open they hold
 * dunning for their invoice until promised date + grace (R6). `refreshPromises` moves open
 * promises to kept | partial | broken from the payments on the ledger (rules in
 * promise-rules.ts); the daily run calls it before planning.
 */
import type { BrokenPromise } from '../campaigns/planner/types.ts';
import { recordEvent, recordEvents, type TimelineEvent } from '../platform/audit.ts';
import type { Db, Queryable } from '../platform/db/index.ts';
import { UserError } from '../platform/errors.ts';
import { type CalendarDate, isCalendarDate } from './dates.ts';
import { findInvoice } from './disputes.ts';
import { formatAmount, MoneyFormatError, parseAmount } from './money.ts';
import { type PromiseStatus, promiseDeadline, promiseOutcome } from './promise-rules.ts';

export const DEFAULT_PROMISE_GRACE_DAYS = 2;

export interface PromiseView {
  id: number;
  invoice: string;
  customer_external_id: string;
  promised_date: CalendarDate;
  amount: string | null;
  currency: string;
  status: PromiseStatus;
  grace_days: number;
  /** The last day the promise holds dunning for the invoice. */
  promised_through: CalendarDate;
  created_by: string;
}

export async function createPromise(
  db: Db,
  input: {
    number: string;
    promisedDate: string;
    /** Decimal string in the invoice currency; omitted = the whole open balance. */
    amount?: string | null;
    actor: string;
    /** Today in the organisation's time zone: a promise cannot be dated before it. */
    today: CalendarDate;
    graceDays: number;
  },
): Promise<PromiseView> {
  if (!isCalendarDate(input.promisedDate)) {
    throw new UserError(`promise date "${input.promisedDate}" is not a date; write it as YYYY-MM-DD`);
  }
  if (input.promisedDate < input.today) {
    throw new UserError(
      `promise date ${input.promisedDate} is in the past (today is ${input.today}); give today or a later date`,
    );
  }
  return db.transaction(async (tx) => {
    const invoice = await findInvoice(tx, input.number, true);
    if (invoice.status !== 'open' || invoice.openBalance <= 0) {
      throw new UserError(`invoice ${invoice.number} has no open balance; there is nothing to promise`);
    }
    let amount: number | null = null;
    if (input.amount != null) {
      try {
        amount = parseAmount(input.amount, invoice.currency);
      } catch (err) {
        if (err instanceof MoneyFormatError) throw new UserError(`promise amount: ${err.message}`);
        throw err;
      }
      if (amount <= 0) throw new UserError(`promise amount ${input.amount} must be more than 0`);
      if (amount > invoice.openBalance) {
        throw new UserError(
          `promise amount ${input.amount} ${invoice.currency} is more than the open balance of invoice ` +
            `${invoice.number} (${formatAmount(invoice.openBalance, invoice.currency)})`,
        );
      }
    }
    const [existing] = await tx.query<{ promised_date: string }>(
      `SELECT promised_date FROM promises WHERE invoice_id = $1 AND status = 'open'`,
      [invoice.id],
    );
    if (existing) {
      throw new UserError(
        `invoice ${invoice.number} already has an open promise to pay by ${existing.promised_date}; ` +
          'it closes as kept, partial or broken on its own',
      );
    }
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO promises (invoice_id, customer_id, promised_date, amount, balance_at_promise, promised_on,
                             grace_days, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        invoice.id,
        invoice.customerId,
        input.promisedDate,
        amount,
        invoice.openBalance,
        input.today,
        input.graceDays,
        input.actor,
      ],
    );
    const promise: PromiseView = {
      id: row!.id,
      invoice: invoice.number,
      customer_external_id: invoice.customerExternalId,
      promised_date: input.promisedDate,
      amount: amount == null ? null : formatAmount(amount, invoice.currency),
      currency: invoice.currency,
      status: 'open',
      grace_days: input.graceDays,
      promised_through: promiseDeadline(input.promisedDate, input.graceDays),
      created_by: input.actor,
    };
    await recordEvent(tx, {
      actor: input.actor,
      customerId: invoice.customerId,
      action: 'promise.created',
      entity: 'promise',
      entityId: promise.id,
      data: {
        invoice: invoice.number,
        promised_date: promise.promised_date,
        amount: promise.amount,
        currency: promise.currency,
      },
    });
    return promise;
  });
}

export interface PromiseTransition {
  promiseId: number;
  customerId: number;
  invoiceId: number;
  invoice: string;
  status: 'kept' | 'partial' | 'broken';
  settledOn: CalendarDate;
  paid: number;
}

type OpenPromiseRow = {
  id: number;
  customer_id: number;
  invoice_id: number;
  number: string;
  promised_date: string;
  grace_days: number;
  amount: number | null;
  balance_at_promise: number;
  invoice_status: 'open' | 'paid' | 'void';
  balance_at_check: number;
  last_application_on: string | null;
};

/** Open promises with their invoice's balance as of min(day, deadline): one statement. */
async function openPromiseFacts(q: Queryable, day: CalendarDate): Promise<OpenPromiseRow[]> {
  return q.query<OpenPromiseRow>(
    `SELECT p.id, p.customer_id, p.invoice_id, i.number, p.promised_date, p.grace_days, p.amount,
            p.balance_at_promise, i.status AS invoice_status,
            i.amount - coalesce(s.applied, 0) AS balance_at_check, s.last_on AS last_application_on
       FROM promises p
       JOIN invoices i ON i.id = p.invoice_id
       LEFT JOIN LATERAL (
         SELECT sum(a.amount) AS applied, max(a.date) AS last_on
           FROM applications a
          WHERE a.invoice_id = p.invoice_id AND a.date <= least($1::date, p.promised_date + p.grace_days)
       ) s ON true
      WHERE p.status = 'open'
      ORDER BY p.id`,
    [day],
  );
}

/** What refreshing would change on `day`, without writing (dry runs and forecasts use it). */
export async function promiseTransitions(q: Queryable, day: CalendarDate): Promise<PromiseTransition[]> {
  const out: PromiseTransition[] = [];
  for (const r of await openPromiseFacts(q, day)) {
    const outcome = promiseOutcome(
      {
        promisedDate: r.promised_date,
        graceDays: r.grace_days,
        amount: r.amount,
        balanceAtPromise: r.balance_at_promise,
        invoiceStatus: r.invoice_status,
        balanceAtCheck: r.balance_at_check,
        lastApplicationOn: r.last_application_on,
      },
      day,
    );
    if (outcome) {
      out.push({
        promiseId: r.id,
        customerId: r.customer_id,
        invoiceId: r.invoice_id,
        invoice: r.number,
        status: outcome.status,
        settledOn: outcome.settledOn,
        paid: outcome.paid,
      });
    }
  }
  return out;
}

/**
 * Moves open promises to kept | partial | broken as of `day` and records each change on the
 * customer's timeline. Safe to call concurrently: the UPDATE only touches promises still open,
 * and only the rows it changed get an event. Returns the transitions it made.
 */
export async function refreshPromises(
  db: Db,
  day: CalendarDate,
  actor = 'engine',
): Promise<PromiseTransition[]> {
  return db.transaction(async (tx) => writePromiseTransitions(tx, await promiseTransitions(tx, day), actor));
}

/**
 * Writes the given transitions (from `promiseTransitions`) inside the caller's transaction,
 * each on the customer's timeline; payment paths (src/payments/record.ts) pass only the
 * promises their payment kept. Only promises still open change; returns those.
 */
export async function writePromiseTransitions(
  tx: Queryable,
  transitions: readonly PromiseTransition[],
  actor: string,
): Promise<PromiseTransition[]> {
  if (transitions.length === 0) return [];
  const changed = await tx.query<{ id: number }>(
    `UPDATE promises p
        SET status = t.status, settled_on = t.settled_on, paid_amount = t.paid, status_changed_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS t(id bigint, status text, settled_on date, paid bigint)
      WHERE p.id = t.id AND p.status = 'open'
     RETURNING p.id`,
    [
      JSON.stringify(
        transitions.map((t) => ({
          id: t.promiseId,
          status: t.status,
          settled_on: t.settledOn,
          paid: t.paid,
        })),
      ),
    ],
  );
  const ids = new Set(changed.map((r) => r.id));
  const made = transitions.filter((t) => ids.has(t.promiseId));
  const events: TimelineEvent[] = made.map((t) => ({
    actor,
    customerId: t.customerId,
    action: `promise.${t.status}`,
    entity: 'promise',
    entityId: t.promiseId,
    data: { invoice: t.invoice, on: t.settledOn, paid_minor: t.paid },
  }));
  await recordEvents(tx, events);
  return made;
}

/**
 * Broken promises the planner may still act on (promise_broken campaign, R3 catch-up decides
 * which are too old): those whose first broken day lies in [since, day].
 */
export async function loadBrokenPromises(
  q: Queryable,
  since: CalendarDate,
  day: CalendarDate,
  customerRange?: { from: number; to: number },
): Promise<BrokenPromise[]> {
  const rows = await q.query<{ id: number; customer_id: number; invoice_id: number; settled_on: string }>(
    `SELECT id, customer_id, invoice_id, settled_on FROM promises
      WHERE status = 'broken' AND settled_on BETWEEN $1 AND $2
        ${customerRange ? 'AND customer_id BETWEEN $3 AND $4' : ''}
      ORDER BY id`,
    customerRange ? [since, day, customerRange.from, customerRange.to] : [since, day],
  );
  return rows.map((r) => ({
    promiseId: r.id,
    customerId: r.customer_id,
    invoiceId: r.invoice_id,
    brokenOn: r.settled_on,
  }));
}

export async function listPromises(
  q: Queryable,
  filter: { customerId?: number; status?: PromiseStatus } = {},
): Promise<PromiseView[]> {
  const rows = await q.query<{
    id: number;
    number: string;
    external_id: string;
    promised_date: string;
    amount: number | null;
    currency: string;
    status: PromiseStatus;
    grace_days: number;
    created_by: string;
  }>(
    `SELECT p.id, i.number, c.external_id, p.promised_date, p.amount, i.currency, p.status, p.grace_days, p.created_by
       FROM promises p JOIN invoices i ON i.id = p.invoice_id JOIN customers c ON c.id = p.customer_id
      WHERE ($1::bigint IS NULL OR p.customer_id = $1) AND ($2::text IS NULL OR p.status = $2)
      ORDER BY p.id`,
    [filter.customerId ?? null, filter.status ?? null],
  );
  return rows.map((r) => {
    const currency = r.currency.trim();
    return {
      id: r.id,
      invoice: r.number,
      customer_external_id: r.external_id,
      promised_date: r.promised_date,
      amount: r.amount == null ? null : formatAmount(r.amount, currency),
      currency,
      status: r.status,
      grace_days: r.grace_days,
      promised_through: promiseDeadline(r.promised_date, r.grace_days),
      created_by: r.created_by,
    };
  });
}
