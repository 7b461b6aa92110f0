/**
 * PDF documents (PRODUCT §5 attachments): the account statement and the invoice copy for
 * invoices imported without a PDF, plus the stored imported PDFs.
 */

export {
  fetchPdf,
  type ImportedPdfResult,
  isPublicAddress,
  type PdfFetchOptions,
  readPdfFile,
  storeImportedInvoicePdfs,
} from './imported.ts';
export { type InvoicePdfInput, type InvoiceSettlement, renderInvoicePdf } from './invoice-pdf.ts';
export {
  checkPdf,
  contentDisposition,
  invoicePdf,
  invoicePdfByExternalId,
  loadInvoiceDocument,
  loadInvoicePdfInput,
  loadOrganisationProfile,
  loadStatementPdfInput,
  loadStatementPdfInputs,
  logoFromUrl,
  MAX_INVOICE_PDF_BYTES,
  type PdfFile,
  type StoredDocument,
  safeFileName,
  saveInvoiceDocument,
  statementPdf,
  uploadInvoicePdf,
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
