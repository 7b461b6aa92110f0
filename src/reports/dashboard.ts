/**
 * The dashboard's reports beside `report aging|metrics|campaigns`: the 12-month metrics trend
 * (formulas in trend.ts), cash collected per week, messages sent / bounced / replied, and the
 * drill-downs that list exactly the rows behind a number (their amounts sum to it).
 *
 * Definitions (docs/domain-guide.md, "Dashboard trend, cash and activity"):
 * - cash collected: payments (not credit notes or adjustments) by their own date, per
 *   currency, in calendar weeks Monday–Sunday; the last 13 weeks end with as_of's week (that
 *   week counts only up to as_of).
 * - messages: sent = outbox messages with status sent whose sending day (organisation time
 *   zone) is in the last 30 days (as_of − 29 … as_of); bounced / replied = of those, the ones
 *   with a bounce / a human reply threaded to them and not undone (as campaigns.ts counts).
 */
import { addDays, type CalendarDate, dayOfWeek, isCalendarDate } from '../ledger/dates.ts';
import { type CurrencyCode, formatAmount } from '../ledger/money.ts';
import { decodeCursor, toPage } from '../ledger/read.ts';
import type { Queryable } from '../platform/db/index.ts';
import { UserError } from '../platform/errors.ts';
import { periodDaysProblem } from './index.ts';
import { dailySales } from './queries.ts';
import {
  computeTrend,
  earliestSalesDate,
  type LaterApplicationGroup,
  type OpenBalanceGroup,
  type OverAppliedInvoice,
  type TrendReport,
  trendPoints,
} from './trend.ts';

export const CASH_WEEKS = 13;
export const ACTIVITY_DAYS = 30;

function checkAsOf(asOf: CalendarDate): void {
  if (!isCalendarDate(asOf))
    throw new UserError(`as-of date "${asOf}" is not a date; write it as YYYY-MM-DD`);
}

/**
 * DSO, countback DSO, best possible DSO, ADD and CEI at 12 points (trend.ts), each equal to
 * `metricsReport` as of that point; four reads in all, whatever the number of points.
 */
export async function trendReport(
  db: Queryable,
  { asOf, periodDays }: { asOf: CalendarDate; periodDays: number },
): Promise<TrendReport> {
  checkAsOf(asOf);
  const problem = periodDaysProblem(asOf, periodDays);
  if (problem) throw new UserError(`period of ${periodDays} days ${problem}`);
  const points = trendPoints(asOf);
  const first = points[0] ?? asOf;
  // the earliest "end of day" any point reads AR at: the first point's period start
  const earliest = addDays(first, -periodDays);
  const salesFrom = earliestSalesDate(points, periodDays);
  const [open, later, overApplied, sales] = await Promise.all([
    db.query<{ currency: string; issue_date: string; due_date: string; amount: number }>(
      `SELECT currency, issue_date, due_date, sum(open_balance)::bigint AS amount
         FROM invoices
        WHERE open_balance > 0 AND status <> 'void' AND issue_date <= $1::date
        GROUP BY currency, issue_date, due_date`,
      [asOf],
    ),
    // applications dated after the earliest day looked at, on invoices that are not
    // over-applied; the invoices read from the narrow invoices_report_by_id index in id order
    // and merged with the applications (docs/decisions/0005-report-queries.md)
    db.query<{ currency: string; issue_date: string; due_date: string; date: string; amount: number }>(
      `SELECT i.currency, i.issue_date, i.due_date, a.date, sum(a.amount)::bigint AS amount
         FROM applications a
         JOIN (SELECT id, currency, due_date, issue_date
                 FROM invoices
                WHERE open_balance >= 0 AND status <> 'void' AND issue_date <= $2::date
                ORDER BY id) i ON i.id = a.invoice_id
        WHERE a.date > $1::date
        GROUP BY i.currency, i.issue_date, i.due_date, a.date`,
      [earliest, asOf],
    ),
    db.query<{
      id: number;
      currency: string;
      issue_date: string;
      due_date: string;
      amount: number;
      applications: { date: string; amount: number }[];
    }>(
      `SELECT o.id, o.currency, o.issue_date, o.due_date, o.amount,
              coalesce((SELECT json_agg(json_build_object('date', a.date, 'amount', a.amount))
                          FROM applications a WHERE a.invoice_id = o.id), '[]') AS applications
         FROM invoices o
        WHERE o.open_balance < 0 AND o.status <> 'void' AND o.settled_on > $1::date AND o.issue_date <= $2::date`,
      [earliest, asOf],
    ),
    dailySales(db, salesFrom, asOf),
  ]);
  const openGroups: OpenBalanceGroup[] = open.map((r) => ({
    currency: r.currency,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    amount: r.amount,
  }));
  const laterGroups: LaterApplicationGroup[] = later.map((r) => ({
    currency: r.currency,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    date: r.date,
    amount: r.amount,
  }));
  const over: OverAppliedInvoice[] = overApplied.map((r) => ({
    currency: r.currency,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    amount: r.amount,
    applications: r.applications.map((a) => ({
      date: String(a.date).slice(0, 10),
      amount: Number(a.amount),
    })),
  }));
  return computeTrend(
    asOf,
    periodDays,
    { open: openGroups, later: laterGroups, overApplied: over, sales },
    points,
  );
}

