/**
 * Aging of receivables (PRODUCT §7): the open balance at the end of day D, bucketed by days
 * past due (D − due_date). Pure: takes open amounts already computed as of D and the date D.
 *
 * Buckets: current (≤ 0 days past due, i.e. due today or later), 1-30, 31-60, 61-90, 91+.
 * "Due today" is current: an invoice is past due only from the day after its due date.
 */
import { type CalendarDate, daysBetween } from '../ledger/dates.ts';
import { type CurrencyCode, formatAmount } from '../ledger/money.ts';

export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '91+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** Minor units per bucket plus their total. */
export type AgingAmounts = Record<AgingBucket | 'total', number>;

/** The `report aging --json` shape for one currency: money strings. */
export type AgingAmountsJson = Record<AgingBucket | 'total', string>;

/** The `report aging --json` document (PRODUCT §2.2). */
export interface AgingReport {
  as_of: CalendarDate;
  currencies: Record<CurrencyCode, AgingAmountsJson>;
}

/** The open amount (minor units, as of D) of the invoices sharing one due date. */
export interface OpenAmountByDueDate {
  readonly dueDate: CalendarDate;
  readonly openAmount: number;
}

export function agingBucket(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return '1-30';
  if (daysPastDue <= 60) return '31-60';
  if (daysPastDue <= 90) return '61-90';
  return '91+';
}

export function emptyAging(): AgingAmounts {
  return { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '91+': 0, total: 0 };
}

/** Buckets open amounts of one currency as of `asOf`. */
export function ageReceivables(asOf: CalendarDate, open: Iterable<OpenAmountByDueDate>): AgingAmounts {
  const aging = emptyAging();
  for (const { dueDate, openAmount } of open) {
    aging[agingBucket(daysBetween(dueDate, asOf))] += openAmount;
    aging.total += openAmount;
  }
  return aging;
}

export function agingJson(aging: AgingAmounts, currency: CurrencyCode): AgingAmountsJson {
  return {
    current: formatAmount(aging.current, currency),
    '1-30': formatAmount(aging['1-30'], currency),
    '31-60': formatAmount(aging['31-60'], currency),
    '61-90': formatAmount(aging['61-90'], currency),
    '91+': formatAmount(aging['91+'], currency),
    total: formatAmount(aging.total, currency),
  };
}
