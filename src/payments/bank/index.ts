/**
 * The bank-statement port: `parseBankFile(bytes, options) → ParsedFile`, one pure function
 * over every supported format. The format is given or detected from the content:
 * an ISO 20022 camt namespace, a BAI2 file header (01,), MT940 fields (:20: and :25:), else
 * CSV with a header row.
 */
import { looksLikeBai2, parseBai2 } from './bai2.ts';
import { looksLikeCamt, parseCamt } from './camt.ts';
import { type CsvOptions, parseBankCsv } from './csv.ts';
import { BankFileError, type BankFormat, type ParsedFile } from './model.ts';
import { looksLikeMt940, parseMt940 } from './mt940.ts';

export { CSV_COLUMNS, type CsvOptions } from './csv.ts';
export {
  BANK_FORMATS,
  type BankEntry,
  BankFileError,
  type BankFormat,
  isBankFormat,
  type ParsedFile,
  type Statement,
} from './model.ts';

export function detectFormat(bytes: Uint8Array | string): BankFormat {
  const head =
    typeof bytes === 'string' ? bytes.slice(0, 8000) : new TextDecoder('latin1').decode(bytes.slice(0, 8000));
  if (looksLikeCamt(head)) {
    const m = /camt\.(05[234])\./.exec(head);
    return `camt.${m?.[1] ?? '053'}` as BankFormat;
  }
  if (/^\s*<\?xml|^\s*</.test(head)) {
    throw new BankFileError(
      'the file is XML but not an ISO 20022 camt.052/053/054 message (no camt namespace)',
    );
  }
  if (looksLikeBai2(head)) return 'bai2';
  if (looksLikeMt940(head)) return 'mt940';
  return 'csv';
}

/**
 * Reads a bank file. `format` forces a parser (camt.052/053/054 all go to the camt parser,
 * which then checks the namespace); otherwise it is detected.
 */
export function parseBankFile(
  bytes: Uint8Array | string,
  options: { format?: BankFormat; csv?: CsvOptions } = {},
): ParsedFile {
  const format = options.format ?? detectFormat(bytes);
  switch (format) {
    case 'camt.052':
    case 'camt.053':
    case 'camt.054': {
      const parsed = parseCamt(bytes);
      if (options.format && parsed.format !== options.format) {
        throw new BankFileError(
          `--format ${options.format} was given, but the file is a ${parsed.format} message`,
        );
      }
      return parsed;
    }
    case 'mt940':
      return parseMt940(bytes);
    case 'bai2':
      return parseBai2(bytes);
    case 'csv':
      return parseBankCsv(bytes, options.csv);
  }
}