/** Monday of the week that contains `day`. */
export function weekStart(day: CalendarDate): CalendarDate {
  return addDays(day, -((dayOfWeek(day) + 6) % 7));
}

export interface CashWeek {
  week_start: CalendarDate;
  /** the week's last day counted: Sunday, or as_of for the current week */
  week_end: CalendarDate;
  /** money per currency; a currency with no payment that week is absent */
  amounts: Record<CurrencyCode, string>;
  payments: number;
}

export interface CashReport {
  as_of: CalendarDate;
  weeks: CashWeek[];
  totals: Record<CurrencyCode, string>;
}

/** Payments received per calendar week (Monday first), the last 13 weeks ending with as_of. */
export async function cashReport(db: Queryable, { asOf }: { asOf: CalendarDate }): Promise<CashReport> {
  checkAsOf(asOf);
  const firstWeek = addDays(weekStart(asOf), -7 * (CASH_WEEKS - 1));
  const rows = await db.query<{ week: string; currency: string; amount: number; n: number }>(
    `SELECT $1::date + ((date - $1::date) / 7) * 7 AS week, currency,
            sum(amount)::bigint AS amount, count(*)::int AS n
       FROM payments
      WHERE date >= $1::date AND date <= $2::date
      GROUP BY 1, currency`,
    [firstWeek, asOf],
  );
  const weeks: CashWeek[] = [];
  for (let i = 0; i < CASH_WEEKS; i++) {
    const start = addDays(firstWeek, 7 * i);
    const end = addDays(start, 6);
    weeks.push({ week_start: start, week_end: end < asOf ? end : asOf, amounts: {}, payments: 0 });
  }
  const totals = new Map<CurrencyCode, number>();
  for (const r of [...rows].sort((a, b) => a.currency.localeCompare(b.currency))) {
    const week = weeks.find((w) => w.week_start === r.week);
    if (!week) continue;
    week.amounts[r.currency] = formatAmount(r.amount, r.currency);
    week.payments += r.n;
    totals.set(r.currency, (totals.get(r.currency) ?? 0) + r.amount);
  }
  return {
    as_of: asOf,
    weeks,
    totals: Object.fromEntries([...totals].map(([c, a]) => [c, formatAmount(a, c)])),
  };
}

export interface ActivityReport {
  as_of: CalendarDate;
  from: CalendarDate;
  sent: number;
  bounced: number;
  replied: number;
}

const INBOUND_FLAGS = `
  LEFT JOIN (SELECT outbox_message_id,
                    bool_or(kind = 'bounce') AS bounced, bool_or(kind = 'reply') AS replied
               FROM inbound_messages
              WHERE outbox_message_id IS NOT NULL AND undone_at IS NULL
              GROUP BY outbox_message_id) r ON r.outbox_message_id = m.id`;

const SENT_IN_WINDOW = `
  m.status = 'sent' AND m.sent_at IS NOT NULL
  AND (m.sent_at AT TIME ZONE (SELECT time_zone FROM organisation WHERE id = 1))::date BETWEEN $1::date AND $2::date`;

