/**
 * The metrics trend (dashboard): DSO, countback DSO, best possible DSO, ADD and CEI at the end
 * of each of the last 12 months, computed with the same pure formulas as `report metrics`
 * (metrics.ts) from ledger facts read once for all 12 points. Pure: no clock, no database.
 *
 * The points: the month ends of the 11 months before as_of's month, then as_of itself (the
 * current month so far). When as_of is a month's last day, the 12 points are 12 month ends.
 *
 * One pass instead of 12 reports. Open at E (PRODUCT §7) is amount − applications dated ≤ E.
 * For an invoice that is not over-applied (its applications never exceed its amount, so
 * open_balance ≥ 0) that equals open_balance + Σ applications dated after E, which is never
 * negative. So, per point E, with the rows grouped by (currency, issue date, due date):
 *   AR(E) = Σ open_balance of invoices open today issued ≤ E
 *         + Σ applications dated after E on (not over-applied) invoices issued ≤ E
 *         + Σ max(0, amount − applications ≤ E) of the few over-applied invoices issued ≤ E,
 * and current AR(E) is the part with due date ≥ E. Sales come from one read of daily sales
 * covering every point's period and countback months.
 */
import { addDays, addMonths, type CalendarDate, minDate, startOfMonth } from '../ledger/dates.ts';
import type { CurrencyCode } from '../ledger/money.ts';
import { formatAmount } from '../ledger/money.ts';
import {
  COUNTBACK_MAX_MONTHS,
  computeMetrics,
  countbackMonths,
  creditSalesInPeriod,
  type DailySales,
  periodStart,
  salesByCountbackMonth,
} from './metrics.ts';

export const TREND_POINTS = 12;

/** The trend's points, oldest first: 11 previous month ends, then as_of. */
export function trendPoints(asOf: CalendarDate, count = TREND_POINTS): CalendarDate[] {
  const first = startOfMonth(asOf);
  const points: CalendarDate[] = [];
  for (let i = count - 1; i >= 1; i--) points.push(addDays(addMonths(first, -i + 1), -1));
  points.push(asOf);
  return points;
}

/** The earliest issue date whose sales any point needs (its period or its countback months). */
export function earliestSalesDate(points: readonly CalendarDate[], periodDays: number): CalendarDate {
  const first = points[0];
  if (first === undefined) throw new Error('a trend needs at least one point');
  const months = countbackMonths(first, COUNTBACK_MAX_MONTHS);
  const oldestMonth = months[months.length - 1]?.from ?? first;
  const period = periodStart(first, periodDays);
  return minDate(oldestMonth, period);
}

/** Σ open_balance (> 0) of the invoices open today, per (currency, issue date, due date). */
export interface OpenBalanceGroup {
  readonly currency: CurrencyCode;
  readonly issueDate: CalendarDate;
  readonly dueDate: CalendarDate;
  readonly amount: number;
}

/** Σ applications dated `date` on not-over-applied invoices of (currency, issue date, due date). */
export interface LaterApplicationGroup extends OpenBalanceGroup {
  readonly date: CalendarDate;
}

/** An over-applied invoice (applications exceed its amount) with its applications per day. */
export interface OverAppliedInvoice {
  readonly currency: CurrencyCode;
  readonly issueDate: CalendarDate;
  readonly dueDate: CalendarDate;
  readonly amount: number;
  readonly applications: readonly { date: CalendarDate; amount: number }[];
}

export interface TrendFacts {
  readonly open: readonly OpenBalanceGroup[];
  /** applications dated after the earliest date any point looks at (its period's start) */
  readonly later: readonly LaterApplicationGroup[];
  readonly overApplied: readonly OverAppliedInvoice[];
  readonly sales: readonly (DailySales & { currency: CurrencyCode })[];
}

