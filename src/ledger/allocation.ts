/**
 * Which invoices a payment (or credit note) settles. Pure: it gets the payment and the
 * customer's open invoices and returns applications plus the unapplied remainder, which stays
 * on the customer's account as credit.
 *
 * Order (the AR team's expectation when an ERP export or a bank line names no split):
 *   1. explicit `applied_to` entries, in the order given: the stated amount, else whatever is
 *      open on that invoice;
 *   2. invoice numbers found in the reference text (whole tokens, in the order they appear);
 *   3. the rest oldest due date first (then issue date, then number).
 * It never applies more than an invoice's open balance and never crosses currencies.
 */
import type { CurrencyCode } from './money.ts';

export interface OpenInvoice {
  id: number;
  number: string;
  currency: CurrencyCode;
  dueDate: string;
  issueDate: string;
  /**
   * What may still be settled, in minor units. The import passes open balance plus any
   * 'adjustment' (money the ERP already knew about), so a payment imported later can take
   * that adjustment's place.
   */
  openBalance: number;
}

export interface AppliedTo {
  number: string;
  /** Minor units; null = up to the invoice's open balance. */
  amount: number | null;
}

export interface PaymentToAllocate {
  amount: number;
  currency: CurrencyCode;
  /** Free text from the bank or ERP; invoice numbers in it are matched as whole tokens. */
  reference: string;
  appliedTo: readonly AppliedTo[];
}

export type AllocationRule = 'applied_to' | 'reference' | 'oldest';

export interface Application {
  invoiceId: number;
  number: string;
  amount: number;
  rule: AllocationRule;
}

export interface Allocation {
  applications: Application[];
  /** amount − applied: the customer's credit from this payment. */
  unapplied: number;
  /** applied_to numbers that are not among the given invoices (unknown, settled or another currency). */
  unmatched: string[];
}

function isTokenChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** Invoice numbers that occur in `reference` as whole tokens, in order of appearance. */
export function numbersInReference(reference: string, numbers: Iterable<string>): string[] {
  const text = reference.toUpperCase();
  const found: { at: number; number: string }[] = [];
  for (const number of numbers) {
    const needle = number.toUpperCase();
    if (needle.length === 0) continue;
    let from = 0;
    for (;;) {
      const at = text.indexOf(needle, from);
      if (at < 0) break;
      // a token boundary on both sides: "INV-1001" matches in "Pay INV-1001/INV-1002" but
      // not in "INV-10011"
      const before = at > 0 ? text[at - 1] : undefined;
      const after = text[at + needle.length];
      if (!isTokenChar(before) && !isTokenChar(after)) {
        found.push({ at, number });
        break;
      }
      from = at + 1;
    }
  }
  return found.sort((a, b) => a.at - b.at || b.number.length - a.number.length).map((f) => f.number);
}

function oldestFirst(a: OpenInvoice, b: OpenInvoice): number {
  if (a.dueDate !== b.dueDate) return a.dueDate < b.dueDate ? -1 : 1;
  if (a.issueDate !== b.issueDate) return a.issueDate < b.issueDate ? -1 : 1;
  if (a.number !== b.number) return a.number < b.number ? -1 : 1;
  return a.id - b.id;
}

/**
 * Allocates one payment. `invoices` may contain other currencies and settled invoices; they
 * are ignored. The caller reduces its copy of the open balances by the result before
 * allocating the customer's next payment.
 */
export function allocatePayment(payment: PaymentToAllocate, invoices: readonly OpenInvoice[]): Allocation {
  if (!Number.isSafeInteger(payment.amount) || payment.amount < 0) {
    throw new RangeError(`payment amount ${payment.amount} is not a non-negative integer of minor units`);
  }
  const open = new Map<string, { invoice: OpenInvoice; left: number }>();
  for (const invoice of invoices) {
    if (invoice.currency !== payment.currency || invoice.openBalance <= 0) continue;
    open.set(invoice.number, { invoice, left: invoice.openBalance });
  }
  const applied = new Map<number, Application>();
  const order: Application[] = [];
  let remaining = payment.amount;
  const apply = (number: string, wanted: number, rule: AllocationRule): void => {
    const slot = open.get(number);
    if (!slot || remaining <= 0) return;
    const amount = Math.min(wanted, slot.left, remaining);
    if (amount <= 0) return;
    slot.left -= amount;
    remaining -= amount;
    const existing = applied.get(slot.invoice.id);
    if (existing) existing.amount += amount;
    else {
      const app: Application = { invoiceId: slot.invoice.id, number, amount, rule };
      applied.set(slot.invoice.id, app);
      order.push(app);
    }
  };

  const unmatched: string[] = [];
  for (const entry of payment.appliedTo) {
    if (!open.has(entry.number)) {
      unmatched.push(entry.number);
      continue;
    }
    apply(entry.number, entry.amount ?? Number.MAX_SAFE_INTEGER, 'applied_to');
  }
  if (remaining > 0 && payment.reference.trim() !== '') {
    for (const number of numbersInReference(payment.reference, open.keys())) {
      apply(number, Number.MAX_SAFE_INTEGER, 'reference');
    }
  }
  if (remaining > 0) {
    const rest = [...open.values()].map((s) => s.invoice).sort(oldestFirst);
    for (const invoice of rest) {
      if (remaining <= 0) break;
      apply(invoice.number, Number.MAX_SAFE_INTEGER, 'oldest');
    }
  }
  return { applications: order, unapplied: remaining, unmatched };
}

/**
 * An application of `amount` to an invoice that carries an adjustment consumes the adjustment
 * first: the adjustment stood for exactly this money, so the open balance only drops by what
 * exceeds it.
 */
export function splitAgainstAdjustment(
  amount: number,
  adjustment: number,
): { fromAdjustment: number; fromOpenBalance: number } {
  const fromAdjustment = Math.max(0, Math.min(amount, adjustment));
  return { fromAdjustment, fromOpenBalance: amount - fromAdjustment };
}