/** Messages sent in the last 30 days, and how many of them bounced or got a reply. */
export async function activityReport(
  db: Queryable,
  { asOf }: { asOf: CalendarDate },
): Promise<ActivityReport> {
  checkAsOf(asOf);
  const from = addDays(asOf, 1 - ACTIVITY_DAYS);
  const [row] = await db.query<{ sent: number; bounced: number; replied: number }>(
    `SELECT count(*)::int AS sent,
            count(*) FILTER (WHERE r.bounced)::int AS bounced,
            count(*) FILTER (WHERE r.replied)::int AS replied
       FROM outbox_messages m ${INBOUND_FLAGS}
      WHERE ${SENT_IN_WINDOW}`,
    [from, asOf],
  );
  return { as_of: asOf, from, sent: row?.sent ?? 0, bounced: row?.bounced ?? 0, replied: row?.replied ?? 0 };
}

// ---------------------------------------------------------------------------------------
// Drill-downs: the rows behind a number; `total` is the number, the items sum to it.

export const DRILL_BUCKETS = ['total', 'current', 'overdue', '1-30', '31-60', '61-90', '91+'] as const;
export type DrillBucket = (typeof DRILL_BUCKETS)[number];

/** The due-date range [from, to] (inclusive, null = open) of a bucket as of D. */
export function bucketDueRange(
  asOf: CalendarDate,
  bucket: DrillBucket,
): { from: CalendarDate | null; to: CalendarDate | null } {
  switch (bucket) {
    case 'total':
      return { from: null, to: null };
    case 'current':
      return { from: asOf, to: null };
    case 'overdue':
      return { from: null, to: addDays(asOf, -1) };
    case '1-30':
      return { from: addDays(asOf, -30), to: addDays(asOf, -1) };
    case '31-60':
      return { from: addDays(asOf, -60), to: addDays(asOf, -31) };
    case '61-90':
      return { from: addDays(asOf, -90), to: addDays(asOf, -61) };
    case '91+':
      return { from: null, to: addDays(asOf, -91) };
  }
}

export interface DrillInvoice {
  number: string;
  external_id: string;
  customer_external_id: string;
  customer_name: string;
  issue_date: CalendarDate;
  due_date: CalendarDate;
  days_past_due: number;
  amount: string;
  /** open at the end of as_of: amount − applications dated ≤ as_of */
  open_amount: string;
}

export interface DrillPage<T> {
  total: string;
  count: number;
  items: T[];
  next_cursor: string | null;
}

/**
 * The invoices of one currency open at the end of as_of in an aging bucket (or all, or all
 * overdue): exactly those `report aging` sums, each with its open amount as of that day.
 * Ordered by due date, then id; keyset cursor.
 */
