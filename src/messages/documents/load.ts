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
import { recordEvent } from '../../platform/audit.ts';
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
import { renderStatementPdf, type StatementPdfInput } from './statement-pdf.ts';

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
  const to = period.to;
  const from = period.from ?? startOfMonth(to);
  // One statement, one round trip: the organisation, the customer and its ledger rows up to
  // `to` as JSON arrays (six separate queries cost more than the render on an embedded store).
  const [row] = await db.query<StatementRow>(
    `SELECT ${STATEMENT_COLUMNS}
       FROM organisation o LEFT JOIN customers c ON c.external_id = $1
      WHERE o.id = 1`,
    [customerExternalId, to],
  );
  if (!row) throw new UserError('the organisation row is missing; run the migrations');
  if (row.external_id === null)
    throw new NotFoundError(`no customer with external_id "${customerExternalId}"`);
  return statementInput(row, from, to);
}

/**
 * `loadStatementPdfInput` for several customers and one period (the sender's claimed batch):
 * one round trip for all of them. Customers not found are missing from the map.
 */
export async function loadStatementPdfInputs(
  db: Queryable,
  customerExternalIds: readonly string[],
  period: { from?: CalendarDate; to: CalendarDate },
): Promise<Map<string, StatementPdfInput>> {
  const to = period.to;
  const from = period.from ?? startOfMonth(to);
  const rows = await db.query<StatementRow>(
    `SELECT ${STATEMENT_COLUMNS}
       FROM organisation o JOIN customers c ON c.external_id = ANY($1::text[])
      WHERE o.id = 1`,
    [[...new Set(customerExternalIds)], to],
  );
  return new Map(rows.map((row) => [row.external_id!, statementInput(row, from, to)]));
}

type StatementRow = {
  [k: string]: unknown;
  org_name: string;
  address: string;
  logo_url: string | null;
  org_language: string;
  remittance: string | null;
  external_id: string | null;
  name: string;
  language: string | null;
  invoices: {
    number: string;
    issue_date: string;
    due_date: string;
    currency: string;
    amount: number;
    status: 'open' | 'paid' | 'void';
  }[];
  payments: { reference: string; external_id: string; date: string; currency: string; amount: number }[];
  credit_notes: { number: string; date: string; currency: string; amount: number }[];
  applications: { number: string; kind: LedgerApplication['kind']; date: string; amount: number }[];
};

// $2: the last day; the ledger rows up to it as JSON arrays
const STATEMENT_COLUMNS = `o.name AS org_name, o.address, o.logo_url, o.language AS org_language,
            o.settings->>'remittance' AS remittance, c.external_id, c.name, c.language,
            (SELECT coalesce(json_agg(json_build_object('number', i.number, 'issue_date', i.issue_date,
                      'due_date', i.due_date, 'currency', i.currency, 'amount', i.amount, 'status', i.status)
                      ORDER BY i.issue_date, i.number), '[]')
               FROM invoices i WHERE i.customer_id = c.id AND i.issue_date <= $2) AS invoices,
            (SELECT coalesce(json_agg(json_build_object('reference', p.reference, 'external_id', p.external_id,
                      'date', p.date, 'currency', p.currency, 'amount', p.amount) ORDER BY p.date, p.id), '[]')
               FROM payments p WHERE p.customer_id = c.id AND p.date <= $2) AS payments,
            (SELECT coalesce(json_agg(json_build_object('number', n.number, 'date', n.date,
                      'currency', n.currency, 'amount', n.amount) ORDER BY n.date, n.id), '[]')
               FROM credit_notes n WHERE n.customer_id = c.id AND n.date <= $2) AS credit_notes,
            (SELECT coalesce(json_agg(json_build_object('number', i.number, 'kind', a.kind, 'date', a.date,
                      'amount', a.amount) ORDER BY a.date, a.id), '[]')
               FROM applications a JOIN invoices i ON i.id = a.invoice_id
              WHERE i.customer_id = c.id AND a.date <= $2) AS applications`;

function statementInput(row: StatementRow, from: CalendarDate, to: CalendarDate): StatementPdfInput {
  if (row.external_id === null) throw new NotFoundError('no customer');
  const statement = buildStatement({
    from,
    to,
    invoices: row.invoices.map(
      (r): LedgerInvoice => ({
        number: r.number,
        issueDate: r.issue_date,
        dueDate: r.due_date,
        currency: r.currency.trim(),
        amount: Number(r.amount),
        status: r.status,
      }),
    ),
    payments: row.payments.map(
      (r): LedgerPayment => ({
        reference: r.reference || r.external_id,
        date: r.date,
        currency: r.currency.trim(),
        amount: Number(r.amount),
      }),
    ),
    creditNotes: row.credit_notes.map(
      (r): LedgerCreditNote => ({
        number: r.number,
        date: r.date,
        currency: r.currency.trim(),
        amount: Number(r.amount),
      }),
    ),
    applications: row.applications.map(
      (r): LedgerApplication => ({
        invoiceNumber: r.number,
        kind: r.kind,
        date: r.date,
        amount: Number(r.amount),
      }),
    ),
  });
  const documentCustomer: DocumentCustomer = { externalId: row.external_id, name: row.name };
  return {
    organisation: {
      name: row.org_name,
      address: row.address,
      logo: logoFromUrl(row.logo_url),
      remittance: row.remittance,
    },
    customer: documentCustomer,
    language: row.language ?? row.org_language,
    statement,
  };
}

