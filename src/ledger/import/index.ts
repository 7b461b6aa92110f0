/**
 * Importing the ledger from the ERP (PRODUCT §2.1): customers, contacts, invoices, payments
 * and credit notes from CSV or from JSON records (the REST API), upserted by external_id.
 *
 * One transaction per import. Rows are read as a stream, validated by a pure function
 * (rows.ts) and bulk-loaded in batches into a TEMP staging table; references are resolved and
 * the upsert done set-based in SQL (store.ts). Any rejected row rolls the whole import back
 * unless `partial` is set; `dryRun` does everything and rolls back at the end. Memory stays
 * bounded: one batch of staged rows plus at most MAX_REPORTED_ERRORS errors.
 *
 * DUNWELL_IMPORT_PROFILE=1 prints the time of each phase to stderr (profile.ts).
 */
import type { Db, Tx } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import type { CalendarDate, DateFormat } from '../dates.ts';
import { type ImportProfile, importProfile } from './profile.ts';
import { readCsvRecords } from './reader.ts';
import {
  COLUMNS,
  HeaderError,
  type ImportKind,
  isImportKind,
  type RowError,
  resolveHeader,
  stagingLine,
  type ValidRow,
  validateRow,
} from './rows.ts';
import {
  APPLIED_TARGET,
  checkReferences,
  createMissingCustomers,
  createStaging,
  DEFER_INDEXES_MIN_ROWS,
  dropRejected,
  prepareStaging,
  recordImportEvents,
  STAGING_TARGET,
  sqlErrors,
  upsertRows,
} from './store.ts';

export { allocatePayment, numbersInReference } from '../allocation.ts';
export { COLUMNS, IMPORT_KINDS, isImportKind, REQUIRED } from './rows.ts';
export { customerCredit } from './store.ts';
export type { ImportKind, RowError };

export interface ImportOptions {
  /** timeline actor: 'cli', 'api:<key name>', 'demo' */
  actor: string;
  /** from the shell's clock: date of adjustments */
  today: CalendarDate;
  dryRun?: boolean;
  partial?: boolean;
  createCustomers?: boolean;
  dateFormat?: DateFormat;
  /** source column name → canonical column name */
  map?: Record<string, string>;
  onProgress?: (rowsRead: number) => void;
}

export interface ImportResult {
  kind: ImportKind;
  /** data rows read (blank lines not counted) */
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** the first MAX_REPORTED_ERRORS row errors, by row */
  rejected: RowError[];
  /** how many rows were rejected (rejected may hold several errors per row, and is capped) */
  rejectedRows: number;
}

/** Errors kept for the report; the rest are only counted. */
export const MAX_REPORTED_ERRORS = 10_000;
/** Rows per COPY into the staging table. */
const BATCH_ROWS = 20_000;

class Rollback extends Error {
  constructor(readonly result: ImportResult) {
    super('import rolled back');
  }
}

/** CSV text or stream (UTF-8, optional BOM, ',' or ';' detected). The header is row 1. */
export async function importCsv(
  db: Db,
  kind: ImportKind,
  input: NodeJS.ReadableStream | string,
  options: ImportOptions,
): Promise<ImportResult> {
  assertKind(kind);
  const batches = readCsvRecords(input);
  let first = await batches.next();
  // the header is the first record; the parser yields no empty batches, but be safe
  while (!first.done && first.value.length === 0) first = await batches.next();
  const header = first.done ? undefined : first.value[0];
  if (header === undefined || header.every((f) => f.trim() === '')) {
    await batches.return(undefined);
    throw new UserError(
      `is empty or has no header row; the first line must name the columns (${COLUMNS[kind].join(', ')})`,
    );
  }
  const rest = (first.value as string[][]).slice(1);
  async function* rows(): AsyncGenerator<string[][]> {
    if (rest.length > 0) yield rest;
    yield* batches;
  }
  return runImport(db, kind, header, rows(), options);
}

/**
 * The same validation and upsert for JSON records keyed by canonical column names (values
 * string | number | boolean | null | string[]); row = 1-based position in the array.
 */
export async function importRecords(
  db: Db,
  kind: ImportKind,
  records: readonly Record<string, unknown>[],
  options: ImportOptions,
): Promise<ImportResult> {
  assertKind(kind);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
    }
  }
  if (names.length === 0 && records.length === 0) names.push(...COLUMNS[kind]);
  records.forEach((record, i) => {
    for (const [key, value] of Object.entries(record)) {
      if (!isCellValue(value)) {
        throw new UserError(
          `record ${i + 1}, ${key}: must be a string, number, boolean, null or an array of strings`,
        );
      }
    }
  });
  function* rows(): Generator<string[][]> {
    for (let i = 0; i < records.length; i += 1000) {
      yield records.slice(i, i + 1000).map((record) => names.map((name) => recordValue(name, record[name])));
    }
  }
  // record i is row i (there is no header row to count)
  return runImport(db, kind, names, rows(), options, -1);
}

