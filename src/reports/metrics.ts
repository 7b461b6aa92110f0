/**
 * AR metrics (PRODUCT §7), as pure functions of ledger facts already summed by the queries.
 * Nothing here reads the clock or the database; D (as of) and P (period days) are parameters.
 *
 * The rules PRODUCT §7 leaves to us, as implemented here and in queries.ts:
 * - Everything is per currency and never converted. Void invoices are neither AR nor sales.
 * - An invoice counts from its issue date; an application (payment, credit note, adjustment)
 *   counts from its own date. "Open at D" uses only applications dated ≤ D:
 *   AR(D) = Σ over invoices issued ≤ D of max(0, amount − applications dated ≤ D)
 *   (an over-applied invoice contributes 0, never a negative amount).
 * - current AR(D) = the part of AR(D) with due_date ≥ D (the aging bucket "current").
 * - credit sales = Σ amount of invoices issued in (D − P, D]; beginning AR = AR(D − P).
 * - DSO = AR / credit sales × P; best possible DSO = current AR / credit sales × P;
 *   ADD = DSO − best possible DSO. No credit sales → all three are null.
 * - CEI = (beginning AR + credit sales − AR) / (beginning AR + credit sales − current AR) × 100,
 *   the total-credit-sales form (not the monthly-average variant); null when the denominator is 0.
 * - Countback DSO walks calendar months newest first; the first "month" runs from the 1st of
 *   D's month to D (its days = D's day of the month). A month without sales adds its days; a
 *   month whose sales R covers is subtracted and adds its days; otherwise R / sales × days is
 *   added and the walk stops. The walk also stops once R is 0 (nothing left to explain, so an
 *   empty AR has a countback DSO of 0). At most 24 months: if R is still > 0 after them, the
 *   result is the days counted (the whole 24 months). It is never null.
 * - Average days to pay / days late: over invoices (amount > 0) whose closing application —
 *   the first date on which the balance as of that date is ≤ 0 — is dated in (D − P, D], the
 *   mean weighted by invoice amount of (closing date − issue date) and of
 *   max(0, closing date − due date). No such invoice → null. A payment dated before the issue
 *   date gives a negative days-to-pay: that is what the ledger says, so it is not clamped.
 * - Numbers are not rounded (JSON); the human report rounds for display only.
 */
import { addDays, addMonths, type CalendarDate, daysInMonth, startOfMonth } from '../ledger/dates.ts';
import { type CurrencyCode, formatAmount } from '../ledger/money.ts';

export const DEFAULT_PERIOD_DAYS = 90;
export const COUNTBACK_MAX_MONTHS = 24;

/** AR / credit sales × P, or null without credit sales. */
export function daysSalesOutstanding(ar: number, creditSales: number, periodDays: number): number | null {
  return creditSales > 0 ? (ar / creditSales) * periodDays : null;
}

/** current AR / credit sales × P, or null without credit sales. */
export function bestPossibleDso(currentAr: number, creditSales: number, periodDays: number): number | null {
  return daysSalesOutstanding(currentAr, creditSales, periodDays);
}

/** ADD = DSO − best possible DSO; null when either is undefined. */
export function averageDaysDelinquent(dso: number | null, bestPossible: number | null): number | null {
  return dso === null || bestPossible === null ? null : dso - bestPossible;
}

export interface CeiInputs {
  readonly beginningAr: number;
  readonly creditSales: number;
  readonly ar: number;
  readonly currentAr: number;
}

/** Collection effectiveness index in percent (total-credit-sales form); null when the denominator is 0. */
export function collectionEffectivenessIndex({
  beginningAr,
  creditSales,
  ar,
  currentAr,
}: CeiInputs): number | null {
  const collectible = beginningAr + creditSales - currentAr;
  if (collectible === 0) return null;
  return ((beginningAr + creditSales - ar) / collectible) * 100;
}

/** One countback "month": its credit sales and its number of days. */
export interface MonthSales {
  readonly sales: number;
  readonly days: number;
}

/** Countback (exhaustion) DSO over months given newest first; at most `maxMonths` are used. */
export function countbackDso(
  ar: number,
  monthsNewestFirst: readonly MonthSales[],
  maxMonths = COUNTBACK_MAX_MONTHS,
): number {
  let remaining = ar;
  let days = 0;
  for (const { sales, days: monthDays } of monthsNewestFirst.slice(0, maxMonths)) {
    if (remaining <= 0) break;
    if (sales <= 0) {
      days += monthDays;
    } else if (remaining >= sales) {
      remaining -= sales;
      days += monthDays;
    } else {
      return days + (remaining / sales) * monthDays;
    }
  }
  return days;
}

/**
 * Whether the countback walk over these (newest) months leaves AR unexplained, so older
 * months must be read too: the walk stops inside them only if their sales reach AR.
 */
export function countbackNeedsOlderMonths(ar: number, monthsNewestFirst: readonly MonthSales[]): boolean {
  let sales = 0;
  for (const m of monthsNewestFirst) sales += m.sales;
  return ar > sales;
}

/** A calendar-month window of the countback walk: [from, to], both inclusive. */
export interface CountbackMonth {
  readonly from: CalendarDate;
  readonly to: CalendarDate;
  readonly days: number;
}

/** The countback months as of D, newest first: the 1st of D's month to D, then whole months. */
export function countbackMonths(asOf: CalendarDate, maxMonths = COUNTBACK_MAX_MONTHS): CountbackMonth[] {
  const months: CountbackMonth[] = [];
  const first = startOfMonth(asOf);
  for (let i = 0; i < maxMonths; i++) {
    const from = addMonths(first, -i);
    const year = Number(from.slice(0, 4));
    const month = Number(from.slice(5, 7));
    const to = i === 0 ? asOf : addDays(addMonths(from, 1), -1);
    months.push({ from, to, days: i === 0 ? Number(asOf.slice(8, 10)) : daysInMonth(year, month) });
  }
  return months;
}

