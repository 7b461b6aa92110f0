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

interface OrganisationRow {
  name: string;
  address: string;
  logo_url: string | null;
  language: string;
  default_currency: string;
}

interface CustomerRow {
  id: number;
  external_id: string;
  name: string;
  language: string | null;
  currency: string | null;
  payment_terms_days: number;
}

interface ContactRow {
  name: string;
  email: string | null;
  role: string;
}

interface InvoiceRow {
  customer_id?: number;
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
}

const ORGANISATION =
  'SELECT name, address, logo_url, language, default_currency FROM organisation WHERE id = 1';

// The first deliverable contact, billing before AP before the others (loadVariableInputs
// has the same rule with its columns qualified).
const CONTACT_ORDER = `receives_dunning AND email IS NOT NULL AND email_status = 'ok'
      ORDER BY CASE role WHEN 'billing' THEN 0 WHEN 'ap' THEN 1 ELSE 2 END, id
      LIMIT 1`;

// The open balance as of the day: amount minus applications dated on or before it.
const INVOICE_COLUMNS = `i.number, i.issue_date, i.due_date, i.currency, i.amount,
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
                           WHERE invoice_id = i.id AND status = 'open' LIMIT 1) d ON true`;

export async function loadVariableInput(
  db: Queryable,
  customerExternalId: string,
  options: LoadVariablesOptions,
): Promise<LoadedVariables> {
  const [org] = await db.query<OrganisationRow & Record<string, unknown>>(ORGANISATION);
  const [customer] = await db.query<CustomerRow & Record<string, unknown>>(
    'SELECT id, external_id, name, language, currency, payment_terms_days FROM customers WHERE external_id = $1',
    [customerExternalId],
  );
  if (!org || !customer) throw new NotFoundError(`no customer with external_id "${customerExternalId}"`);
  const [contact] = await db.query<ContactRow & Record<string, unknown>>(
    `SELECT name, email, role FROM contacts
      WHERE customer_id = $1 AND ${CONTACT_ORDER}`,
    [customer.id],
  );
  const invoiceRows = await db.query<InvoiceRow & Record<string, unknown>>(
    `SELECT ${INVOICE_COLUMNS}
      WHERE i.customer_id = $1 AND i.status <> 'void' AND i.issue_date <= $2
        AND ($3::text[] IS NULL OR i.number = ANY($3::text[]))
      ORDER BY i.due_date, i.number`,
    [customer.id, options.date, options.invoiceNumbers ? [...options.invoiceNumbers] : null],
  );
  return assemble(org, customer, contact ?? null, invoiceRows, customerExternalId, options);
}

/** One request of `loadVariableInputs`. */
export interface VariableRequest {
  readonly customerExternalId: string;
  readonly options: LoadVariablesOptions;
}

/**
 * `loadVariableInput` for many messages at once (the sender's claimed batch): the same result
 * per request, in request order, from one query per table instead of four per message — the
 * organisation, the customers with their first deliverable contact, and the invoices of each
 * distinct day. A request that cannot be loaded gets its NotFoundError in its place.
 */
export async function loadVariableInputs(
  db: Queryable,
  requests: readonly VariableRequest[],
): Promise<(LoadedVariables | NotFoundError)[]> {
  if (requests.length === 0) return [];
  const [org] = await db.query<OrganisationRow & Record<string, unknown>>(ORGANISATION);
  const externalIds = [...new Set(requests.map((r) => r.customerExternalId))];
  const customers = await db.query<CustomerRow & { contact: ContactRow | null } & Record<string, unknown>>(
    `SELECT c.id, c.external_id, c.name, c.language, c.currency, c.payment_terms_days,
            (SELECT json_build_object('name', k.name, 'email', k.email, 'role', k.role) FROM contacts k
              WHERE k.customer_id = c.id AND k.receives_dunning AND k.email IS NOT NULL AND k.email_status = 'ok'
              ORDER BY CASE k.role WHEN 'billing' THEN 0 WHEN 'ap' THEN 1 ELSE 2 END, k.id
              LIMIT 1) AS contact
       FROM customers c WHERE c.external_id = ANY($1::text[])`,
    [externalIds],
  );
  const byExternalId = new Map(customers.map((c) => [c.external_id, c]));
  // per day: the customers asking for all their open invoices, and the invoice numbers asked for
  const days = new Map<string, { all: Set<number>; listed: Set<number>; numbers: Set<string> }>();
  for (const r of requests) {
    const c = byExternalId.get(r.customerExternalId);
    if (!c) continue;
    let day = days.get(r.options.date);
    if (!day) {
      day = { all: new Set(), listed: new Set(), numbers: new Set() };
      days.set(r.options.date, day);
    }
    if (r.options.invoiceNumbers) {
      day.listed.add(c.id);
      for (const n of r.options.invoiceNumbers) day.numbers.add(n);
    } else day.all.add(c.id);
  }
  const invoicesByDay = new Map<string, Map<number, InvoiceRow[]>>();
  for (const [date, want] of days) {
    const rows = await db.query<InvoiceRow & { customer_id: number } & Record<string, unknown>>(
      `SELECT i.customer_id, ${INVOICE_COLUMNS}
        WHERE i.customer_id = ANY($1::bigint[]) AND i.status <> 'void' AND i.issue_date <= $2
          AND (i.customer_id = ANY($3::bigint[]) OR i.number = ANY($4::text[]))
        ORDER BY i.customer_id, i.due_date, i.number`,
      [[...want.all, ...want.listed], date, [...want.all], [...want.numbers]],
    );
    const byCustomer = new Map<number, InvoiceRow[]>();
    for (const row of rows) {
      const list = byCustomer.get(row.customer_id);
      if (list) list.push(row);
      else byCustomer.set(row.customer_id, [row]);
    }
    invoicesByDay.set(date, byCustomer);
  }
  return requests.map((r) => {
    const c = byExternalId.get(r.customerExternalId);
    if (!org || !c) return new NotFoundError(`no customer with external_id "${r.customerExternalId}"`);
    const all = invoicesByDay.get(r.options.date)?.get(c.id) ?? [];
    const numbers = r.options.invoiceNumbers ? new Set(r.options.invoiceNumbers) : null;
    const rows = numbers ? all.filter((i) => numbers.has(i.number)) : all;
    try {
      return assemble(org, c, c.contact, rows, r.customerExternalId, r.options);
    } catch (err) {
      if (err instanceof NotFoundError) return err;
      throw err;
    }
  });
}

function assemble(
  org: OrganisationRow,
  customer: CustomerRow,
  contact: ContactRow | null,
  invoiceRows: readonly InvoiceRow[],
  customerExternalId: string,
  options: LoadVariablesOptions,
): LoadedVariables {
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
