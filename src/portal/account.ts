/**
 * What one portal link may see: its customer, its contact (only if that contact belongs to
 * the customer), and the customer's invoices. Every query here is keyed by the customer id
 * from the verified token; nothing is ever looked up by a number alone.
 */
import { type CalendarDate, daysBetween } from '../ledger/dates.ts';
import type { Queryable } from '../platform/db/index.ts';

export interface PortalCustomer {
  id: number;
  externalId: string;
  name: string;
  language: string | null;
}

export interface PortalContact {
  id: number;
  name: string;
  email: string | null;
}

export interface PortalNote {
  body: string;
  at: string;
}

export interface PortalInvoice {
  id: number;
  number: string;
  issueDate: CalendarDate;
  dueDate: CalendarDate;
  currency: string;
  /** minor units */
  amount: number;
  /** minor units */
  openBalance: number;
  isOpen: boolean;
  disputed: boolean;
  settledOn: CalendarDate | null;
  daysOverdue: number;
  promise: { date: CalendarDate; amount: number | null } | null;
  /** notes the customer wrote through the portal (collectors' own notes are never shown) */
  notes: PortalNote[];
}

export interface CurrencyTotal {
  currency: string;
  open: number;
  overdue: number;
}

export interface PortalAccount {
  customer: PortalCustomer;
  contact: PortalContact | null;
  open: PortalInvoice[];
  paid: PortalInvoice[];
  totals: CurrencyTotal[];
}

/** How many settled invoices the page lists (newest first). */
export const PAID_SHOWN = 50;

export async function loadCustomer(q: Queryable, customerId: number): Promise<PortalCustomer | null> {
  const [row] = await q.query<{ id: number; external_id: string; name: string; language: string | null }>(
    'SELECT id, external_id, name, language FROM customers WHERE id = $1',
    [customerId],
  );
  return row ? { id: row.id, externalId: row.external_id, name: row.name, language: row.language } : null;
}

/** The contact, only when it belongs to `customerId` (a token cannot borrow another's contact). */
export async function loadContact(
  q: Queryable,
  customerId: number,
  contactId: number,
): Promise<PortalContact | null> {
  if (contactId <= 0) return null;
  const [row] = await q.query<{ id: number; name: string; email: string | null }>(
    'SELECT id, name, email FROM contacts WHERE id = $1 AND customer_id = $2',
    [contactId, customerId],
  );
  return row ?? null;
}

/** Pure: per-currency totals of open invoices; currencies are never added together. */
export function currencyTotals(open: readonly PortalInvoice[]): CurrencyTotal[] {
  const by = new Map<string, CurrencyTotal>();
  for (const inv of open) {
    const t = by.get(inv.currency) ?? { currency: inv.currency, open: 0, overdue: 0 };
    t.open += inv.openBalance;
    if (inv.daysOverdue > 0) t.overdue += inv.openBalance;
    by.set(inv.currency, t);
  }
  return [...by.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

type InvoiceRow = {
  id: number;
  number: string;
  issue_date: string;
  due_date: string;
  currency: string;
  amount: number;
  open_balance: number;
  status: 'open' | 'paid' | 'void';
  disputed: boolean;
  settled_on: string | null;
  promised_date: string | null;
  promised_amount: number | null;
};

export async function loadAccount(
  q: Queryable,
  customer: PortalCustomer,
  contact: PortalContact | null,
  today: CalendarDate,
): Promise<PortalAccount> {
  const rows = await q.query<InvoiceRow>(
    `SELECT i.id, i.number, i.issue_date, i.due_date, i.currency, i.amount, i.open_balance, i.status,
            i.disputed, i.settled_on, p.promised_date, p.amount AS promised_amount
       FROM invoices i
       LEFT JOIN promises p ON p.invoice_id = i.id AND p.status = 'open'
      WHERE i.customer_id = $1 AND i.status <> 'void'
        AND (i.status = 'open' AND i.open_balance > 0
             OR i.id IN (SELECT id FROM invoices WHERE customer_id = $1 AND status <> 'void'
                           AND NOT (status = 'open' AND open_balance > 0)
                         ORDER BY coalesce(settled_on, due_date) DESC, id DESC LIMIT ${PAID_SHOWN}))
      ORDER BY i.due_date, i.number`,
    [customer.id],
  );
  const notes = await q.query<{ invoice_id: number; body: string; created_at: string }>(
    `SELECT invoice_id, body, created_at FROM notes
      WHERE customer_id = $1 AND invoice_id IS NOT NULL AND author LIKE 'portal:%'
      ORDER BY created_at, id`,
    [customer.id],
  );
  const notesOf = new Map<number, PortalNote[]>();
  for (const n of notes) {
    const list = notesOf.get(n.invoice_id) ?? [];
    list.push({ body: n.body, at: n.created_at });
    notesOf.set(n.invoice_id, list);
  }
  const invoices = rows.map((r): PortalInvoice => {
    const isOpen = r.status === 'open' && r.open_balance > 0;
    return {
      id: r.id,
      number: r.number,
      issueDate: r.issue_date,
      dueDate: r.due_date,
      currency: r.currency.trim(),
      amount: r.amount,
      openBalance: isOpen ? r.open_balance : 0,
      isOpen,
      disputed: r.disputed,
      settledOn: r.settled_on,
      daysOverdue: isOpen ? Math.max(0, daysBetween(r.due_date, today)) : 0,
      promise: r.promised_date ? { date: r.promised_date, amount: r.promised_amount } : null,
      notes: notesOf.get(r.id) ?? [],
    };
  });
  const open = invoices.filter((i) => i.isOpen);
  const paid = invoices
    .filter((i) => !i.isOpen)
    .sort((a, b) => (b.settledOn ?? b.dueDate).localeCompare(a.settledOn ?? a.dueDate));
  return { customer, contact, open, paid, totals: currencyTotals(open) };
}

/** One invoice of this customer by number, or null (another customer's invoice is null too). */
export async function customerInvoice(
  q: Queryable,
  customerId: number,
  number: string,
): Promise<{
  id: number;
  number: string;
  currency: string;
  openBalance: number;
  isOpen: boolean;
  disputed: boolean;
} | null> {
  const [row] = await q.query<{
    id: number;
    number: string;
    currency: string;
    open_balance: number;
    status: string;
    disputed: boolean;
  }>(
    `SELECT id, number, currency, open_balance, status, disputed FROM invoices
      WHERE number = $1 AND customer_id = $2 AND status <> 'void'`,
    [number, customerId],
  );
  if (!row) return null;
  return {
    id: row.id,
    number: row.number,
    currency: row.currency.trim(),
    openBalance: row.open_balance,
    isOpen: row.status === 'open' && row.open_balance > 0,
    disputed: row.disputed,
  };
}