function isCellValue(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    ['string', 'number', 'boolean'].includes(typeof value) ||
    (Array.isArray(value) && value.every((v) => typeof v === 'string'))
  );
}

function recordValue(column: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  // tags are split on '|' and applied_to entries on ';'
  if (Array.isArray(value)) return value.join(column === 'tags' ? '|' : ';');
  return String(value);
}

function assertKind(kind: string): asserts kind is ImportKind {
  if (!isImportKind(kind)) {
    throw new UserError(
      `unknown import kind "${kind}"; use customers, contacts, invoices, payments or credit-notes`,
    );
  }
}

async function runImport(
  db: Db,
  kind: ImportKind,
  names: readonly string[],
  rows: AsyncIterable<string[][]> | Iterable<string[][]>,
  options: ImportOptions,
  rowOffset = 0,
): Promise<ImportResult> {
  let header: ReturnType<typeof resolveHeader>;
  try {
    header = resolveHeader(kind, names, options.map ?? {});
  } catch (err) {
    if (err instanceof HeaderError) throw new UserError(err.message);
    throw err;
  }
  const dateFormat = options.dateFormat ?? 'YYYY-MM-DD';
  const profile = importProfile(process.env.DUNWELL_IMPORT_PROFILE === '1', (line) =>
    process.stderr.write(`${line}\n`),
  );
  let read = 0;
  try {
    const result = await db.transaction(async (tx) => {
      const [org] = await tx.query<{ default_currency: string }>('SELECT default_currency FROM organisation');
      const ctx = { defaultCurrency: (org?.default_currency ?? 'EUR').trim(), dateFormat };
      await createStaging(tx, kind);

      const errors: RowError[] = [];
      let rejectedInFile = 0;
      let lineNo = 1 + rowOffset;
      const loader = batchLoader(tx, kind, profile);
      const loopStart = profile.now();
      let validating = 0n;
      for await (const batch of rows) {
        const t = profile.now();
        for (const fields of batch) {
          lineNo++;
          // a blank line is not a record (spreadsheets often end with some)
          if (isBlank(fields)) continue;
          read++;
          const checked = validateRow(header, fields, lineNo, ctx);
          if (checked.ok) loader.add(checked.value);
          else {
            rejectedInFile++;
            for (const e of checked.errors) if (errors.length < MAX_REPORTED_ERRORS) errors.push(e);
          }
          if (read % 1000 === 0) options.onProgress?.(read);
        }
        validating += profile.now() - t;
        if (loader.full()) await loader.flush();
      }
      await loader.finish();
      options.onProgress?.(read);
      profile.add('validate+format', validating);
      profile.add('read+parse', profile.now() - loopStart - validating - loader.spent());

      await profile.time('analyze staging', () => prepareStaging(tx));
      await profile.time('reference checks', () =>
        checkReferences(tx, kind, options.createCustomers ?? false),
      );
      const found = await sqlErrors(tx, MAX_REPORTED_ERRORS);
      const rejected = [...errors, ...found.errors]
        .sort((a, b) => a.row - b.row)
        .slice(0, MAX_REPORTED_ERRORS);
      const rejectedRows = rejectedInFile + found.rows;
      const none = { kind, rows: read, inserted: 0, updated: 0, unchanged: 0, rejected, rejectedRows };
      if (rejectedRows > 0 && !options.partial) throw new Rollback(none);
      if (found.rows > 0) await dropRejected(tx);
      if (options.createCustomers && kind !== 'customers') {
        await profile.time('create customers', () => createMissingCustomers(tx, kind, options.actor));
      }
      const present = new Set(header.canonical.keys());
      const { inserted, updated } = await upsertRows(
        tx,
        kind,
        present,
        header.custom.size > 0,
        options.today,
        profile,
        read - rejectedRows,
      );
      await profile.time('timeline', () => recordImportEvents(tx, kind, options.actor));
      const result: ImportResult = {
        kind,
        rows: read,
        inserted,
        updated,
        unchanged: read - rejectedRows - inserted - updated,
        rejected,
        rejectedRows,
      };
      if (options.dryRun) throw new Rollback(result);
      profile.add('commit', -profile.now());
      return result;
    });
    profile.add('commit', profile.now());
    if (result.inserted + result.updated >= DEFER_INDEXES_MIN_ROWS) {
      await profile.time('vacuum analyze', () => vacuumAfterBulkLoad(db, kind));
    }
    profile.report(`import ${kind}`, read);
    return result;
  } catch (err) {
    if (err instanceof Rollback) return err.result;
    if (err instanceof UserError) throw err;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22|23)/.test(code)) {
      // a constraint the validation did not foresee: still nothing was written
      throw new UserError(`the database refused the import (${(err as Error).message}); nothing was written`);
    }
    throw err;
  }
}

