/**
 * The queries behind the PDFs: one customer's ledger for a statement, one invoice with its
 * settlements for an invoice copy, the organisation's branding, and the stored (imported)
 * invoice PDFs. The shell around statement-data.ts and the renderers.
 *
 * Branding: the organisation's name and address; its logo when `logo_url` is a data: URL of
 * a PNG or JPEG (remote logos are not fetched here: a document render never waits on the
 * network); remittance details from `organisation.settings.remittance` (free text, e.g. bank
 * account and the reference to quote).
 */
import { createHash } from 'node:crypto';
import { type CalendarDate, startOfMonth } from '../../ledger/dates.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';
import { type InvoicePdfInput, type InvoiceSettlement, renderInvoicePdf } from './invoice-pdf.ts';
import type { DocumentBranding, DocumentCustomer } from './pdf.ts';
import {
  buildStatement,
  type LedgerApplication,
  type LedgerCreditNote,
  type LedgerInvoice,
  type LedgerPayment,
} from './statement-data.ts';
import type { StatementPdfInput } from './statement-pdf.ts';

export interface OrganisationProfile {
  readonly branding: DocumentBranding;
  readonly language: string;
  readonly defaultCurrency: string;
  readonly logoUrl: string | null;
}

/** Decodes a data:image/png|jpeg;base64 URL; anything else gives null. */
export function logoFromUrl(url: string | null): Buffer | null {
  if (!url) return null;
  const m = /^data:image\/(png|jpe?g);base64,([A-Za-z0-9+/=\s]+)$/i.exec(url.trim());
  return m ? Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') : null;
}

export async function loadOrganisationProfile(db: Queryable): Promise<OrganisationProfile> {
  const [org] = await db.query<{
    name: string;
    address: string;
    logo_url: string | null;
    language: string;
    default_currency: string;
    remittance: string | null;
  }>(
    `SELECT name, address, logo_url, language, default_currency, settings->>'remittance' AS remittance
       FROM organisation WHERE id = 1`,
  );
  if (!org) throw new UserError('the organisation row is missing; run the migrations');
  return {
    branding: {
      name: org.name,
      address: org.address,
      logo: logoFromUrl(org.logo_url),
      remittance: org.remittance,
    },
    language: org.language,
    defaultCurrency: org.default_currency.trim(),
    logoUrl: org.logo_url,
  };
}

interface CustomerRow {
  [column: string]: unknown;
  id: number;
  external_id: string;
  name: string;
  language: string | null;
}

export async function findCustomer(db: Queryable, externalId: string): Promise<CustomerRow> {
  const [row] = await db.query<CustomerRow>(
    'SELECT id, external_id, name, language FROM customers WHERE external_id = $1',
    [externalId],
  );
  if (!row) throw new NotFoundError(`no customer with external_id "${externalId}"`);
  return row;
}

/**
 * Everything a statement PDF needs for one customer and period (default period: the month of
 * `to` up to `to`). Rows dated after `to` are not read.
 */
export async function loadStatementPdfInput(
  db: Queryable,
  customerExternalId: string,
  period: { from?: CalendarDate; to: CalendarDate },
): Promise<StatementPdfInput> {
  const org = await loadOrganisationProfile(db);
  const customer = await findCustomer(db, customerExternalId);
  const to = period.to;
  const from = period.from ?? startOfMonth(to);
  const invoices = await db.query<{
    number: string;
    issue_date: string;
    due_date: string;
    currency: string;
    amount: number;
    status: 'open' | 'paid' | 'void';
  }>(
    `SELECT number, issue_date, due_date, currency, amount, status
       FROM invoices WHERE customer_id = $1 AND issue_date <= $2 ORDER BY issue_date, number`,
    [customer.id, to],
  );
  const payments = await db.query<{
    reference: string;
    external_id: string;
    date: string;
    currency: string;
    amount: number;
  }>(
    `SELECT reference, external_id, date, currency, amount
       FROM payments WHERE customer_id = $1 AND date <= $2 ORDER BY date, id`,
    [customer.id, to],
  );
  const creditNotes = await db.query<{ number: string; date: string; currency: string; amount: number }>(
    `SELECT number, date, currency, amount FROM credit_notes WHERE customer_id = $1 AND date <= $2 ORDER BY date, id`,
    [customer.id, to],
  );
  const applications = await db.query<{
    number: string;
    kind: LedgerApplication['kind'];
    date: string;
    amount: number;
  }>(
    `SELECT i.number, a.kind, a.date, a.amount
       FROM applications a JOIN invoices i ON i.id = a.invoice_id
      WHERE i.customer_id = $1 AND a.date <= $2 ORDER BY a.date, a.id`,
    [customer.id, to],
  );
  const statement = buildStatement({
    from,
    to,
    invoices: invoices.map(
      (r): LedgerInvoice => ({
        number: r.number,
        issueDate: r.issue_date,
        dueDate: r.due_date,
        currency: r.currency.trim(),
        amount: r.amount,
        status: r.status,
      }),
    ),
    payments: payments.map(
      (r): LedgerPayment => ({
        reference: r.reference || r.external_id,
        date: r.date,
        currency: r.currency.trim(),
        amount: r.amount,
      }),
    ),
    creditNotes: creditNotes.map(
      (r): LedgerCreditNote => ({
        number: r.number,
        date: r.date,
        currency: r.currency.trim(),
        amount: r.amount,
      }),
    ),
    applications: applications.map(
      (r): LedgerApplication => ({ invoiceNumber: r.number, kind: r.kind, date: r.date, amount: r.amount }),
    ),
  });
  const documentCustomer: DocumentCustomer = { externalId: customer.external_id, name: customer.name };
  return {
    organisation: org.branding,
    customer: documentCustomer,
    language: customer.language ?? org.language,
    statement,
  };
}

