/**
 * AR reports (PRODUCT §7): aging and metrics as of a date. The shell: it runs the grouped
 * queries, hands their rows to the pure formulas and returns exactly the §2.2 JSON documents
 * that `dunwell report … --json` prints and `/api/v1/reports/…` answers.
 */
import { addDays, type CalendarDate, isCalendarDate, localDate, minDate } from '../ledger/dates.ts';
import type { CurrencyCode } from '../ledger/money.ts';
import type { Clock } from '../platform/clock.ts';
import type { Queryable } from '../platform/db/index.ts';
import { UserError } from '../platform/errors.ts';
import { type AgingReport, ageReceivables, agingJson, type OpenAmountByDueDate } from './aging.ts';
import {
  type ClosedInvoiceTiming,
  computeMetrics,
  countbackMonths,
  countbackNeedsOlderMonths,
  creditSalesInPeriod,
  type DailySales,
  type MetricsReport,
  metricsJson,
  periodStart,
  salesByCountbackMonth,
} from './metrics.ts';
import {
  closedInvoiceTimings,
  dailySales,
  invoicedCurrencies,
  type OpenAmountRow,
  openAmountsByDueDate,
  organisationTimeZone,
} from './queries.ts';

export { AGING_BUCKETS, type AgingAmountsJson, type AgingReport, agingBucket } from './aging.ts';
export {
  type CurrencyMetricsJson,
  DEFAULT_PERIOD_DAYS,
  type MetricsReport,
} from './metrics.ts';

/** Countback months whose sales are read up front (the rest only when needed). */
const RECENT_COUNTBACK_MONTHS = 3;
/**
 * Further countback months read next when AR is not yet explained; if they do not explain it
 * either, every remaining month is read at once (at most three sales reads in all: each read
 * costs a pass over the index, or over the table while its visibility map is not yet set).
 */
const OLDER_COUNTBACK_MONTHS_FIRST_READ = 6;

/** Today's date in the organisation's time zone: the reports' default as-of date. */
export async function organisationToday(db: Queryable, clock: Clock): Promise<CalendarDate> {
  return localDate(clock.now(), await organisationTimeZone(db));
}

function checkAsOf(asOf: CalendarDate): void {
  if (!isCalendarDate(asOf)) {
    throw new UserError(`as-of date "${asOf}" is not a date; write it as YYYY-MM-DD`);
  }
}

/** Whether (D − P, D] stays within the calendar the ledger handles (from 1900-01-01). */
export function periodDaysProblem(asOf: CalendarDate, periodDays: number): string | null {
  if (!Number.isSafeInteger(periodDays) || periodDays < 1) return 'must be a positive whole number of days';
  const earliest = Date.parse('1900-01-01T00:00:00Z');
  if (Date.parse(`${asOf}T00:00:00Z`) - periodDays * 86_400_000 < earliest) {
    return `reaches back before 1900-01-01 from ${asOf}`;
  }
  return null;
}

function groupByCurrency<T extends { currency: CurrencyCode }>(rows: readonly T[]): Map<CurrencyCode, T[]> {
  const groups = new Map<CurrencyCode, T[]>();
  for (const row of rows) {
    const list = groups.get(row.currency);
    if (list) list.push(row);
    else groups.set(row.currency, [row]);
  }
  return groups;
}

function sumOpenAtStart(rows: readonly OpenAmountRow[] | undefined): number {
  let total = 0;
  for (const r of rows ?? []) total += r.openAmountAtStart;
  return total;
}

function sumOpen(rows: readonly OpenAmountRow[] | undefined): number {
  let total = 0;
  for (const r of rows ?? []) total += r.openAmount;
  return total;
}

/** `report aging`: AR at the end of `asOf` per currency and bucket. */
export async function agingReport(db: Queryable, { asOf }: { asOf: CalendarDate }): Promise<AgingReport> {
  checkAsOf(asOf);
  const [currencies, open] = await Promise.all([
    invoicedCurrencies(db, asOf),
    openAmountsByDueDate(db, asOf),
  ]);
  const openByCurrency = groupByCurrency<OpenAmountByDueDate & OpenAmountRow>(
    open.filter((r) => r.openAmount > 0),
  );
  const report: AgingReport = { as_of: asOf, currencies: {} };
  for (const currency of currencies) {
    report.currencies[currency] = agingJson(
      ageReceivables(asOf, openByCurrency.get(currency) ?? []),
      currency,
    );
  }
  return report;
}