export async function drillInvoices(
  db: Queryable,
  f: {
    asOf: CalendarDate;
    currency: CurrencyCode;
    bucket: DrillBucket;
    customer?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<DrillPage<DrillInvoice>> {
  checkAsOf(f.asOf);
  const range = bucketDueRange(f.asOf, f.bucket);
  const base = `
    SELECT i.id, i.number, i.external_id, c.external_id AS customer_external_id, c.name AS customer_name,
           i.issue_date, i.due_date, $1::date - i.due_date AS days_past_due, i.amount,
           i.open_balance + coalesce((SELECT sum(a.amount) FROM applications a
                                       WHERE a.invoice_id = i.id AND a.date > $1::date), 0) AS open_amount
      FROM invoices i JOIN customers c ON c.id = i.customer_id
     WHERE i.currency = $2 AND i.status <> 'void' AND i.issue_date <= $1::date
       AND (i.open_balance > 0 OR i.settled_on > $1::date)
       AND ($3::date IS NULL OR i.due_date >= $3::date)
       AND ($4::date IS NULL OR i.due_date <= $4::date)
       AND ($5::text IS NULL OR c.external_id = $5)`;
  const params = [f.asOf, f.currency, range.from, range.to, f.customer ?? null];
  // The total and the count the way `report aging` sums (queries.ts): open balances of the
  // invoices open today (an index-only read), plus the applications dated after D on the
  // invoices they reopen, plus the few over-applied invoices — never a probe per invoice.
  const scope = `i.status <> 'void' AND i.issue_date <= $1::date AND i.currency = $2
       AND ($3::date IS NULL OR i.due_date >= $3::date) AND ($4::date IS NULL OR i.due_date <= $4::date)
       AND ($5::text IS NULL OR i.customer_id = (SELECT id FROM customers WHERE external_id = $5))`;
  // the same for a row of the narrow id-ordered invoice index, which has no customer_id
  const scopeById = scope.replace(
    'i.customer_id = (SELECT id FROM customers WHERE external_id = $5)',
    'i.id IN (SELECT c.id FROM invoices c WHERE c.customer_id = (SELECT id FROM customers WHERE external_id = $5))',
  );
  const [sum] = await db.query<{ total: number; n: number }>(
    `WITH open_now AS (
       SELECT count(*) AS n, coalesce(sum(i.open_balance), 0) AS amount
         FROM invoices i WHERE i.open_balance > 0 AND ${scope}
     ), reopened AS (
       -- invoices open at D through applications dated after it; those with a balance today
       -- are already counted above, so only the settled ones (balance 0) add to the count.
       -- Both sides in invoice order (applications_invoice, invoices_report_by_id), merged:
       -- the shape and its cost are in docs/decisions/0005-report-queries.md.
       SELECT count(*) FILTER (WHERE i.open_balance = 0) AS n, coalesce(sum(l.later), 0) AS amount
         FROM (SELECT invoice_id, sum(amount) AS later FROM applications WHERE date > $1::date
                GROUP BY invoice_id ORDER BY invoice_id) l
         JOIN (SELECT id, currency, due_date, issue_date, open_balance, status
                 FROM invoices
                WHERE open_balance >= 0 AND status <> 'void' AND issue_date <= $1::date
                ORDER BY id) i ON i.id = l.invoice_id
        WHERE ${scopeById}
     ), over_applied AS (
       SELECT count(*) AS n, coalesce(sum(o.open_at), 0) AS amount
         FROM (SELECT i.open_balance + (SELECT sum(a.amount) FROM applications a
                                         WHERE a.invoice_id = i.id AND a.date > $1::date) AS open_at
                 FROM invoices i WHERE i.open_balance < 0 AND i.settled_on > $1::date AND ${scope}) o
        WHERE o.open_at > 0
     )
     SELECT (o.amount + r.amount + x.amount)::bigint AS total, (o.n + r.n + x.n)::int AS n
       FROM open_now o, reopened r, over_applied x`,
    params,
  );
  let after = '';
  const pageParams: unknown[] = [...params, f.limit + 1];
  if (f.cursor) {
    const [key, id] = decodeCursor(f.cursor, 'date');
    pageParams.push(key, id);
    after = 'AND (s.due_date, s.id) > ($7::date, $8::bigint)';
  }
  const rows = await db.query<{
    id: number;
    number: string;
    external_id: string;
    customer_external_id: string;
    customer_name: string;
    issue_date: string;
    due_date: string;
    days_past_due: number;
    amount: number;
    open_amount: number;
  }>(
    `SELECT * FROM (${base}) s WHERE open_amount > 0 ${after} ORDER BY s.due_date, s.id LIMIT $6`,
    pageParams,
  );
  return {
    total: formatAmount(sum?.total ?? 0, f.currency),
    count: sum?.n ?? 0,
    ...toPage(
      rows,
      f.limit,
      (r) => r.due_date,
      (r) => ({
        number: r.number,
        external_id: r.external_id,
        customer_external_id: r.customer_external_id,
        customer_name: r.customer_name,
        issue_date: r.issue_date,
        due_date: r.due_date,
        days_past_due: r.days_past_due,
        amount: formatAmount(r.amount, f.currency),
        open_amount: formatAmount(Number(r.open_amount), f.currency),
      }),
    ),
  };
}

export interface DrillPayment {
  external_id: string;
  customer_external_id: string;
  customer_name: string;
  date: CalendarDate;
  amount: string;
  reference: string;
  source: string;
}

/** The payments of one currency dated in [from, to]: what a week of cash collected sums. */
export async function drillPayments(
  db: Queryable,
  f: {
    from: CalendarDate;
    to: CalendarDate;
    currency: CurrencyCode;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<DrillPage<DrillPayment>> {
  checkAsOf(f.from);
  checkAsOf(f.to);
  if (f.from > f.to) throw new UserError(`from ${f.from} is after to ${f.to}; give from ≤ to`);
  const params: unknown[] = [f.from, f.to, f.currency];
  const [sum] = await db.query<{ total: number; n: number }>(
    `SELECT coalesce(sum(amount), 0)::bigint AS total, count(*)::int AS n
       FROM payments WHERE currency = $3 AND date >= $1::date AND date <= $2::date`,
    params,
  );
  let after = '';
  params.push(f.limit + 1);
  if (f.cursor) {
    const [key, id] = decodeCursor(f.cursor, 'date');
    params.push(key, id);
    after = 'AND (p.date, p.id) > ($5::date, $6::bigint)';
  }
  const rows = await db.query<{
    id: number;
    external_id: string;
    customer_external_id: string;
    customer_name: string;
    date: string;
    amount: number;
    reference: string;
    source: string;
  }>(
    `SELECT p.id, p.external_id, c.external_id AS customer_external_id, c.name AS customer_name,
            p.date, p.amount, p.reference, p.source
       FROM payments p JOIN customers c ON c.id = p.customer_id
      WHERE p.currency = $3 AND p.date >= $1::date AND p.date <= $2::date ${after}
      ORDER BY p.date, p.id LIMIT $4`,
    params,
  );
  return {
    total: formatAmount(sum?.total ?? 0, f.currency),
    count: sum?.n ?? 0,
    ...toPage(
      rows,
      f.limit,
      (r) => r.date,
      (r) => ({
        external_id: r.external_id,
        customer_external_id: r.customer_external_id,
        customer_name: r.customer_name,
        date: r.date,
        amount: formatAmount(r.amount, f.currency),
        reference: r.reference,
        source: r.source,
      }),
    ),
  };
}

export interface DrillMessage {
  id: number;
  customer_external_id: string;
  customer_name: string;
  campaign: string;
  step: string;
  template: string;
  subject: string | null;
  sent_at: string;
  bounced: boolean;
  replied: boolean;
}

/** The messages behind the activity figures: sent in [from, to], optionally only bounced / replied. */
export async function drillMessages(
  db: Queryable,
  f: {
    from: CalendarDate;
    to: CalendarDate;
    kind: 'sent' | 'bounced' | 'replied';
    /** only the messages of this campaign step (the campaign-effectiveness rows) */
    campaign?: string | undefined;
    step?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<{ count: number; items: DrillMessage[]; next_cursor: string | null }> {
  checkAsOf(f.from);
  checkAsOf(f.to);
  const params: unknown[] = [f.from, f.to];
  let flag = f.kind === 'bounced' ? 'AND r.bounced' : f.kind === 'replied' ? 'AND r.replied' : '';
  if (f.campaign !== undefined) {
    params.push(f.campaign);
    flag += ` AND m.campaign_key = $${params.length}`;
  }
  if (f.step !== undefined) {
    params.push(f.step);
    flag += ` AND m.step_key = $${params.length}`;
  }
  const [sum] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM outbox_messages m ${INBOUND_FLAGS} WHERE ${SENT_IN_WINDOW} ${flag}`,
    params,
  );
  params.push(f.limit + 1);
  const limit = `$${params.length}`;
  let after = '';
  if (f.cursor) {
    const [, id] = decodeCursor(f.cursor, 'int');
    params.push(id);
    after = `AND m.id > $${params.length}`;
  }
  const rows = await db.query<DrillMessage & Record<string, unknown>>(
    `SELECT m.id, c.external_id AS customer_external_id, c.name AS customer_name, m.campaign_key AS campaign,
            m.step_key AS step, m.template, m.subject, m.sent_at,
            coalesce(r.bounced, false) AS bounced, coalesce(r.replied, false) AS replied
       FROM outbox_messages m JOIN customers c ON c.id = m.customer_id ${INBOUND_FLAGS}
      WHERE ${SENT_IN_WINDOW} ${flag} ${after}
      ORDER BY m.id LIMIT ${limit}`,
    params,
  );
  return { count: sum?.n ?? 0, ...toPage(rows, f.limit, (r) => r.id) };
}
