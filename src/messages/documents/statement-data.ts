/**
 * An account statement from ledger rows (PRODUCT §5 attachments): per currency, the opening
 * balance at the period start, the invoices, payments, credits and adjustments dated in the
 * period with a running balance, the closing balance, and an aging summary of what is open at
 * the period end. Pure: rows and dates in, numbers (minor units) out.
 *
 * Sign convention: the balance is what the customer owes; invoices raise it (debit), payments,
 * credit notes and adjustments lower it (credit). Void invoices are not part of the account.
 * Currencies are never summed together: each has its own section.
 */
import { type CalendarDate, daysBetween } from '../../ledger/dates.ts';
import type { CurrencyCode } from '../../ledger/money.ts';

export interface LedgerInvoice {
  readonly number: string;
  readonly issueDate: CalendarDate;
  readonly dueDate: CalendarDate;
  readonly currency: CurrencyCode;
  readonly amount: number;
  readonly status: 'open' | 'paid' | 'void';
}

export interface LedgerPayment {
  readonly reference: string;
  readonly date: CalendarDate;
  readonly currency: CurrencyCode;
  readonly amount: number;
}

export interface LedgerCreditNote {
  readonly number: string;
  readonly date: CalendarDate;
  readonly currency: CurrencyCode;
  readonly amount: number;
}

/**
 * An application settling (part of) an invoice. Payments and credit notes already count
 * through their own rows; 'adjustment' applications (money the ERP reports as received
 * without a payment row) count here, and every kind reduces the invoice's open amount.
 */
export interface LedgerApplication {
  readonly invoiceNumber: string;
  readonly kind: 'payment' | 'credit_note' | 'adjustment';
  readonly date: CalendarDate;
  readonly amount: number;
}

export interface StatementInput {
  /** first day of the period */
  readonly from: CalendarDate;
  /** last day of the period: the statement's "as of" date */
  readonly to: CalendarDate;
  readonly invoices: readonly LedgerInvoice[];
  readonly payments: readonly LedgerPayment[];
  readonly creditNotes: readonly LedgerCreditNote[];
  readonly applications: readonly LedgerApplication[];
}

export type StatementLineKind = 'invoice' | 'payment' | 'credit_note' | 'adjustment';

export interface StatementLine {
  readonly date: CalendarDate;
  readonly kind: StatementLineKind;
  readonly reference: string;
  /** invoices only */
  readonly dueDate: CalendarDate | null;
  readonly debit: number;
  readonly credit: number;
  /** the running balance after this line */
  readonly balance: number;
}

export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '91+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** The same buckets as `report aging` (PRODUCT §7): due today or later is current. */
export function agingBucket(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return '1-30';
  if (daysPastDue <= 60) return '31-60';
  if (daysPastDue <= 90) return '61-90';
  return '91+';
}

export interface OpenItem {
  readonly number: string;
  readonly dueDate: CalendarDate;
  readonly open: number;
  readonly daysPastDue: number;
}

export interface StatementSection {
  readonly currency: CurrencyCode;
  readonly openingBalance: number;
  readonly lines: readonly StatementLine[];
  readonly closingBalance: number;
  readonly totals: {
    readonly invoiced: number;
    readonly paid: number;
    readonly credited: number;
    readonly adjusted: number;
  };
  /** open invoice amounts at `to`, by days past due, and their total */
  readonly aging: Readonly<Record<AgingBucket | 'total', number>>;
  /** invoices open at `to`, oldest due date first */
  readonly openItems: readonly OpenItem[];
  /**
   * closing balance minus open invoices: negative when payments or credits are not yet
   * applied to an invoice (money on account), 0 when everything is applied.
   */
  readonly unapplied: number;
}

export interface StatementData {
  readonly from: CalendarDate;
  readonly to: CalendarDate;
  readonly sections: readonly StatementSection[];
}

const KIND_ORDER: Record<StatementLineKind, number> = {
  invoice: 0,
  credit_note: 1,
  payment: 2,
  adjustment: 3,
};

