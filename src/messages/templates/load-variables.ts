/**
 * Builds a message's template variables from the database: the organisation, the customer,
 * its first deliverable billing contact, the listed invoices with their open balance on the
 * day, and any open promise or dispute on them. The shell around variables.ts; `templates
 * preview` uses it, and the sender can too.
 *
 * Portal links are `${publicUrl}/portal` for now: signed, expiring links (PRODUCT §8) replace
 * them when the portal exists; the sender will pass its signed URLs in `urls`.
 */
import type { CalendarDate } from '../../ledger/dates.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { InvoiceData, StepData, VariableInput } from './variables.ts';

export interface LoadVariablesOptions {
  /** the day of the message: balances and days overdue are as of it */
  readonly date: CalendarDate;
  /** invoice numbers to list; default: every invoice of the customer open on `date` */
  readonly invoiceNumbers?: readonly string[];
  readonly step?: StepData | null;
  /** DUNWELL_PUBLIC_URL, without a trailing slash */
  readonly publicUrl: string;
  /** signed links, when the caller has them */
  readonly urls?: {
    readonly portal: string;
    readonly statement: string;
    readonly invoicePdf: (number: string) => string;
  };
}

export interface LoadedVariables {
  readonly input: VariableInput;
  readonly customerId: number;
  readonly customerLanguage: string | null;
  readonly organisationLanguage: string;
  readonly contactEmail: string | null;
}

export async function loadVariableInput(
  db: Queryable,
  customerExternalId: string,
  options: LoadVariablesOptions,
): Promise<LoadedVariables> {
  const [org] = await db.query<{
    name: string;
    address: string;
    logo_url: string | null;
    language: string;
    default_currency: string;
  }>('SELECT name, address, logo_url, language, default_currency FROM organisation WHERE id = 1');
  const [customer] = await db.query<{
    id: number;
    external_id: string;
    name: string;
    language: string | null;
    currency: string | null;
    payment_terms_days: number;
  }>(
    'SELECT id, external_id, name, language, currency, payment_terms_days FROM customers WHERE external_id = $1',
    [customerExternalId],
  );
  if (!org || !customer) throw new NotFoundError(`no customer with external_id "${customerExternalId}"`);
  const [contact] = await db.query<{ name: string; email: string | null; role: string }>(
    `SELECT name, email, role FROM contacts
      WHERE customer_id = $1 AND receives_dunning AND email IS NOT NULL AND email_status = 'ok'
      ORDER BY CASE role WHEN 'billing' THEN 0 WHEN 'ap' THEN 1 ELSE 2 END, id
      LIMIT 1`,
    [customer.id],
  );
  // The open balance as of the day: amount minus applications dated on or before it.
  const invoiceRows = await db.query<{
    number: string;
    issue_date: string;
    due_date: string;
    currency: string;
    amount: number;
    balance: number;
    po_number: string | null;
    promised_date: string | null;
    promised_amount: number | null;
    dispute_reason: string | null;
  }>(
    `SELECT i.number, i.issue_date, i.due_date, i.currency, i.amount,
            i.amount - coalesce((SELECT sum(a.amount) FROM applications a
                                  WHERE a.invoice_id = i.id AND a.date <= $2), 0)::bigint AS balance,
            i.po_number,
            p.promised_date, p.amount AS promised_amount,
            d.reason AS dispute_reason
       FROM invoices i
       LEFT JOIN LATERAL (SELECT promised_date, amount FROM promises
                           WHERE invoice_id = i.id AND status = 'open'
                           ORDER BY promised_date DESC, id DESC LIMIT 1) p ON true
       LEFT JOIN LATERAL (SELECT reason FROM disputes
                           WHERE invoice_id = i.id AND status = 'open' LIMIT 1) d ON true
      WHERE i.customer_id = $1 AND i.status <> 'void' AND i.issue_date <= $2
        AND ($3::text[] IS NULL OR i.number = ANY($3::text[]))
      ORDER BY i.due_date, i.number`,
    [customer.id, options.date, options.invoiceNumbers ? [...options.invoiceNumbers] : null],
  );
  if (options.invoiceNumbers) {
    const found = new Set(invoiceRows.map((r) => r.number));
    const missing = options.invoiceNumbers.filter((n) => !found.has(n));
    if (missing.length > 0) {
      throw new NotFoundError(
        `customer "${customerExternalId}" has no invoice numbered ${missing.map((n) => `"${n}"`).join(', ')}`,
      );
    }
  }
  const base = options.publicUrl.replace(/\/+$/, '');
  const urls = options.urls ?? {
    portal: `${base}/portal`,
    statement: `${base}/portal/statement.pdf`,
    invoicePdf: (number: string) => `${base}/portal/invoices/${encodeURIComponent(number)}.pdf`,
  };
  const invoices: InvoiceData[] = invoiceRows
    .filter((r) => options.invoiceNumbers !== undefined || r.balance > 0)
    .map((r) => ({
      number: r.number,
      issueDate: r.issue_date,
      dueDate: r.due_date,
      currency: r.currency.trim(),
      amount: r.amount,
      balance: r.balance,
      pdfUrl: urls.invoicePdf(r.number),
      poNumber: r.po_number,
      promisedDate: r.promised_date,
      promisedAmount: r.promised_amount,
      disputeReason: r.dispute_reason,
    }));
  return {
    customerId: customer.id,
    customerLanguage: customer.language,
    organisationLanguage: org.language,
    contactEmail: contact?.email ?? null,
    input: {
      organisation: {
        name: org.name,
        address: org.address,
        // only a web address can be shown in an email; data: URLs are for PDFs
        logoUrl: org.logo_url && /^https?:\/\//i.test(org.logo_url) ? org.logo_url : null,
        language: org.language,
        defaultCurrency: org.default_currency.trim(),
      },
      customer: {
        externalId: customer.external_id,
        name: customer.name,
        language: customer.language,
        currency: customer.currency?.trim() ?? null,
        paymentTermsDays: customer.payment_terms_days,
      },
      contact: contact ? { name: contact.name, email: contact.email, role: contact.role } : null,
      invoices,
      date: options.date,
      portalUrl: urls.portal,
      statementUrl: urls.statement,
      step: options.step ?? null,
    },
  };
}
