/**
 * The variables a message template sees (PRODUCT §5), built from plain data. Pure.
 *
 * Names are snake_case, as template authors write them. Money is a decimal string in its
 * currency ('1234.50', never summed across currencies) and dates are 'YYYY-MM-DD': the
 * template formats them for the reader with `| money: inv.currency` and `| date`.
 *
 *   organisation   name, address, logo_url, language, currency
 *   customer       external_id, name, language, currency, payment_terms_days
 *   contact        name, email, role ('' when the message has no named contact)
 *   invoices[]     number, issue_date, due_date, amount, balance, currency, days_overdue,
 *                  pdf_url, po_number, promised_date, promised_amount, dispute_reason
 *                  (oldest due date first, so `invoices.first` is the most overdue)
 *   totals[]       one per currency, alphabetical: currency, open, overdue, count
 *   portal_url, statement_url
 *   step           key, campaign, template, date (the day the message is for),
 *                  respond_by (date + the response window, for "please pay by …")
 *
 * Absent values are '' (not null), so `{% if contact.name != blank %}` reads naturally.
 */
import { addDays, type CalendarDate, daysBetween } from '../../ledger/dates.ts';
import { type CurrencyCode, formatAmount } from '../../ledger/money.ts';

export interface OrganisationData {
  readonly name: string;
  readonly address: string;
  readonly logoUrl: string | null;
  readonly language: string;
  readonly defaultCurrency: CurrencyCode;
}

export interface CustomerData {
  readonly externalId: string;
  readonly name: string;
  readonly language: string | null;
  readonly currency: CurrencyCode | null;
  readonly paymentTermsDays: number;
}

export interface ContactData {
  readonly name: string;
  readonly email: string | null;
  readonly role: string;
}

export interface InvoiceData {
  readonly number: string;
  readonly issueDate: CalendarDate;
  readonly dueDate: CalendarDate;
  readonly currency: CurrencyCode;
  /** minor units */
  readonly amount: number;
  /** open balance on the message's day, minor units */
  readonly balance: number;
  readonly pdfUrl: string;
  readonly poNumber?: string | null;
  readonly promisedDate?: CalendarDate | null;
  /** minor units; null with a promised date = the whole balance */
  readonly promisedAmount?: number | null;
  readonly disputeReason?: string | null;
}

export interface StepData {
  readonly key: string;
  readonly campaign: string;
  readonly template: string;
}

export interface VariableInput {
  readonly organisation: OrganisationData;
  readonly customer: CustomerData;
  readonly contact: ContactData | null;
  readonly invoices: readonly InvoiceData[];
  /** the day the message is for: days overdue are counted to it */
  readonly date: CalendarDate;
  readonly portalUrl: string;
  readonly statementUrl: string;
  readonly step?: StepData | null;
  /** days from `date` to `step.respond_by` (default 7) */
  readonly respondWithinDays?: number;
}

export interface InvoiceVariables {
  number: string;
  issue_date: CalendarDate;
  due_date: CalendarDate;
  amount: string;
  balance: string;
  currency: CurrencyCode;
  days_overdue: number;
  pdf_url: string;
  po_number: string;
  promised_date: CalendarDate | '';
  promised_amount: string;
  dispute_reason: string;
}

export interface CurrencyTotals {
  currency: CurrencyCode;
  /** sum of the listed invoices' balances */
  open: string;
  /** the part of `open` on invoices past due */
  overdue: string;
  /** number of listed invoices in this currency */
  count: number;
}

export interface TemplateVariables {
  organisation: { name: string; address: string; logo_url: string; language: string; currency: CurrencyCode };
  customer: {
    external_id: string;
    name: string;
    language: string;
    currency: CurrencyCode;
    payment_terms_days: number;
  };
  contact: { name: string; email: string; role: string };
  invoices: InvoiceVariables[];
  totals: CurrencyTotals[];
  portal_url: string;
  statement_url: string;
  step: { key: string; campaign: string; template: string; date: CalendarDate; respond_by: CalendarDate };
}

