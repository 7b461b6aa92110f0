/**
 * The set-based SQL behind the AR reports. Each query returns small grouped rows (per
 * currency and day), never one row per invoice; the formulas live in metrics.ts / aging.ts.
 *
 * Open at D without reading the whole ledger: `invoices.open_balance` is kept by triggers as
 * amount − every application, whatever its date. So an invoice's open amount at D is its
 * open_balance plus the applications dated after D, and, unless it is over-applied
 * (open_balance < 0), that sum is never negative, so AR(D) per bucket is simply
 *   Σ open_balance of the invoices open today (a covering partial index in due-date order,
 *     summed while it is read: no join, no hash table)
 * + Σ applications dated after D, put in their invoice's bucket (few: none when D is today;
 *   merged in invoice order with a narrow index of the invoices)
 * + max(0, open at D) of the rare over-applied invoices with applications after D.
 * The start and the end of a period are computed in the same pass. This stays exact for
 * over-applied invoices, which a plain "Σ amounts − Σ applications" would get wrong.
 * Indexes: migrations/202611251100_report_indexes.sql, 202611260600_report_index_order.sql
 * and applications (date). Why each query has the shape it has, with the plans and CPU
 * times measured on a 1M-invoice ledger: docs/decisions/0005-report-queries.md.
 */
import type { CalendarDate } from '../ledger/dates.ts';
import type { CurrencyCode } from '../ledger/money.ts';
import type { Queryable } from '../platform/db/index.ts';

export interface OpenAmountRow {
  readonly currency: CurrencyCode;
  readonly dueDate: CalendarDate;
  /** Σ max(0, amount − applications dated ≤ asOf) of invoices issued ≤ asOf, minor units. */
  readonly openAmount: number;
  /** The same at the end of `start` (≤ asOf), of invoices issued ≤ start. */
  readonly openAmountAtStart: number;
}

/**
 * Open receivables per (currency, due date) of non-void invoices, at the end of `asOf` and
 * at the end of an earlier `start` (the beginning of a period; defaults to asOf), in one pass
 * over the open and recently settled invoices. Rows where both are 0 are left out.
 */
export async function openAmountsByDueDate(
  db: Queryable,
  asOf: CalendarDate,
  start: CalendarDate = asOf,
): Promise<OpenAmountRow[]> {
  const rows = await db.query<{ currency: string; due_date: string; open_end: number; open_start: number }>(
    `WITH open_now AS (
       -- invoices open today: their open balance, before the applications dated after D
       SELECT currency, due_date,
              sum(open_balance) AS end_amount,
              coalesce(sum(open_balance) FILTER (WHERE issue_date <= $2::date), 0) AS start_amount
         FROM invoices
        WHERE open_balance > 0 AND status <> 'void' AND issue_date <= $1::date
        GROUP BY due_date, currency -- the order of invoices_report_open_due: summed as it is read
     ), applied_later AS (
       -- plus the applications dated after start, added back to their invoice's bucket (those
       -- after D also to the end); for an invoice that is not over-applied (open_balance >= 0)
       -- this is exact without max(0, …). The invoices come from invoices_report_by_id in id
       -- order (ORDER BY keeps the subquery whole, so it is planned on its own and reads that
       -- narrow index instead of the table) and are merged with the applications in
       -- invoice order: cheaper than a hash join against a scan of every invoice row, and
       -- than one probe per application (docs/decisions/0005-report-queries.md).
       SELECT i.currency, i.due_date,
              coalesce(sum(a.amount) FILTER (WHERE a.date > $1::date), 0) AS end_amount,
              coalesce(sum(a.amount) FILTER (WHERE i.issue_date <= $2::date), 0) AS start_amount
         FROM applications a
         JOIN (SELECT id, currency, due_date, issue_date
                 FROM invoices
                WHERE open_balance >= 0 AND status <> 'void' AND issue_date <= $1::date
                ORDER BY id) i ON i.id = a.invoice_id
        WHERE a.date > $2::date
        GROUP BY i.currency, i.due_date
     ), over_applied AS (
       -- the few over-applied invoices (open_balance < 0) that had applications after start:
       -- max(0, open at D) per invoice
       SELECT o.currency, o.due_date,
              greatest(0, o.open_balance + coalesce(sum(a.amount) FILTER (WHERE a.date > $1::date), 0))
                AS end_amount,
              CASE WHEN o.issue_date <= $2::date
                   THEN greatest(0, o.open_balance + sum(a.amount)) ELSE 0 END AS start_amount
         FROM invoices o
         JOIN applications a ON a.invoice_id = o.id AND a.date > $2::date
        WHERE o.settled_on > $2::date AND o.open_balance < 0 AND o.status <> 'void' AND o.issue_date <= $1::date
        GROUP BY o.id, o.currency, o.due_date, o.open_balance, o.issue_date
     ), parts AS (
       SELECT currency, due_date, end_amount, start_amount FROM open_now
       UNION ALL
       SELECT currency, due_date, end_amount, start_amount FROM applied_later
       UNION ALL
       SELECT currency, due_date, end_amount, start_amount FROM over_applied
     )
     SELECT currency, due_date, sum(end_amount)::bigint AS open_end, sum(start_amount)::bigint AS open_start
       FROM parts
      GROUP BY currency, due_date
     HAVING sum(end_amount) > 0 OR sum(start_amount) > 0`,
    [asOf, start],
  );
  return rows.map((r) => ({
    currency: r.currency,
    dueDate: r.due_date,
    openAmount: r.open_end,
    openAmountAtStart: r.open_start,
  }));
}