/**
 * `report metrics`: AR, DSO, countback DSO, best possible DSO, ADD, CEI and payment timing per
 * currency, as of `asOf` over the `periodDays` days ending with it. A currency appears when it
 * has AR at the start or the end of the period, or invoices issued or closed in the period.
 */
export async function metricsReport(
  db: Queryable,
  { asOf, periodDays }: { asOf: CalendarDate; periodDays: number },
): Promise<MetricsReport> {
  checkAsOf(asOf);
  const problem = periodDaysProblem(asOf, periodDays);
  if (problem) throw new UserError(`period of ${periodDays} days ${problem}`);
  const beginning = addDays(asOf, -periodDays);
  const inPeriod = periodStart(asOf, periodDays);
  const months = countbackMonths(asOf);
  // Sales are read for the period and the newest countback months first; older months only
  // when some currency's AR is not explained by them (a countback DSO above about 2 months),
  // so a typical ledger never reads two years of invoices.
  const recentMonths = months.slice(0, RECENT_COUNTBACK_MONTHS);
  const recentFrom = minDate(recentMonths[recentMonths.length - 1]?.from ?? asOf, inPeriod);

  // Independent reads; on PostgreSQL they run on separate pool connections at the same time.
  const [open, recentSales, closed] = await Promise.all([
    openAmountsByDueDate(db, asOf, beginning),
    dailySales(db, recentFrom, asOf),
    closedInvoiceTimings(db, beginning, asOf),
  ]);

  const openNowBy = groupByCurrency(open.filter((r) => r.openAmount > 0));
  const openBeforeBy = groupByCurrency(open.filter((r) => r.openAmountAtStart > 0));
  const arBy = new Map([...openNowBy].map(([currency, rows]) => [currency, sumOpen(rows)]));
  // Older countback months, a few at a time, while some currency's AR is still unexplained.
  const sales = [...recentSales];
  let salesBy = groupByCurrency(sales);
  let readMonths = recentMonths.length;
  let readFrom = recentFrom;
  let step = OLDER_COUNTBACK_MONTHS_FIRST_READ;
  while (readMonths < months.length) {
    const walked = months.slice(0, readMonths);
    const unexplained = [...arBy].some(([currency, ar]) =>
      countbackNeedsOlderMonths(ar, salesByCountbackMonth(walked, salesBy.get(currency) ?? [])),
    );
    if (!unexplained) break;
    readMonths = Math.min(months.length, readMonths + step);
    step = months.length;
    const from = months[readMonths - 1]?.from ?? readFrom;
    if (from < readFrom) {
      sales.push(...(await dailySales(db, from, addDays(readFrom, -1))));
      readFrom = from;
      salesBy = groupByCurrency(sales);
    }
  }
  const closedBy = groupByCurrency(closed);
  const currencies = new Set<CurrencyCode>([
    ...openNowBy.keys(),
    ...openBeforeBy.keys(),
    ...closedBy.keys(),
    ...recentSales.filter((s) => s.issueDate >= inPeriod).map((s) => s.currency),
  ]);

  const report: MetricsReport = { as_of: asOf, period_days: periodDays, currencies: {} };
  for (const currency of [...currencies].sort()) {
    const open = openNowBy.get(currency) ?? [];
    const daily: DailySales[] = salesBy.get(currency) ?? [];
    const timing: ClosedInvoiceTiming[] = closedBy.get(currency) ?? [];
    const aging = ageReceivables(asOf, open);
    const metrics = computeMetrics(
      {
        ar: aging.total,
        currentAr: aging.current,
        beginningAr: sumOpenAtStart(openBeforeBy.get(currency)),
        creditSales: creditSalesInPeriod(asOf, periodDays, daily),
        monthlySales: salesByCountbackMonth(months, daily),
        closed: timing,
      },
      periodDays,
    );
    report.currencies[currency] = metricsJson(metrics, currency);
  }
  return report;
}
