import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DATE_FORMATS, isDateFormat, localDate } from '../../ledger/dates.ts';
import {
  COLUMNS,
  type ImportResult,
  importCsv,
  isImportKind,
  MAX_REPORTED_ERRORS,
  type RowError,
} from '../../ledger/import/index.ts';
import { storeImportedInvoicePdfs } from '../../messages/documents/index.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { loadConfig } from '../../platform/config.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';
import { progressBar } from '../progress.ts';

const MAX_LINES = 50;

/** `row 17, due_date "2024-13-01": not a date (…)` */
export function formatRowError(e: RowError): string {
  const where = e.column === null ? `row ${e.row}` : `row ${e.row}, ${e.column}`;
  const value = e.value === null ? '' : e.value === '' ? ' (empty)' : ` "${e.value}"`;
  return `${where}${e.column === null ? '' : value}: ${e.reason}`;
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}

export function summaryLine(r: ImportResult): string {
  return `${r.kind}: ${n(r.rows)} row${r.rows === 1 ? '' : 's'} — ${n(r.inserted)} inserted, ${n(r.updated)} updated, ${n(r.unchanged)} unchanged, ${n(r.rejectedRows)} rejected`;
}

function parseMap(entries: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0 || eq === entry.length - 1) {
      throw new UsageError(`--map ${entry}: write it as SOURCE=COLUMN, e.g. --map "Invoice No=number"`);
    }
    map[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return map;
}