/**
 * Currencies with at least one non-void invoice issued ≤ asOf. A skip scan over the
 * (currency, issue_date) index: one probe per currency instead of reading every invoice.
 */
export async function invoicedCurrencies(db: Queryable, asOf: CalendarDate): Promise<CurrencyCode[]> {
  const rows = await db.query<{ currency: string }>(
    `WITH RECURSIVE seen(currency) AS (
       (SELECT currency FROM invoices ORDER BY currency LIMIT 1)
       UNION ALL
       SELECT (SELECT i.currency FROM invoices i WHERE i.currency > s.currency ORDER BY i.currency LIMIT 1)
         FROM seen s
        WHERE s.currency IS NOT NULL
     )
     SELECT s.currency
       FROM seen s
      WHERE s.currency IS NOT NULL
        AND EXISTS (SELECT 1 FROM invoices i
                     WHERE i.currency = s.currency AND i.issue_date <= $1::date AND i.status <> 'void')
      ORDER BY s.currency`,
    [asOf],
  );
  return rows.map((r) => r.currency);
}

export interface DailySalesRow {
  readonly currency: CurrencyCode;
  readonly issueDate: CalendarDate;
  /** Σ amount of the non-void invoices issued that day (minor units). */
  readonly amount: number;
}

/** Credit sales per (currency, issue date) for issue dates in [from, to]. */
export async function dailySales(
  db: Queryable,
  from: CalendarDate,
  to: CalendarDate,
): Promise<DailySalesRow[]> {
  const rows = await db.query<{ currency: string; issue_date: string; amount: number }>(
    `SELECT currency, issue_date, sum(amount)::bigint AS amount
       FROM invoices
      WHERE issue_date >= $1::date AND issue_date <= $2::date AND status <> 'void'
      GROUP BY currency, issue_date`,
    [from, to],
  );
  return rows.map((r) => ({ currency: r.currency, issueDate: r.issue_date, amount: r.amount }));
}

export interface ClosedTimingRow {
  readonly currency: CurrencyCode;
  readonly daysToPay: number;
  readonly daysAfterDue: number;
  /** Σ amount of the invoices with this timing (the weight), minor units. */
  readonly amount: number;
}

/**
 * Invoices (non-void, amount > 0, issued ≤ asOf) whose closing application is dated in
 * (after, asOf], grouped by (currency, closing − issue, closing − due). The closing date is the
 * first date on which the applications dated up to it reach the amount.
 *
 * `settled_on` (kept by triggers) is the date of the last application of an invoice whose
 * applications reach its amount. When they reach it exactly (open_balance = 0, the usual
 * case) the balance is positive until that last day, so the closing date is `settled_on`
 * itself and no application needs reading. Only over-applied invoices (open_balance < 0) may
 * have closed earlier: for those few, a running sum over their applications finds the day.
 */
export async function closedInvoiceTimings(
  db: Queryable,
  after: CalendarDate,
  asOf: CalendarDate,
): Promise<ClosedTimingRow[]> {
  const rows = await db.query<{
    currency: string;
    days_to_pay: number;
    days_after_due: number;
    amount: number;
  }>(
    `WITH settled_exactly AS (
       SELECT currency, amount, issue_date, due_date, settled_on AS closed_on
         FROM invoices
        WHERE settled_on > $1::date AND settled_on <= $2::date AND status <> 'void'
          AND open_balance = 0 AND amount > 0 AND issue_date <= $2::date
     ), over_applied AS (
       SELECT id, currency, amount, issue_date, due_date
         FROM invoices
        WHERE settled_on > $1::date AND status <> 'void'
          AND open_balance < 0 AND amount > 0 AND issue_date <= $2::date
     ), applied_by_day AS (
       SELECT a.invoice_id, a.date, sum(a.amount) AS amount
         FROM over_applied o
         JOIN applications a ON a.invoice_id = o.id
        WHERE a.date <= $2::date
        GROUP BY a.invoice_id, a.date
     ), running AS (
       SELECT invoice_id, date, sum(amount) OVER (PARTITION BY invoice_id ORDER BY date) AS applied
         FROM applied_by_day
     ), closed_over_applied AS (
       SELECT o.currency, o.amount, o.issue_date, o.due_date, min(r.date) AS closed_on
         FROM over_applied o
         JOIN running r ON r.invoice_id = o.id AND r.applied >= o.amount
        GROUP BY o.id, o.currency, o.amount, o.issue_date, o.due_date
     ), closed AS (
       SELECT * FROM settled_exactly
       UNION ALL
       SELECT * FROM closed_over_applied WHERE closed_on > $1::date
     )
     SELECT currency, closed_on - issue_date AS days_to_pay, closed_on - due_date AS days_after_due,
            sum(amount)::bigint AS amount
       FROM closed
      GROUP BY 1, 2, 3`,
    [after, asOf],
  );
  return rows.map((r) => ({
    currency: r.currency,
    daysToPay: r.days_to_pay,
    daysAfterDue: r.days_after_due,
    amount: r.amount,
  }));
}

/** The organisation's IANA time zone (its "today" is the reports' default as-of date). */
export async function organisationTimeZone(db: Queryable): Promise<string> {
  const [row] = await db.query<{ time_zone: string }>('SELECT time_zone FROM organisation WHERE id = 1');
  return row?.time_zone ?? 'UTC';
}
