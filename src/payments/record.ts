/**
 * Recording one received payment (a bank statement line, a portal or provider payment, an API
 * call) and everything that follows from it, inside the caller's transaction:
 *
 *   1. the payment row (idempotent on its external id: recording it again changes nothing and
 *      returns what the first recording did);
 *   2. its applications, decided by the ledger's pure allocator (src/ledger/allocation.ts) —
 *      the given invoices first, then invoice numbers in the reference, then oldest first; the
 *      rest stays on the customer's account as credit. An application consumes the invoice's
 *      'adjustment' first, exactly as the CSV import does (the adjustment stood for this money);
 *   3. promises to pay that this payment kept are closed as kept;
 *   4. planned outbox messages whose invoices are all settled now are cancelled (R6);
 *   5. one 'payment.recorded' event on the customer's timeline.
 *
 * The invoices' open balances follow from the applications (database triggers).
 */
import { allocatePayment, type OpenInvoice, splitAgainstAdjustment } from '../ledger/allocation.ts';
import { type CalendarDate, isCalendarDate, maxDate } from '../ledger/dates.ts';
import { formatAmount, isCurrencyCode } from '../ledger/money.ts';
import { promiseTransitions, writePromiseTransitions } from '../ledger/promises.ts';
import { cancelObsoleteMessages } from '../messages/outbox.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Queryable } from '../platform/db/index.ts';
import { UserError } from '../platform/errors.ts';

export type PaymentSource = 'bank' | 'portal' | 'provider' | 'api';

export interface PaymentToRecord {
  customerId: number;
  /** Unique per payment across sources, e.g. 'bank:<entry identity>', 'stripe:pi_…'. */
  externalId: string;
  date: CalendarDate;
  /** Minor units, > 0. */
  amount: number;
  currency: string;
  /** Free text (remittance information, invoice numbers); searched for invoice numbers. */
  reference: string;
  source: PaymentSource;
  /** Settle exactly these first (amounts in minor units); the rest follows the allocator's order. */
  appliedTo?: readonly { invoiceId: number; amount: number }[];
}

export interface RecordOptions {
  /** The organisation's today: planned messages up to this day are checked for R6. */
  today?: CalendarDate;
}

export interface RecordedPayment {
  paymentId: number;
  /** True when a payment with this external id already existed (nothing was written). */
  duplicate: boolean;
  applied: { invoiceId: number; number: string; amount: number }[];
  /** Minor units left on the customer's account (amount − applied). */
  credit: number;
  /** Promises this payment closed as kept. */
  promisesKept: number;
  /** Planned messages cancelled because none of their invoices is open any more. */
  messagesCancelled: number;
}

function validate(input: PaymentToRecord): void {
  const where = `payment "${input.externalId}"`;
  if (input.externalId.trim() === '') throw new UserError('a payment needs an external id');
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new UserError(`${where}: amount ${input.amount} must be a positive number of minor units`);
  }
  if (!isCurrencyCode(input.currency)) throw new UserError(`${where}: "${input.currency}" is not a currency`);
  if (!isCalendarDate(input.date)) throw new UserError(`${where}: date "${input.date}" is not YYYY-MM-DD`);
  for (const a of input.appliedTo ?? []) {
    if (!Number.isSafeInteger(a.amount) || a.amount <= 0) {
      throw new UserError(`${where}: applied amount ${a.amount} must be a positive number of minor units`);
    }
  }
}

async function existingPayment(q: Queryable, input: PaymentToRecord): Promise<RecordedPayment | null> {
  const [row] = await q.query<{ id: number; customer_id: number; amount: number; currency: string }>(
    'SELECT id, customer_id, amount, currency FROM payments WHERE external_id = $1',
    [input.externalId],
  );
  if (!row) return null;
  if (
    row.customer_id !== input.customerId ||
    row.amount !== input.amount ||
    row.currency !== input.currency
  ) {
    throw new UserError(
      `payment "${input.externalId}" was already recorded with another customer, amount or currency; ` +
        'a payment id names one payment — give this one its own id',
    );
  }
  const applied = await q.query<{ invoice_id: number; number: string; amount: number }>(
    `SELECT a.invoice_id, i.number, a.amount FROM applications a JOIN invoices i ON i.id = a.invoice_id
      WHERE a.payment_id = $1 ORDER BY a.id`,
    [row.id],
  );
  const total = applied.reduce((s, a) => s + a.amount, 0);
  return {
    paymentId: row.id,
    duplicate: true,
    applied: applied.map((a) => ({ invoiceId: a.invoice_id, number: a.number, amount: a.amount })),
    credit: row.amount - total,
    promisesKept: 0,
    messagesCancelled: 0,
  };
}

type InvoiceRow = {
  id: number;
  number: string;
  currency: string;
  due_date: string;
  issue_date: string;
  open_balance: number;
  adjustment: number;
};

/**
 * Records the payment and its effects in `tx` (the caller's transaction). Throws UserError
 * when an invoice in `appliedTo` is not the customer's.
 */