/** An invoice copy's data as of a day: the invoice, its customer and what settled it by then. */
export async function loadInvoicePdfInput(
  db: Queryable,
  invoiceNumber: string,
  asOf: CalendarDate,
): Promise<InvoicePdfInput> {
  const org = await loadOrganisationProfile(db);
  const [inv] = await db.query<{
    id: number;
    number: string;
    issue_date: string;
    due_date: string;
    currency: string;
    amount: number;
    po_number: string | null;
    external_id: string;
    name: string;
    language: string | null;
  }>(
    `SELECT i.id, i.number, i.issue_date, i.due_date, i.currency, i.amount, i.po_number,
            c.external_id, c.name, c.language
       FROM invoices i JOIN customers c ON c.id = i.customer_id
      WHERE i.number = $1`,
    [invoiceNumber],
  );
  if (!inv) throw new NotFoundError(`no invoice numbered "${invoiceNumber}"`);
  const settlements = await db.query<{
    date: string;
    kind: InvoiceSettlement['kind'];
    reference: string | null;
    amount: number;
  }>(
    `SELECT a.date, a.kind, coalesce(nullif(p.reference, ''), p.external_id, cn.number) AS reference, a.amount
       FROM applications a
       LEFT JOIN payments p ON p.id = a.payment_id
       LEFT JOIN credit_notes cn ON cn.id = a.credit_note_id
      WHERE a.invoice_id = $1 AND a.date <= $2
      ORDER BY a.date, a.id`,
    [inv.id, asOf],
  );
  return {
    organisation: org.branding,
    customer: { externalId: inv.external_id, name: inv.name },
    language: inv.language ?? org.language,
    invoice: {
      number: inv.number,
      issueDate: inv.issue_date,
      dueDate: inv.due_date,
      currency: inv.currency.trim(),
      amount: inv.amount,
      poNumber: inv.po_number,
    },
    settlements: settlements.map((s) => ({
      date: s.date,
      kind: s.kind,
      reference: s.reference ?? '',
      amount: s.amount,
    })),
    asOf,
  };
}

export interface StoredDocument {
  readonly fileName: string;
  readonly contentType: string;
  readonly sha256: string;
  readonly bytes: Buffer;
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new Error('unexpected bytea value');
}

/** The PDF imported with an invoice, or null when there is none. */
export async function loadInvoiceDocument(
  db: Queryable,
  invoiceNumber: string,
): Promise<StoredDocument | null> {
  const [row] = await db.query<{ file_name: string; content_type: string; sha256: string; bytes: unknown }>(
    `SELECT d.file_name, d.content_type, d.sha256, d.bytes
       FROM documents d JOIN invoices i ON i.id = d.invoice_id
      WHERE i.number = $1 AND d.kind = 'invoice'`,
    [invoiceNumber],
  );
  return row
    ? {
        fileName: row.file_name,
        contentType: row.content_type,
        sha256: row.sha256,
        bytes: toBuffer(row.bytes),
      }
    : null;
}

/**
 * Stores (or replaces) the PDF of an invoice. Refuses what is not a PDF, so a wrong file is
 * caught at import and not in a customer's mailbox.
 */
export async function saveInvoiceDocument(
  db: Queryable,
  invoiceNumber: string,
  fileName: string,
  bytes: Buffer,
): Promise<{ sha256: string; changed: boolean }> {
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new UserError(`${fileName}: not a PDF file (it does not start with %PDF-)`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const [inv] = await db.query<{ id: number }>('SELECT id FROM invoices WHERE number = $1', [invoiceNumber]);
  if (!inv) throw new NotFoundError(`no invoice numbered "${invoiceNumber}"`);
  const rows = await db.query<{ id: number }>(
    `INSERT INTO documents (invoice_id, kind, file_name, content_type, sha256, size, bytes)
     VALUES ($1, 'invoice', $2, 'application/pdf', $3, $4, $5)
     ON CONFLICT (invoice_id, kind) DO UPDATE SET
       file_name = EXCLUDED.file_name, sha256 = EXCLUDED.sha256, size = EXCLUDED.size,
       bytes = EXCLUDED.bytes, created_at = now()
     WHERE documents.sha256 <> EXCLUDED.sha256
     RETURNING id`,
    [inv.id, fileName, sha256, bytes.length, bytes],
  );
  return { sha256, changed: rows.length > 0 };
}

/** The PDF to attach for an invoice: the imported one when there is one, else a rendered copy. */
export async function invoicePdf(
  db: Queryable,
  invoiceNumber: string,
  asOf: CalendarDate,
): Promise<{ fileName: string; bytes: Buffer; origin: 'imported' | 'rendered' }> {
  const stored = await loadInvoiceDocument(db, invoiceNumber);
  if (stored) return { fileName: `${invoiceNumber}.pdf`, bytes: stored.bytes, origin: 'imported' };
  const bytes = await renderInvoicePdf(await loadInvoicePdfInput(db, invoiceNumber, asOf));
  return { fileName: `${invoiceNumber}.pdf`, bytes, origin: 'rendered' };
}