export function buildVariables(input: VariableInput): TemplateVariables {
  const { organisation, customer, contact, date } = input;
  const sorted = [...input.invoices].sort((a, b) =>
    a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.number.localeCompare(b.number),
  );
  const invoices = sorted.map((inv): InvoiceVariables => {
    const promisedAmount =
      inv.promisedDate == null ? '' : formatAmount(inv.promisedAmount ?? inv.balance, inv.currency);
    return {
      number: inv.number,
      issue_date: inv.issueDate,
      due_date: inv.dueDate,
      amount: formatAmount(inv.amount, inv.currency),
      balance: formatAmount(inv.balance, inv.currency),
      currency: inv.currency,
      days_overdue: Math.max(0, daysBetween(inv.dueDate, date)),
      pdf_url: inv.pdfUrl,
      po_number: inv.poNumber ?? '',
      promised_date: inv.promisedDate ?? '',
      promised_amount: promisedAmount,
      dispute_reason: inv.disputeReason ?? '',
    };
  });
  const perCurrency = new Map<CurrencyCode, { open: number; overdue: number; count: number }>();
  for (const inv of sorted) {
    const t = perCurrency.get(inv.currency) ?? { open: 0, overdue: 0, count: 0 };
    t.open += inv.balance;
    if (daysBetween(inv.dueDate, date) > 0) t.overdue += inv.balance;
    t.count += 1;
    perCurrency.set(inv.currency, t);
  }
  const totals = [...perCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, t]) => ({
      currency,
      open: formatAmount(t.open, currency),
      overdue: formatAmount(t.overdue, currency),
      count: t.count,
    }));
  const step = input.step ?? { key: '', campaign: '', template: '' };
  return {
    organisation: {
      name: organisation.name,
      address: organisation.address,
      logo_url: organisation.logoUrl ?? '',
      language: organisation.language,
      currency: organisation.defaultCurrency,
    },
    customer: {
      external_id: customer.externalId,
      name: customer.name,
      language: customer.language ?? organisation.language,
      currency: customer.currency ?? organisation.defaultCurrency,
      payment_terms_days: customer.paymentTermsDays,
    },
    contact: { name: contact?.name ?? '', email: contact?.email ?? '', role: contact?.role ?? '' },
    invoices,
    totals,
    portal_url: input.portalUrl,
    statement_url: input.statementUrl,
    step: {
      key: step.key,
      campaign: step.campaign,
      template: step.template,
      date,
      respond_by: addDays(date, input.respondWithinDays ?? 7),
    },
  };
}

/**
 * The shape of the variables, for validation: a leaf is a plain value, an object lists its
 * fields, `{ list: … }` is an array of that element.
 */
export type VariableShape =
  | 'value'
  | { readonly list: VariableShape }
  | { readonly [field: string]: VariableShape };

const INVOICE_SHAPE: VariableShape = {
  number: 'value',
  issue_date: 'value',
  due_date: 'value',
  amount: 'value',
  balance: 'value',
  currency: 'value',
  days_overdue: 'value',
  pdf_url: 'value',
  po_number: 'value',
  promised_date: 'value',
  promised_amount: 'value',
  dispute_reason: 'value',
};

export const VARIABLE_SHAPE: { readonly [name: string]: VariableShape } = {
  organisation: { name: 'value', address: 'value', logo_url: 'value', language: 'value', currency: 'value' },
  customer: {
    external_id: 'value',
    name: 'value',
    language: 'value',
    currency: 'value',
    payment_terms_days: 'value',
  },
  contact: { name: 'value', email: 'value', role: 'value' },
  invoices: { list: INVOICE_SHAPE },
  totals: { list: { currency: 'value', open: 'value', overdue: 'value', count: 'value' } },
  portal_url: 'value',
  statement_url: 'value',
  step: { key: 'value', campaign: 'value', template: 'value', date: 'value', respond_by: 'value' },
};

/**
 * A complete, deterministic variable set: every field filled, two currencies, an invoice
 * not yet due, overdue ones, a promise and a dispute. Validation renders every template
 * against it so that a misspelt field inside a loop (`inv.numbr`) is caught before saving.
 */
export const SAMPLE_VARIABLE_INPUT: VariableInput = {
  organisation: {
    name: 'Nordlicht Logistik GmbH',
    address: 'Hafenstraße 12, 20457 Hamburg, Germany',
    logoUrl: 'https://example.com/logo.png',
    language: 'en',
    defaultCurrency: 'EUR',
  },
  customer: {
    externalId: 'C-1001',
    name: 'Łódź Café & Señor Müller S.L.',
    language: 'en',
    currency: 'EUR',
    paymentTermsDays: 30,
  },
  contact: { name: 'Zoë Núñez', email: 'ap@example.com', role: 'billing' },
  invoices: [
    {
      number: 'INV-2026-0107',
      issueDate: '2026-01-10',
      dueDate: '2026-02-09',
      currency: 'EUR',
      amount: 123450,
      balance: 123450,
      pdfUrl: 'https://example.com/portal/invoices/INV-2026-0107.pdf',
      poNumber: 'PO-77',
      promisedDate: '2026-03-20',
      promisedAmount: 100000,
      disputeReason: 'Quantity differs from the delivery note',
    },
    {
      number: 'INV-2026-0142',
      issueDate: '2026-02-01',
      dueDate: '2026-03-03',
      currency: 'EUR',
      amount: 98000,
      balance: 48000,
      pdfUrl: 'https://example.com/portal/invoices/INV-2026-0142.pdf',
    },
    {
      number: 'INV-2026-0150',
      issueDate: '2026-02-20',
      dueDate: '2026-03-22',
      currency: 'USD',
      amount: 250000,
      balance: 250000,
      pdfUrl: 'https://example.com/portal/invoices/INV-2026-0150.pdf',
    },
  ],
  date: '2026-03-15',
  portalUrl: 'https://example.com/portal',
  statementUrl: 'https://example.com/portal/statement.pdf',
  step: { key: 'late-1', campaign: 'standard', template: 'past-due' },
};
