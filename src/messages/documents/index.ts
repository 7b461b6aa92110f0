/**
 * PDF documents (PRODUCT §5 attachments): the account statement and the invoice copy for
 * invoices imported without a PDF, plus the stored imported PDFs.
 */
export { type InvoicePdfInput, type InvoiceSettlement, renderInvoicePdf } from './invoice-pdf.ts';
export {
  invoicePdf,
  loadInvoiceDocument,
  loadInvoicePdfInput,
  loadOrganisationProfile,
  loadStatementPdfInput,
  logoFromUrl,
  type StoredDocument,
  saveInvoiceDocument,
} from './load.ts';
export type { DocumentBranding, DocumentCustomer } from './pdf.ts';
export {
  AGING_BUCKETS,
  buildStatement,
  type StatementData,
  type StatementInput,
  type StatementLine,
  type StatementSection,
} from './statement-data.ts';
export { renderStatementPdf, STATEMENT_LINES_PER_PAGE, type StatementPdfInput } from './statement-pdf.ts';