export default defineCommand({
  summary: 'import customers, contacts, invoices, payments or credit-notes from CSV',
  usage: `Usage: dunwell import KIND FILE [--map SOURCE=COLUMN …] [--date-format FMT] [--dry-run] [--partial] [--create-customers] [--json]

KIND is customers, contacts, invoices, payments or credit-notes. FILE is CSV with a header
row (UTF-8, with or without BOM; ',' or ';' separated). Records are upserted by external_id:
importing the same file twice changes nothing.

Columns (names match case-insensitively; other columns are kept as custom fields):
${Object.entries(COLUMNS)
  .map(([kind, cols]) => `  ${kind.padEnd(13)} ${cols.join(', ')}`)
  .join('\n')}
  Invoices: external_id defaults to number, currency to the organisation's, due_date to
  issue_date + the customer's payment terms. Customer tags are separated by | or , inside
  the field. applied_to is INV-1:100.00;INV-2 (amounts optional).

Options:
  --map SOURCE=COLUMN   read the file's column SOURCE as COLUMN (repeatable)
  --date-format FMT     ${DATE_FORMATS.join(', ')} (default YYYY-MM-DD)
  --dry-run             check and count everything, write nothing
  --partial             import the valid rows even if some are rejected
  --create-customers    create a customer (named by its id) for unknown customer_external_id
  --json                print {"kind","rows","inserted","updated","unchanged","rejected"}

A file with any bad row is rejected whole (exit 1) unless --partial is given.`,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      map: { type: 'string', multiple: true },
      'date-format': { type: 'string' },
      'dry-run': { type: 'boolean' },
      partial: { type: 'boolean' },
      'create-customers': { type: 'boolean' },
    });
    const [kind, file, ...extra] = positionals;
    if (!kind || !file)
      throw new UsageError('import needs KIND and FILE: dunwell import invoices invoices.csv');
    if (extra.length > 0) throw new UsageError(`import takes one file; unexpected "${extra[0]}"`);
    if (!isImportKind(kind)) {
      throw new UserError(
        `unknown import kind "${kind}"; use customers, contacts, invoices, payments or credit-notes`,
      );
    }
    const dateFormat = values['date-format'];
    if (dateFormat !== undefined && !isDateFormat(dateFormat)) {
      throw new UserError(
        `--date-format ${dateFormat} is not supported; use one of ${DATE_FORMATS.join(', ')}`,
      );
    }
    const map = parseMap(values.map ?? []);
    try {
      const stat = statSync(file);
      if (stat.isDirectory()) throw new UserError(`${file} is a directory; give the path of a CSV file`);
    } catch (err) {
      if (err instanceof UserError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(
        code === 'ENOENT'
          ? `${file}: no such file; check the path`
          : `${file}: cannot be read (${code ?? (err as Error).message})`,
      );
    }

    const db = await ctx.db();
    const [org] = await db.query<{ time_zone: string }>('SELECT time_zone FROM organisation');
    const today = localDate(clockFromEnv(ctx.env).now(), org?.time_zone ?? 'UTC');
    const progress = progressBar(ctx.stderr, `importing ${kind}`, ctx.interactive);
    let result: ImportResult;
    try {
      result = await importCsv(db, kind, createReadStream(file), {
        actor: 'cli',
        today,
        dryRun: values['dry-run'] ?? false,
        partial: values.partial ?? false,
        createCustomers: values['create-customers'] ?? false,
        ...(dateFormat ? { dateFormat } : {}),
        map,
        onProgress: (rows) => progress.tick(rows),
      });
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${file}: ${err.message}`);
      throw err;
    } finally {
      progress.finish();
    }

    const failed = result.rejectedRows > 0 && !values.partial;
    if (ctx.json) {
      const { kind: k, rows, inserted, updated, unchanged, rejected } = result;
      ctx.printJson({ kind: k, rows, inserted, updated, unchanged, rejected });
    }
    if (!ctx.json) {
      for (const e of result.rejected.slice(0, MAX_LINES)) ctx.note(formatRowError(e));
      const hidden = result.rejected.length - MAX_LINES;
      if (hidden > 0) {
        const beyond =
          result.rejected.length >= MAX_REPORTED_ERRORS
            ? ` (only the first ${n(MAX_REPORTED_ERRORS)} errors are kept; ${n(result.rejectedRows)} rows were rejected)`
            : '';
        ctx.note(`… and ${n(hidden)} more${beyond}`);
      }
      ctx.print(summaryLine(result) + (values['dry-run'] ? ' (dry run: nothing was written)' : ''));
    }
    if (kind === 'invoices' && !values['dry-run'] && !failed && namesPdfs(file, map)) {
      // Invoice PDFs named by the file (pdf_path relative to the file's folder, or pdf_url):
      // each stored on its own; one that cannot be read is listed and keeps none of the others out.
      const pdfs = await storeImportedInvoicePdfs(db, {
        baseDir: dirname(resolve(file)),
        allowPrivateNetworks: loadConfig(ctx.env).allowPrivatePdfUrls,
      });
      const stored = pdfs.filter((p) => p.status === 'stored').length;
      for (const p of pdfs.filter((p) => p.status === 'failed')) {
        ctx.note(`invoice ${p.number}: PDF not stored: ${p.reason}`);
      }
      if (!ctx.json && pdfs.length > 0) {
        ctx.print(`invoice PDFs: ${n(stored)} stored, ${n(pdfs.length - stored)} not (listed above)`);
      }
    }
    if (failed) {
      ctx.note(
        `dunwell: ${file}: ${n(result.rejectedRows)} row${result.rejectedRows === 1 ? '' : 's'} rejected, nothing was written; ` +
          'fix them and import again, or use --partial to import the valid rows',
      );
      return 1;
    }
    return 0;
  },
});

/** True when the file's header (after --map) has a pdf_path or pdf_url column. */
function namesPdfs(file: string, map: Record<string, string>): boolean {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const header =
      buffer
        .toString('utf8', 0, length)
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/, 1)[0] ?? '';
    return header
      .split(/[;,]/)
      .map((cell) => cell.trim().replace(/^"|"$/g, ''))
      .map((name) => map[name] ?? name)
      .some((name) => name === 'pdf_path' || name === 'pdf_url');
  } finally {
    closeSync(fd);
  }
}
