/**
 * The common model every bank-file parser produces (the bank-statement port): a parser is a
 * pure function `parse(bytes) → Statement[]` that either returns every statement of the file
 * or throws one BankFileError naming the line or element at fault. Nothing here does I/O.
 *
 * Sign convention: amounts are integer minor units of the entry's currency, credits (money
 * received) positive, debits negative. A reversal keeps the sign of the booking it is (a
 * reversed credit is booked as a debit: negative, reversal true).
 */
import type { CalendarDate } from '../../ledger/dates.ts';
import { currencyExponent, isCurrencyCode } from '../../ledger/money.ts';
import { UserError } from '../../platform/errors.ts';

export const BANK_FORMATS = ['camt.052', 'camt.053', 'camt.054', 'mt940', 'bai2', 'csv'] as const;
export type BankFormat = (typeof BANK_FORMATS)[number];

export function isBankFormat(text: string): text is BankFormat {
  return (BANK_FORMATS as readonly string[]).includes(text);
}

export interface BankEntry {
  bookingDate: CalendarDate | null;
  valueDate: CalendarDate | null;
  /** Signed minor units: credits positive. */
  amount: number;
  currency: string;
  /** The bank marks this booking as the reversal of an earlier one (camt RvslInd, MT940 RC/RD). */
  reversal: boolean;
  /** The bank's own reference for the booking (camt AcctSvcrRef, MT940 bank reference, BAI2 bank ref). */
  bankReference: string | null;
  /** The entry's reference in the file (camt NtryRef, MT940 customer reference, BAI2 customer ref). */
  entryReference: string | null;
  /** The payer's end-to-end id (camt EndToEndId, MT940 EREF+); null when absent or NOTPROVIDED. */
  endToEndId: string | null;
  /** Structured creditor reference (camt CdtrRefInf/Ref, e.g. an RF reference). */
  creditorReference: string | null;
  /** Unstructured remittance text as the bank gives it (lines joined by a space). */
  remittance: string;
  counterpartyName: string | null;
  counterpartyIban: string | null;
  /** The bank's transaction type code (camt BkTxCd, MT940 type + GV code, BAI2 type code). */
  typeCode: string | null;
}

export interface Statement {
  /** The statement's id in the file (camt Stmt/Id, MT940 :20: + :28C:, BAI2 group). */
  id: string | null;
  /** IBAN or account number. */
  account: string;
  currency: string;
  /** Minor units, signed; null when the file states none. */
  openingBalance: number | null;
  closingBalance: number | null;
  entries: BankEntry[];
}

export interface ParsedFile {
  format: BankFormat;
  /** camt message version ('053.001.02'), MT940 / BAI2 variant; informational. */
  version: string | null;
  statements: Statement[];
}

/**
 * A bank file that cannot be read: says what and where (line, element or record). The message
 * quotes the file, so it is kept to one printable line of at most 300 characters (control
 * characters shown as escapes), whatever the file holds.
 */
export class BankFileError extends UserError {
  constructor(message: string) {
    const line = message.replace(/\p{Cc}/gu, (c) => JSON.stringify(c).slice(1, -1));
    super(line.length > 300 ? `${line.slice(0, 299)}…` : line);
  }
}

/**
 * Decimal text as banks write it ('1234.50', '1234,50', '380115,' or '8.850') → minor units.
 * More decimals than the currency has are accepted only when they are zeros.
 */
export function decimalToMinor(text: string, currency: string, where: string): number {
  const s = text.trim();
  const m = /^([+-])?(\d*)(?:[.,](\d*))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new BankFileError(`${where}: "${text}" is not an amount`);
  }
  const [, sign, whole = '', fraction = ''] = m;
  const exp = currencyExponent(currency);
  if (/[^0]/.test(fraction.slice(exp))) {
    throw new BankFileError(`${where}: "${text}" has more decimals than ${currency} has (${exp})`);
  }
  const minor = Number((whole || '0') + fraction.slice(0, exp).padEnd(exp, '0'));
  if (!Number.isSafeInteger(minor)) throw new BankFileError(`${where}: "${text}" is too large`);
  return sign === '-' && minor !== 0 ? -minor : minor;
}

/**
 * Three capital letters. Codes no longer in ISO 4217 (DEM, NLG in old statements) are kept as
 * written: they match no invoice, but the statement still reads.
 */
export function checkCurrency(code: string, where: string): string {
  const c = code.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(c)) throw new BankFileError(`${where}: "${code}" is not a currency code`);
  return c;
}

export { isCurrencyCode };

/** Collapses runs of whitespace (bank texts arrive wrapped at fixed widths). */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
