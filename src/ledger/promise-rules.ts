/**
 * What became of a promise to pay, as a pure function of the promise, the invoice's balance
 * and the day. No clock, no database: `refreshPromises` (promises.ts) loads the facts and
 * writes the outcome.
 *
 * The rules (deadline = promised date + grace days):
 * - kept:    the invoice's open balance reached 0 on or before min(day, deadline) — a promise
 *            can be kept early; a voided invoice also closes its promise as kept (nothing is owed).
 * - partial: the deadline passed with a balance left, but something was paid since the
 *            promise (whether or not it reached a promised partial amount). Dunning resumes
 *            for the rest; no promise_broken event.
 * - broken:  the deadline passed and nothing was paid since the promise. The first day it
 *            counts as broken is deadline + 1; the promise_broken campaign and a task follow.
 * - open:    otherwise (the deadline has not passed and a balance is left).
 */
import { addDays, type CalendarDate, minDate } from './dates.ts';

export type PromiseStatus = 'open' | 'kept' | 'partial' | 'broken';

export interface PromiseFacts {
  promisedDate: CalendarDate;
  graceDays: number;
  /** Promised amount in minor units; null = the whole balance. */
  amount: number | null;
  /** The invoice's open balance when the promise was made. */
  balanceAtPromise: number;
  invoiceStatus: 'open' | 'paid' | 'void';
  /** The invoice's open balance as of min(day, deadline). */
  balanceAtCheck: number;
  /** The date of the last application dated ≤ min(day, deadline), if any. */
  lastApplicationOn: CalendarDate | null;
}

export interface PromiseOutcome {
  status: Exclude<PromiseStatus, 'open'>;
  /** The day the promise left 'open'. For broken: the first day it counts as broken. */
  settledOn: CalendarDate;
  /** Paid since the promise, in minor units (never negative). */
  paid: number;
}

export function promiseDeadline(promisedDate: CalendarDate, graceDays: number): CalendarDate {
  return addDays(promisedDate, graceDays);
}

/** The promise's outcome on `day`, or null while it is still open. */
export function promiseOutcome(facts: PromiseFacts, day: CalendarDate): PromiseOutcome | null {
  const deadline = promiseDeadline(facts.promisedDate, facts.graceDays);
  const checkDay = minDate(day, deadline);
  const paid = Math.max(0, facts.balanceAtPromise - facts.balanceAtCheck);
  if (facts.invoiceStatus === 'void') return { status: 'kept', settledOn: checkDay, paid };
  if (facts.balanceAtCheck <= 0 || facts.invoiceStatus === 'paid') {
    return { status: 'kept', settledOn: facts.lastApplicationOn ?? checkDay, paid };
  }
  if (day <= deadline) return null;
  if (paid > 0) return { status: 'partial', settledOn: addDays(deadline, 1), paid };
  return { status: 'broken', settledOn: addDays(deadline, 1), paid: 0 };
}

/** The last day an open promise protects its invoice from dunning (R6). */
export function promisedThrough(promisedDate: CalendarDate, graceDays: number): CalendarDate {
  return promiseDeadline(promisedDate, graceDays);
}
