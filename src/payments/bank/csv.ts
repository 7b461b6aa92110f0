/**
 * Bank statements exported as CSV (online banking "download as CSV"). Pure. A header row
 * names the columns; `map` renames the bank's headers to ours (`Buchungstag=date`):
 *   date (required), amount (required, signed: credits positive), currency, reference,
 *   remittance, counterparty, iban, value_date, account
 * The separator (',' or ';') is detected from the header; amounts use '.' or ',' as the
 * decimal mark and no thousands separators; dates are YYYY-MM-DD unless `dateFormat` says
 * otherwise. The whole file is one statement (of the `account` column, else `account`).
 */
import { parse } from 'csv-parse/sync';
import { detectDelimiter } from '../../ledger/csv.ts';
import { type DateFormat, parseDate } from '../../ledger/dates.ts';
import {
  type BankEntry,
  BankFileError,
  checkCurrency,
  decimalToMinor,
  type ParsedFile,
  squash,
} from './model.ts';

export const CSV_COLUMNS = [
  'date',
  'amount',
  'currency',
  'reference',
  'remittance',
  'counterparty',
  'iban',
  'value_date',
  'account',
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

export interface CsvOptions {
  /** The bank's header → our column. */
  map?: Record<string, string>;
  dateFormat?: DateFormat;
  /** When the file has no currency column. */
  currency?: string;
  /** When the file has no account column. */
  account?: string;
}

export function parseBankCsv(bytes: Uint8Array | string, options: CsvOptions = {}): ParsedFile {
  const text = (typeof bytes === 'string' ? bytes : new TextDecoder('utf-8').decode(bytes)).replace(
    /^\uFEFF/,
    '',
  );
  const delimiter = detectDelimiter(text);
  let rows: string[][];
  try {
    rows = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new BankFileError(`csv: ${(err as Error).message}`);
  }
  const header = rows[0];
  if (!header) throw new BankFileError('csv: the file is empty (a header row is needed)');
  const map = new Map(Object.entries(options.map ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));
  for (const target of map.values()) {
    if (!(CSV_COLUMNS as readonly string[]).includes(target)) {
      throw new BankFileError(
        `csv: --map target "${target}" is not a column; use one of ${CSV_COLUMNS.join(', ')}`,
      );
    }
  }
  const index = new Map<CsvColumn, number>();
  header.forEach((name, i) => {
    const key = name.trim().toLowerCase();
    const column = (map.get(key) ?? key.replace(/[\s-]+/g, '_')) as CsvColumn;
    if ((CSV_COLUMNS as readonly string[]).includes(column) && !index.has(column)) index.set(column, i);
  });
  for (const required of ['date', 'amount'] as const) {
    if (!index.has(required)) {
      throw new BankFileError(
        `csv: no "${required}" column in the header (${header.join(', ')}); name it or map one: --map "Your Header=${required}"`,
      );
    }
  }
  if (!index.has('currency') && !options.currency) {
    throw new BankFileError('csv: no "currency" column and no currency given (--currency EUR)');
  }
  const format = options.dateFormat ?? 'YYYY-MM-DD';
  const entries: BankEntry[] = [];
  let account = options.account ?? null;
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const line = r + 1;
    const get = (c: CsvColumn) => {
      const i = index.get(c);
      return i === undefined ? '' : (row[i] ?? '').trim();
    };
    const where = (c: CsvColumn) => `csv row ${line}, ${c}`;
    const date = parseDate(get('date'), format);
    if (!date) throw new BankFileError(`${where('date')}: "${get('date')}" is not a date (${format})`);
    const valueText = get('value_date');
    const valueDate = valueText ? parseDate(valueText, format) : date;
    if (!valueDate)
      throw new BankFileError(`${where('value_date')}: "${valueText}" is not a date (${format})`);
    const currency = checkCurrency(get('currency') || options.currency || '', where('currency'));
    const amountText = get('amount');
    if (/^-?\d{1,3}([.,' ]\d{3})+([.,]\d+)?$/.test(amountText) && /[.,' ].*[.,]/.test(amountText)) {
      throw new BankFileError(
        `${where('amount')}: "${amountText}" has a thousands separator; export plain amounts`,
      );
    }
    const amount = decimalToMinor(amountText, currency, where('amount'));
    account ??= get('account') || null;
    const reference = get('reference');
    entries.push({
      bookingDate: date,
      valueDate,
      amount,
      currency,
      reversal: false,
      bankReference: reference || null,
      entryReference: null,
      endToEndId: null,
      creditorReference: null,
      remittance: squash(get('remittance')),
      counterpartyName: get('counterparty') || null,
      counterpartyIban: get('iban').replace(/\s+/g, '').toUpperCase() || null,
      typeCode: null,
    });
  }
  const currency = entries[0]?.currency ?? options.currency ?? '';
  return {
    format: 'csv',
    version: null,
    statements: [
      {
        id: null,
        account: account ?? 'csv',
        currency,
        openingBalance: null,
        closingBalance: null,
        entries,
      },
    ],
  };
}