export async function recordPayment(
  tx: Queryable,
  input: PaymentToRecord,
  actor: string,
  options: RecordOptions = {},
): Promise<RecordedPayment> {
  validate(input);
  const again = await existingPayment(tx, input);
  if (again) return again;

  // The customer's open invoices, locked: two payments recorded at once must not both take
  // the same open balance.
  const invoices = await tx.query<InvoiceRow>(
    `SELECT i.id, i.number, i.currency, i.due_date, i.issue_date, i.open_balance,
            coalesce(a.amount, 0) AS adjustment
       FROM invoices i
       LEFT JOIN applications a ON a.invoice_id = i.id AND a.kind = 'adjustment'
      WHERE i.customer_id = $1 AND i.status <> 'void' AND (i.open_balance > 0 OR a.amount > 0)
      ORDER BY i.id
        FOR UPDATE OF i`,
    [input.customerId],
  );
  const byId = new Map(invoices.map((i) => [i.id, i]));
  const appliedTo: { number: string; amount: number }[] = [];
  for (const a of input.appliedTo ?? []) {
    const invoice = byId.get(a.invoiceId);
    if (!invoice) {
      const [other] = await tx.query<{ number: string; customer_id: number }>(
        'SELECT number, customer_id FROM invoices WHERE id = $1',
        [a.invoiceId],
      );
      if (!other || other.customer_id !== input.customerId) {
        throw new UserError(
          `payment "${input.externalId}": invoice ${other ? other.number : `#${a.invoiceId}`} is not this customer's`,
        );
      }
      // the customer's invoice, but settled or void: the allocator passes it over
      appliedTo.push({ number: other.number, amount: a.amount });
      continue;
    }
    appliedTo.push({ number: invoice.number, amount: a.amount });
  }
  const open: OpenInvoice[] = invoices.map((i) => ({
    id: i.id,
    number: i.number,
    currency: i.currency,
    dueDate: i.due_date,
    issueDate: i.issue_date,
    openBalance: Math.max(0, i.open_balance) + i.adjustment,
  }));
  const allocation = allocatePayment(
    { amount: input.amount, currency: input.currency, reference: input.reference, appliedTo },
    open,
  );

  const [payment] = await tx.query<{ id: number }>(
    `INSERT INTO payments (external_id, customer_id, date, amount, currency, reference, source, applied_to)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      input.externalId,
      input.customerId,
      input.date,
      input.amount,
      input.currency,
      input.reference,
      input.source,
      appliedTo.map((a) => `${a.number}:${formatAmount(a.amount, input.currency)}`).join(';'),
    ],
  );
  const paymentId = payment!.id;

  const adjustmentsLeft: { invoiceId: number; amount: number }[] = [];
  for (const app of allocation.applications) {
    const invoice = byId.get(app.invoiceId)!;
    const split = splitAgainstAdjustment(app.amount, invoice.adjustment);
    if (split.fromAdjustment > 0) {
      adjustmentsLeft.push({ invoiceId: invoice.id, amount: invoice.adjustment - split.fromAdjustment });
    }
  }
  // Adjustments first, then the payment's applications: the balance triggers then see the
  // final set of applications whichever statement runs last.
  for (const adj of adjustmentsLeft) {
    if (adj.amount === 0) {
      await tx.execute(`DELETE FROM applications WHERE invoice_id = $1 AND kind = 'adjustment'`, [
        adj.invoiceId,
      ]);
    } else {
      await tx.execute(`UPDATE applications SET amount = $2 WHERE invoice_id = $1 AND kind = 'adjustment'`, [
        adj.invoiceId,
        adj.amount,
      ]);
    }
  }
  if (allocation.applications.length > 0) {
    await tx.execute(
      `INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
       SELECT invoice_id, 'payment', $1, amount, $2::date
         FROM unnest($3::bigint[], $4::bigint[]) AS v(invoice_id, amount)`,
      [
        paymentId,
        input.date,
        allocation.applications.map((a) => a.invoiceId),
        allocation.applications.map((a) => a.amount),
      ],
    );
  }
  const applied = allocation.applications.map((a) => ({
    invoiceId: a.invoiceId,
    number: a.number,
    amount: a.amount,
  }));
  const credit = allocation.unapplied;

  await recordEvent(tx, {
    actor,
    customerId: input.customerId,
    action: 'payment.recorded',
    entity: 'payment',
    entityId: input.externalId,
    data: {
      source: input.source,
      date: input.date,
      amount: formatAmount(input.amount, input.currency),
      currency: input.currency,
      reference: input.reference,
      applications: applied.map((a) => ({
        invoice: a.number,
        amount: formatAmount(a.amount, input.currency),
      })),
      credit: formatAmount(credit, input.currency),
    },
  });

  const touched = new Set(applied.map((a) => a.invoiceId));
  let promisesKept = 0;
  let messagesCancelled = 0;
  if (touched.size > 0) {
    // Only 'kept' here: partial and broken depend on a deadline passing, which the daily run
    // decides. The check day is the payment's date (money dated after a deadline keeps nothing).
    const kept = (await promiseTransitions(tx, input.date)).filter(
      (t) => t.status === 'kept' && touched.has(t.invoiceId),
    );
    promisesKept = (await writePromiseTransitions(tx, kept, actor)).length;

    const planned = await tx.query<{ id: number; planned_for: string }>(
      `SELECT DISTINCT m.id, m.planned_for FROM outbox_messages m
         JOIN outbox_message_invoices mi ON mi.message_id = m.id
        WHERE m.status = 'planned' AND m.customer_id = $1 AND mi.invoice_id = ANY($2::bigint[])`,
      [input.customerId, [...touched]],
    );
    if (planned.length > 0) {
      // Checked as of the latest of: the payment's date, today and the messages' own days, so
      // a message planned for later whose invoices are all settled now is cancelled too.
      let day = maxDate(input.date, options.today ?? input.date);
      for (const m of planned) day = maxDate(day, m.planned_for);
      messagesCancelled = await cancelObsoleteMessages(tx, day, {
        actor,
        messageIds: planned.map((m) => m.id),
      });
    }
  }
  return { paymentId, duplicate: false, applied, credit, promisesKept, messagesCancelled };
}