/** Sales (minor units) of the invoices issued on one day. */
export interface DailySales {
  readonly issueDate: CalendarDate;
  readonly amount: number;
}

/** Sums daily sales into the countback months (newest first). */
export function salesByCountbackMonth(
  months: readonly CountbackMonth[],
  daily: Iterable<DailySales>,
): MonthSales[] {
  const totals = months.map(() => 0);
  for (const { issueDate, amount } of daily) {
    const index = months.findIndex((m) => issueDate >= m.from && issueDate <= m.to);
    if (index >= 0) totals[index] = (totals[index] ?? 0) + amount;
  }
  return months.map((m, i) => ({ sales: totals[i] ?? 0, days: m.days }));
}

/** The first day of the period (D − P, D]: D − P + 1. */
export function periodStart(asOf: CalendarDate, periodDays: number): CalendarDate {
  return addDays(asOf, 1 - periodDays);
}

/** Credit sales in (D − P, D]. */
export function creditSalesInPeriod(
  asOf: CalendarDate,
  periodDays: number,
  daily: Iterable<DailySales>,
): number {
  const from = periodStart(asOf, periodDays);
  let total = 0;
  for (const { issueDate, amount } of daily) if (issueDate >= from && issueDate <= asOf) total += amount;
  return total;
}

/**
 * Invoices closed in the period, grouped by their timing: `amount` is the summed invoice
 * amount (the weight) of the invoices closed `daysToPay` days after issue and
 * `daysAfterDue` days after their due date (negative when paid early).
 */
export interface ClosedInvoiceTiming {
  readonly daysToPay: number;
  readonly daysAfterDue: number;
  readonly amount: number;
}

export interface PaymentTiming {
  readonly avgDaysToPay: number | null;
  readonly avgDaysLate: number | null;
}

/** Amount-weighted means of days to pay and of max(0, days after due); null without weight. */
export function paymentTiming(closed: Iterable<ClosedInvoiceTiming>): PaymentTiming {
  let weight = 0;
  let toPay = 0;
  let late = 0;
  for (const { daysToPay, daysAfterDue, amount } of closed) {
    weight += amount;
    toPay += amount * daysToPay;
    late += amount * Math.max(0, daysAfterDue);
  }
  if (weight <= 0) return { avgDaysToPay: null, avgDaysLate: null };
  return { avgDaysToPay: toPay / weight, avgDaysLate: late / weight };
}

/** Everything the metrics of one currency are computed from (amounts in minor units). */
export interface CurrencyLedgerFacts {
  readonly ar: number;
  readonly currentAr: number;
  readonly beginningAr: number;
  readonly creditSales: number;
  /** Countback months, newest first. */
  readonly monthlySales: readonly MonthSales[];
  readonly closed: readonly ClosedInvoiceTiming[];
}

export interface CurrencyMetrics {
  readonly ar: number;
  readonly currentAr: number;
  readonly beginningAr: number;
  readonly creditSales: number;
  readonly dso: number | null;
  readonly countbackDso: number;
  readonly bestPossibleDso: number | null;
  readonly add: number | null;
  readonly cei: number | null;
  readonly avgDaysToPay: number | null;
  readonly avgDaysLate: number | null;
}

export function computeMetrics(facts: CurrencyLedgerFacts, periodDays: number): CurrencyMetrics {
  const dso = daysSalesOutstanding(facts.ar, facts.creditSales, periodDays);
  const best = bestPossibleDso(facts.currentAr, facts.creditSales, periodDays);
  const timing = paymentTiming(facts.closed);
  return {
    ar: facts.ar,
    currentAr: facts.currentAr,
    beginningAr: facts.beginningAr,
    creditSales: facts.creditSales,
    dso,
    countbackDso: countbackDso(facts.ar, facts.monthlySales),
    bestPossibleDso: best,
    add: averageDaysDelinquent(dso, best),
    cei: collectionEffectivenessIndex(facts),
    avgDaysToPay: timing.avgDaysToPay,
    avgDaysLate: timing.avgDaysLate,
  };
}

/** The `report metrics --json` shape for one currency (PRODUCT §2.2), keys in the documented order. */
export interface CurrencyMetricsJson {
  ar: string;
  current_ar: string;
  beginning_ar: string;
  credit_sales: string;
  dso: number | null;
  countback_dso: number | null;
  best_possible_dso: number | null;
  add: number | null;
  cei: number | null;
  avg_days_to_pay: number | null;
  avg_days_late: number | null;
}

/** The `report metrics --json` document (PRODUCT §2.2). */
export interface MetricsReport {
  as_of: CalendarDate;
  period_days: number;
  currencies: Record<CurrencyCode, CurrencyMetricsJson>;
}

export function metricsJson(metrics: CurrencyMetrics, currency: CurrencyCode): CurrencyMetricsJson {
  return {
    ar: formatAmount(metrics.ar, currency),
    current_ar: formatAmount(metrics.currentAr, currency),
    beginning_ar: formatAmount(metrics.beginningAr, currency),
    credit_sales: formatAmount(metrics.creditSales, currency),
    dso: metrics.dso,
    countback_dso: metrics.countbackDso,
    best_possible_dso: metrics.bestPossibleDso,
    add: metrics.add,
    cei: metrics.cei,
    avg_days_to_pay: metrics.avgDaysToPay,
    avg_days_late: metrics.avgDaysLate,
  };
}
