/**
 * A customer's average days late and risk level (the customer page's header). Pure: the
 * facts come from customer-summary.ts; the rules are documented in docs/domain-guide.md
 * ("A customer's average days late and risk").
 *
 * Average days late: over the customer's invoices (not void, amount > 0) whose closing day —
 * the first day on which the payments, credits and adjustments dated up to it reach the
 * amount — falls in the 12 months ending with D (D − 364 … D), the mean of
 * max(0, closing day − due date) weighted by invoice amount. Per currency amounts are only
 * weights, so invoices of every currency count together. No such invoice → null.
 *
 * Risk: points from five signals, added up:
 * - average days late: ≥ 30 → 2, ≥ 10 → 1
 * - overdue share of the open balance (the highest over the customer's currencies):
 *   ≥ 50 % → 2, ≥ 20 % → 1
 * - promises to pay broken in the last 12 months: ≥ 2 → 2, 1 → 1
 * - open disputes: ≥ 1 → 1
 * - contact addresses: no deliverable address left among the contacts that receive dunning
 *   (while some contact does receive it) → 2; some address bounced or complained → 1
 * 0–1 points: low; 2–3: medium; 4 or more: high.
 */
import { type CalendarDate, daysBetween } from './dates.ts';

export interface ClosedInvoiceFacts {
  readonly amount: number;
  readonly dueDate: CalendarDate;
  /** applications of any kind (payments, credit notes, adjustments), any order */
  readonly applications: readonly { date: CalendarDate; amount: number }[];
}

/** The first day on which the applications dated up to it reach the amount; null if never. */
export function closingDay(invoice: ClosedInvoiceFacts): CalendarDate | null {
  const byDate = [...invoice.applications].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  let applied = 0;
  for (let i = 0; i < byDate.length; i++) {
    const a = byDate[i]!;
    applied += a.amount;
    const next = byDate[i + 1];
    if (next && next.date === a.date) continue;
    if (applied >= invoice.amount) return a.date;
  }
  return null;
}

/** Amount-weighted mean of max(0, closing − due) over invoices closed in (D − 365, D]; null without any. */
export function averageDaysLate(
  invoices: Iterable<ClosedInvoiceFacts>,
  asOf: CalendarDate,
  windowDays = 365,
): { days: number | null; invoices: number } {
  let weight = 0;
  let late = 0;
  let count = 0;
  for (const inv of invoices) {
    if (inv.amount <= 0) continue;
    const closed = closingDay(inv);
    if (closed === null || closed > asOf || daysBetween(closed, asOf) >= windowDays) continue;
    weight += inv.amount;
    late += inv.amount * Math.max(0, daysBetween(inv.dueDate, closed));
    count++;
  }
  return { days: weight > 0 ? late / weight : null, invoices: count };
}

export type RiskLevel = 'low' | 'medium' | 'high';
export type RiskFactor = 'days_late' | 'overdue_share' | 'broken_promises' | 'disputes' | 'bounces';

export interface RiskInputs {
  readonly avgDaysLate: number | null;
  /** per currency: open balance and overdue amount (minor units) */
  readonly balances: readonly { open: number; overdue: number }[];
  readonly brokenPromises12m: number;
  readonly openDisputes: number;
  /** contacts that receive dunning, and how many of them have a deliverable address */
  readonly dunningContacts: number;
  readonly deliverableDunningContacts: number;
  /** contacts whose address bounced or complained */
  readonly bouncedContacts: number;
}

export interface Risk {
  level: RiskLevel;
  score: number;
  /** the signals that scored, with their points and the value behind them */
  factors: { factor: RiskFactor; points: number; value: number }[];
}

/** The highest overdue share (0–1) over the customer's currencies; 0 with nothing open. */
export function overdueShare(balances: RiskInputs['balances']): number {
  let share = 0;
  for (const b of balances) if (b.open > 0) share = Math.max(share, b.overdue / b.open);
  return share;
}

export function assessRisk(inputs: RiskInputs): Risk {
  const factors: Risk['factors'] = [];
  const late = inputs.avgDaysLate;
  if (late !== null && late >= 10)
    factors.push({ factor: 'days_late', points: late >= 30 ? 2 : 1, value: late });
  const share = overdueShare(inputs.balances);
  if (share >= 0.2) factors.push({ factor: 'overdue_share', points: share >= 0.5 ? 2 : 1, value: share });
  if (inputs.brokenPromises12m >= 1) {
    factors.push({
      factor: 'broken_promises',
      points: inputs.brokenPromises12m >= 2 ? 2 : 1,
      value: inputs.brokenPromises12m,
    });
  }
  if (inputs.openDisputes >= 1) factors.push({ factor: 'disputes', points: 1, value: inputs.openDisputes });
  if (inputs.dunningContacts > 0 && inputs.deliverableDunningContacts === 0) {
    factors.push({ factor: 'bounces', points: 2, value: inputs.bouncedContacts });
  } else if (inputs.bouncedContacts > 0) {
    factors.push({ factor: 'bounces', points: 1, value: inputs.bouncedContacts });
  }
  const score = factors.reduce((s, f) => s + f.points, 0);
  return { level: score >= 4 ? 'high' : score >= 2 ? 'medium' : 'low', score, factors };
}