interface Movement {
  readonly date: CalendarDate;
  readonly kind: StatementLineKind;
  readonly reference: string;
  readonly dueDate: CalendarDate | null;
  readonly currency: CurrencyCode;
  /** positive raises the balance */
  readonly signed: number;
}

export function buildStatement(input: StatementInput): StatementData {
  if (input.from > input.to) throw new RangeError(`statement period ${input.from} … ${input.to} is empty`);
  const live = input.invoices.filter((i) => i.status !== 'void');
  const currencyOf = new Map(live.map((i) => [i.number, i.currency]));
  const movements: Movement[] = [
    ...live.map((i) => ({
      date: i.issueDate,
      kind: 'invoice' as const,
      reference: i.number,
      dueDate: i.dueDate,
      currency: i.currency,
      signed: i.amount,
    })),
    ...input.payments.map((p) => ({
      date: p.date,
      kind: 'payment' as const,
      reference: p.reference,
      dueDate: null,
      currency: p.currency,
      signed: -p.amount,
    })),
    ...input.creditNotes.map((c) => ({
      date: c.date,
      kind: 'credit_note' as const,
      reference: c.number,
      dueDate: null,
      currency: c.currency,
      signed: -c.amount,
    })),
    ...input.applications.flatMap((a) => {
      const currency = currencyOf.get(a.invoiceNumber);
      if (a.kind !== 'adjustment' || currency === undefined) return [];
      return [
        {
          date: a.date,
          kind: 'adjustment' as const,
          reference: a.invoiceNumber,
          dueDate: null,
          currency,
          signed: -a.amount,
        },
      ];
    }),
  ].filter((m) => m.date <= input.to);
  movements.sort(
    (a, b) =>
      (a.date < b.date ? -1 : a.date > b.date ? 1 : 0) ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      a.reference.localeCompare(b.reference),
  );

  const appliedByInvoice = new Map<string, number>();
  for (const a of input.applications) {
    if (a.date <= input.to)
      appliedByInvoice.set(a.invoiceNumber, (appliedByInvoice.get(a.invoiceNumber) ?? 0) + a.amount);
  }

  const currencies = [...new Set(movements.map((m) => m.currency))].sort();
  const sections = currencies.map((currency): StatementSection => {
    const mine = movements.filter((m) => m.currency === currency);
    let balance = 0;
    for (const m of mine) if (m.date < input.from) balance += m.signed;
    const openingBalance = balance;
    const totals = { invoiced: 0, paid: 0, credited: 0, adjusted: 0 };
    const lines: StatementLine[] = [];
    for (const m of mine) {
      if (m.date < input.from) continue;
      balance += m.signed;
      if (m.kind === 'invoice') totals.invoiced += m.signed;
      else if (m.kind === 'payment') totals.paid -= m.signed;
      else if (m.kind === 'credit_note') totals.credited -= m.signed;
      else totals.adjusted -= m.signed;
      lines.push({
        date: m.date,
        kind: m.kind,
        reference: m.reference,
        dueDate: m.dueDate,
        debit: Math.max(m.signed, 0),
        credit: Math.max(-m.signed, 0),
        balance,
      });
    }
    const aging: Record<AgingBucket | 'total', number> = {
      current: 0,
      '1-30': 0,
      '31-60': 0,
      '61-90': 0,
      '91+': 0,
      total: 0,
    };
    const openItems: OpenItem[] = [];
    for (const inv of live) {
      if (inv.currency !== currency || inv.issueDate > input.to) continue;
      const open = inv.amount - (appliedByInvoice.get(inv.number) ?? 0);
      if (open <= 0) continue;
      const daysPastDue = daysBetween(inv.dueDate, input.to);
      aging[agingBucket(daysPastDue)] += open;
      aging.total += open;
      openItems.push({ number: inv.number, dueDate: inv.dueDate, open, daysPastDue });
    }
    openItems.sort((a, b) =>
      a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.number.localeCompare(b.number),
    );
    return {
      currency,
      openingBalance,
      lines,
      closingBalance: balance,
      totals,
      aging,
      openItems,
      unapplied: balance - aging.total,
    };
  });
  return { from: input.from, to: input.to, sections };
}