/** The tables an import of each kind writes in bulk. */
const BULK_LOAD_TABLES: Record<ImportKind, string> = {
  customers: 'customers',
  contacts: 'contacts',
  invoices: 'invoices, applications',
  payments: 'payments, applications, invoices',
  'credit-notes': 'credit_notes, applications, invoices',
};

/**
 * After a bulk load, statistics and the visibility map for the tables it wrote (what the
 * PostgreSQL manual advises after populating a database). Autovacuum gets there within
 * minutes; until then the planner guesses row counts and no index-only scan can skip the
 * table: `report metrics` right after a 1M-invoice import took 2.6× longer
 * (docs/decisions/0005-report-queries.md). VACUUM cannot run inside the import's
 * transaction, so it runs after the commit; should it fail, the committed import stands and
 * autovacuum does the work later.
 */
async function vacuumAfterBulkLoad(db: Db, kind: ImportKind): Promise<void> {
  try {
    await db.exec(`VACUUM (ANALYZE) ${BULK_LOAD_TABLES[kind]}`);
  } catch {
    // nothing to undo: statistics only
  }
}

function isBlank(fields: readonly string[]): boolean {
  for (const f of fields) if (f !== '' && f.trim() !== '') return false;
  return true;
}

/**
 * Collects staged rows into COPY batches. With PostgreSQL, one batch is sent while the next
 * is being parsed (the server does the COPY work in its own process).
 */
function batchLoader(tx: Tx, kind: ImportKind, profile: ImportProfile) {
  // Staged lines go straight into bytes: a string built by += keeps every line alive on the
  // JS heap until the batch is sent, and the garbage collector copies them again and again.
  const rows = new ByteText(4 << 20);
  let count = 0;
  let applied = '';
  let inflight: Promise<void> | null = null;
  let spent = 0n;
  const target = STAGING_TARGET(kind);
  const wait = async () => {
    if (!inflight) return;
    const t = profile.now();
    await inflight;
    const d = profile.now() - t;
    spent += d;
    profile.add('COPY to staging (wait)', d);
    inflight = null;
  };
  const flush = async () => {
    await wait();
    if (count === 0 && applied === '') return;
    const csv = rows.take();
    const appliedCsv = applied;
    count = 0;
    applied = '';
    const send = async () => {
      if (csv !== '') await tx.copyCsv(target, csv);
      if (appliedCsv !== '') await tx.copyCsv(APPLIED_TARGET, appliedCsv);
    };
    const t = profile.now();
    inflight = send();
    // awaited before the next batch or at the end; until then keep it from being "unhandled"
    inflight.catch(() => {});
    // PGlite runs the COPY on this thread before send() returns: count that part too
    const d = profile.now() - t;
    spent += d;
    profile.add('COPY to staging (wait)', d);
  };
  return {
    /** Formats one row for COPY (sent by `flush`). */
    add(row: ValidRow) {
      rows.append(stagingLine(row));
      count++;
      for (let seq = 0; seq < row.appliedTo.length; seq++) {
        const entry = row.appliedTo[seq]!;
        applied += `${row.row},${seq},"${entry.number.replace(/"/g, '""')}",${entry.amount ?? ''}\n`;
      }
    },
    full: () => count >= BATCH_ROWS,
    flush,
    async finish() {
      await flush();
      await wait();
    },
    /** time spent formatting and copying (not reading) */
    spent: () => spent,
  };
}

/** UTF-8 text appended into a growing Buffer, taken out as one flat string. */
class ByteText {
  private buf: Buffer;
  private length = 0;
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  append(text: string): void {
    // a UTF-16 code unit is at most 3 UTF-8 bytes
    if (this.length + text.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + text.length * 3));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length);
  }
  take(): string {
    const text = this.buf.toString('utf8', 0, this.length);
    this.length = 0;
    return text;
  }
}