/** AR and current AR at the end of `day`, per currency (minor units). */
export function receivablesAt(
  facts: Pick<TrendFacts, 'open' | 'later' | 'overApplied'>,
  day: CalendarDate,
): Map<CurrencyCode, { ar: number; currentAr: number }> {
  const totals = new Map<CurrencyCode, { ar: number; currentAr: number }>();
  const add = (currency: CurrencyCode, dueDate: CalendarDate, amount: number) => {
    if (amount === 0) return;
    const t = totals.get(currency) ?? { ar: 0, currentAr: 0 };
    t.ar += amount;
    if (dueDate >= day) t.currentAr += amount;
    totals.set(currency, t);
  };
  for (const g of facts.open) if (g.issueDate <= day) add(g.currency, g.dueDate, g.amount);
  for (const g of facts.later) {
    if (g.issueDate <= day && g.date > day) add(g.currency, g.dueDate, g.amount);
  }
  for (const inv of facts.overApplied) {
    if (inv.issueDate > day) continue;
    let applied = 0;
    for (const a of inv.applications) if (a.date <= day) applied += a.amount;
    add(inv.currency, inv.dueDate, Math.max(0, inv.amount - applied));
  }
  return totals;
}

/** One point of one currency: the metrics `report metrics` gives as of that day. */
export interface TrendPoint {
  as_of: CalendarDate;
  ar: string;
  current_ar: string;
  beginning_ar: string;
  credit_sales: string;
  dso: number | null;
  countback_dso: number;
  best_possible_dso: number | null;
  add: number | null;
  cei: number | null;
}

export interface TrendReport {
  as_of: CalendarDate;
  period_days: number;
  points: CalendarDate[];
  /** per currency, one entry per point (oldest first); null where the currency had no AR and no sales */
  currencies: Record<CurrencyCode, (TrendPoint | null)[]>;
}

/** The 12 points from facts read once (see the module comment). */
export function computeTrend(
  asOf: CalendarDate,
  periodDays: number,
  facts: TrendFacts,
  points: readonly CalendarDate[] = trendPoints(asOf),
): TrendReport {
  const salesBy = new Map<CurrencyCode, DailySales[]>();
  for (const s of facts.sales) {
    const list = salesBy.get(s.currency);
    if (list) list.push(s);
    else salesBy.set(s.currency, [s]);
  }
  const perPoint = points.map((day) => {
    const end = receivablesAt(facts, day);
    const start = receivablesAt(facts, addDays(day, -periodDays));
    return { day, end, start };
  });
  const currencies = new Set<CurrencyCode>(salesBy.keys());
  for (const p of perPoint) for (const c of [...p.end.keys(), ...p.start.keys()]) currencies.add(c);

  const report: TrendReport = { as_of: asOf, period_days: periodDays, points: [...points], currencies: {} };
  for (const currency of [...currencies].sort()) {
    const daily = salesBy.get(currency) ?? [];
    report.currencies[currency] = perPoint.map(({ day, end, start }) => {
      const ar = end.get(currency) ?? { ar: 0, currentAr: 0 };
      const beginningAr = start.get(currency)?.ar ?? 0;
      const creditSales = creditSalesInPeriod(day, periodDays, daily);
      if (ar.ar === 0 && beginningAr === 0 && creditSales === 0) return null;
      const m = computeMetrics(
        {
          ar: ar.ar,
          currentAr: ar.currentAr,
          beginningAr,
          creditSales,
          monthlySales: salesByCountbackMonth(countbackMonths(day), daily),
          closed: [],
        },
        periodDays,
      );
      return {
        as_of: day,
        ar: formatAmount(m.ar, currency),
        current_ar: formatAmount(m.currentAr, currency),
        beginning_ar: formatAmount(m.beginningAr, currency),
        credit_sales: formatAmount(m.creditSales, currency),
        dso: m.dso,
        countback_dso: m.countbackDso,
        best_possible_dso: m.bestPossibleDso,
        add: m.add,
        cei: m.cei,
      };
    });
  }
  return report;
}
