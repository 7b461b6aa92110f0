/**
 * Payments: received money and what it settles. Bank statements (parsers in ./bank, the
 * pure matcher and its store in ./reconcile) and the one path every received payment takes
 * (./record.ts), used by the portal and payment providers too.
 */
export {
  BANK_FORMATS,
  type BankEntry,
  BankFileError,
  type BankFormat,
  CSV_COLUMNS,
  detectFormat,
  isBankFormat,
  type ParsedFile,
  parseBankFile,
  type Statement,
} from './bank/index.ts';
export { matchEntries } from './reconcile/match.ts';
export {
  type EntryStatus,
  type EntryView,
  getEntry,
  getStatement,
  listEntries,
  listStatements,
  matchEntryByHand,
  type ReconcileOptions,
  type ReconcileOutcome,
  type ReconcileReport,
  reconcileFile,
  type StatementView,
} from './reconcile/store.ts';
export { type PaymentSource, type PaymentToRecord, type RecordedPayment, recordPayment } from './record.ts';