/** An invoice copy's data as of a day: the invoice, its customer and what settled it by then. */
export async function loadInvoicePdfInput(
  db: Queryable,
  invoiceNumber: string,
  asOf: CalendarDate,
): Promise<InvoicePdfInput> {
  // one round trip: organisation, invoice, customer and the settlements up to asOf
  const [row] = await db.query<{
    org_name: string;
    address: string;
    logo_url: string | null;
    org_language: string;
    remittance: string | null;
    number: string | null;
    issue_date: string;
    due_date: string;
    currency: string;
    amount: number;
    po_number: string | null;
    external_id: string;
    name: string;
    language: string | null;
    settlements: {
      date: string;
      kind: InvoiceSettlement['kind'];
      reference: string | null;
      amount: number;
    }[];
  }>(
    `SELECT o.name AS org_name, o.address, o.logo_url, o.language AS org_language,
            o.settings->>'remittance' AS remittance,
            i.number, i.issue_date, i.due_date, i.currency, i.amount, i.po_number,
            c.external_id, c.name, c.language,
            (SELECT coalesce(json_agg(json_build_object('date', a.date, 'kind', a.kind,
                      'reference', coalesce(nullif(p.reference, ''), p.external_id, cn.number),
                      'amount', a.amount) ORDER BY a.date, a.id), '[]')
               FROM applications a
               LEFT JOIN payments p ON p.id = a.payment_id
               LEFT JOIN credit_notes cn ON cn.id = a.credit_note_id
              WHERE a.invoice_id = i.id AND a.date <= $2) AS settlements
       FROM organisation o
       LEFT JOIN invoices i ON i.number = $1
       LEFT JOIN customers c ON c.id = i.customer_id
      WHERE o.id = 1`,
    [invoiceNumber, asOf],
  );
  if (!row) throw new UserError('the organisation row is missing; run the migrations');
  if (row.number === null) throw new NotFoundError(`no invoice numbered "${invoiceNumber}"`);
  return {
    organisation: {
      name: row.org_name,
      address: row.address,
      logo: logoFromUrl(row.logo_url),
      remittance: row.remittance,
    },
    customer: { externalId: row.external_id, name: row.name },
    language: row.language ?? row.org_language,
    invoice: {
      number: row.number,
      issueDate: row.issue_date,
      dueDate: row.due_date,
      currency: row.currency.trim(),
      amount: row.amount,
      poNumber: row.po_number,
    },
    settlements: row.settlements.map((s) => ({
      date: s.date,
      kind: s.kind,
      reference: s.reference ?? '',
      amount: Number(s.amount),
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

/** The largest invoice PDF Dunwell stores (an email attachment must stay reasonable). */
export const MAX_INVOICE_PDF_BYTES = 10 * 1024 * 1024;

/**
 * Refuses what is not a PDF or is too large, naming `what` (a file name, "the request body"):
 * a wrong file is caught when it comes in, not in a customer's mailbox.
 */
export function checkPdf(what: string, bytes: Buffer): void {
  if (bytes.length > MAX_INVOICE_PDF_BYTES) {
    throw new UserError(
      `${what}: ${(bytes.length / 1048576).toFixed(1)} MB is larger than the ${MAX_INVOICE_PDF_BYTES / 1048576} MB an invoice PDF may have`,
    );
  }
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new UserError(`${what}: not a PDF file (it does not start with %PDF-)`);
  }
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
  checkPdf(fileName, bytes);
  const [inv] = await db.query<{ id: number }>('SELECT id FROM invoices WHERE number = $1', [invoiceNumber]);
  if (!inv) throw new NotFoundError(`no invoice numbered "${invoiceNumber}"`);
  return storeInvoiceDocument(db, inv.id, fileName, bytes);
}

async function storeInvoiceDocument(
  db: Queryable,
  invoiceId: number,
  fileName: string,
  bytes: Buffer,
): Promise<{ sha256: string; changed: boolean }> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const rows = await db.query<{ id: number }>(
    `INSERT INTO documents (invoice_id, kind, file_name, content_type, sha256, size, bytes)
     VALUES ($1, 'invoice', $2, 'application/pdf', $3, $4, $5)
     ON CONFLICT (invoice_id, kind) DO UPDATE SET
       file_name = EXCLUDED.file_name, sha256 = EXCLUDED.sha256, size = EXCLUDED.size,
       bytes = EXCLUDED.bytes, created_at = now()
     WHERE documents.sha256 <> EXCLUDED.sha256
     RETURNING id`,
    [invoiceId, fileName, sha256, bytes.length, bytes],
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

/** A PDF ready to attach or download. */
export interface PdfFile {
  /** what the reader sees: "INV-1.pdf", "statement-2026-03-31.pdf" (may hold any character) */
  readonly fileName: string;
  readonly bytes: Buffer;
  /** imported: stored as it came (invoice PDFs only); rendered: made from the ledger now */
  readonly origin: 'imported' | 'rendered';
}

/**
 * The account statement PDF of one customer (by external id) as of a day: the period is the
 * month of `asOf` up to `asOf` unless `from` is given. Safe to call concurrently (the shared
 * font caches are only touched synchronously); reads with the given Queryable only.
 */
export async function statementPdf(
  db: Queryable,
  customerExternalId: string,
  asOf: CalendarDate,
  options: { from?: CalendarDate } = {},
): Promise<PdfFile> {
  const input = await loadStatementPdfInput(db, customerExternalId, { to: asOf, from: options.from });
  return { fileName: `statement-${asOf}.pdf`, bytes: await renderStatementPdf(input), origin: 'rendered' };
}

/**
 * The PDF of an invoice found by its external id (the API's key; `invoicePdf` takes the
 * number): the imported PDF as stored, else a copy rendered as of `asOf`.
 */
export async function invoicePdfByExternalId(
  db: Queryable,
  invoiceExternalId: string,
  asOf: CalendarDate,
): Promise<PdfFile> {
  return invoicePdf(db, await invoiceNumberOf(db, invoiceExternalId), asOf);
}

/**
 * Stores an uploaded PDF for the invoice with this external id (replacing an earlier one) and
 * puts it on the customer's timeline, in one transaction when `db` is one. Refuses a body that
 * is not a PDF or is larger than {@link MAX_INVOICE_PDF_BYTES}.
 */
export async function uploadInvoicePdf(
  db: Queryable,
  invoiceExternalId: string,
  bytes: Buffer,
  actor: string,
): Promise<{ number: string; fileName: string; sha256: string; size: number; changed: boolean }> {
  checkPdf('the uploaded file', bytes);
  const [inv] = await db.query<{ id: number; number: string; customer_id: number }>(
    'SELECT id, number, customer_id FROM invoices WHERE external_id = $1',
    [invoiceExternalId],
  );
  if (!inv) throw new NotFoundError(`no invoice with external_id "${invoiceExternalId}"`);
  const fileName = `${inv.number}.pdf`;
  const stored = await storeInvoiceDocument(db, inv.id, fileName, bytes);
  if (stored.changed) {
    await recordEvent(db, {
      actor,
      customerId: inv.customer_id,
      action: 'invoice.pdf_stored',
      entity: 'invoice',
      entityId: inv.number,
      data: { sha256: stored.sha256, size: bytes.length },
    });
  }
  return { number: inv.number, fileName, sha256: stored.sha256, size: bytes.length, changed: stored.changed };
}

async function invoiceNumberOf(db: Queryable, externalId: string): Promise<string> {
  const [row] = await db.query<{ number: string }>('SELECT number FROM invoices WHERE external_id = $1', [
    externalId,
  ]);
  if (!row) throw new NotFoundError(`no invoice with external_id "${externalId}"`);
  return row.number;
}

/**
 * A file name that is safe in a Content-Disposition header and on any file system: letters,
 * digits, '.', '_' and '-' kept, anything else (slashes, quotes, control characters, non-ASCII)
 * turned into '_'; never empty, never starting with a dot, at most 120 characters.
 */
export function safeFileName(name: string): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  const safeExt = clean(ext).slice(0, 10);
  const safeStem =
    clean(stem)
      .replace(/^[._]+/, '')
      .slice(0, 120 - safeExt.length) || 'document';
  return safeStem + safeExt;
}

/**
 * `attachment; filename="<safe ASCII name>"; filename*=UTF-8''<the real name, percent-encoded>`
 * (RFC 6266): the header never carries a raw quote, CR or LF, and readers that know RFC 5987
 * still show "FV/2026/001.pdf" as it was.
 */
export function contentDisposition(fileName: string): string {
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${safeFileName(fileName)}"; filename*=UTF-8''${encoded}`;
}
