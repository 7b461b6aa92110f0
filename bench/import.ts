/**
 * `dunwell bench import [--rows N] [--engines pglite,postgres] [--keep] [--pg-url URL]`
 *
 * Generates a deterministic ERP export of N invoices (default 1,000,000) over N/10 customers
 * into bench-data/, imports customers then invoices through the real CLI path
 * (`./bin/dunwell import … --json`, a child process whose peak RSS is sampled from /proc), into
 * a fresh PGlite directory and a fresh PostgreSQL database, and next to it bulk-loads the same
 * invoice file with a raw `COPY` into a bare table with the same columns on the same engine.
 * A second baseline COPYs the rows as the import stored them into a table like `invoices`
 * (its indexes, foreign key and balance triggers). The imports run with
 * DUNWELL_IMPORT_PROFILE=1, so the result also holds their per-phase timings.
 * Prints a table and writes bench-results/import.json.
 *
 * The invoice mix: 75 % open (balance = amount), 15 % partly paid, 10 % paid, so a quarter of
 * the rows also get a balance adjustment, as a real AR export would.
 */

import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openAsBlob,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { parseFlags } from '../src/cli/command.ts';
import { formatAmount } from '../src/ledger/money.ts';
import { openDatabase } from '../src/platform/db/index.ts';
import { UsageError } from '../src/platform/errors.ts';
import { metricsReport } from '../src/reports/index.ts';
import type { BenchContext } from './support/context.ts';
import { adminQuery, DEFAULT_ADMIN_URL, parseEngines } from './support/engines.ts';
import { formatBytes, type MeasuredRun, runMeasured, timed } from './support/measure.ts';
import { BENCH_DATA, formatTable, REPO_ROOT, rate, writeResult } from './support/report.ts';

export const summary =
  'import N invoices (CLI path) vs a raw COPY of the same rows, on PGlite and PostgreSQL';

const RAW_TABLE = `bench_raw_invoices (
  external_id text, customer_external_id text, number text, issue_date date, due_date date,
  currency char(3), amount numeric, balance numeric, po_number text, status text)`;
const RAW_COPY = 'COPY bench_raw_invoices FROM %SOURCE% WITH (FORMAT csv, HEADER true)';

/** mulberry32: a small deterministic PRNG, so every run imports the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once('drain', () => r()));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

const DAY = 86_400_000;
const dateAt = (base: number, days: number) => new Date(base + days * DAY).toISOString().slice(0, 10);

/** Writes customers.csv and invoices.csv for `rows` invoices unless they are already there. */
export async function generate(
  rows: number,
): Promise<{ dir: string; customers: string; invoices: string; customerCount: number }> {
  const customerCount = Math.max(1, Math.floor(rows / 10));
  const dir = join(BENCH_DATA, `import-${rows}`);
  const customers = join(dir, 'customers.csv');
  const invoices = join(dir, 'invoices.csv');
  const done = join(dir, '.complete');
  if (existsSync(done)) return { dir, customers, invoices, customerCount };
  mkdirSync(dir, { recursive: true });
  const random = prng(20261125);
  const currencies: string[] = [];
  const terms: number[] = [];
  await writeLines(
    customers,
    (function* () {
      yield 'external_id,name,currency,payment_terms_days,tags,priority\n';
      for (let i = 1; i <= customerCount; i++) {
        const r = random();
        const currency = r < 0.9 ? 'EUR' : r < 0.98 ? 'USD' : 'JPY';
        const term = [14, 30, 30, 45, 60][Math.floor(random() * 5)]!;
        currencies.push(currency);
        terms.push(term);
        const tags = random() < 0.3 ? 'wholesale|eu' : '';
        const priority = random() < 0.1 ? 'high' : 'normal';
        yield `C${String(i).padStart(7, '0')},"Customer ${i}, Ltd.",${currency},${term},${tags},${priority}\n`;
      }
    })(),
  );
  const base = Date.UTC(2024, 0, 1);
  await writeLines(
    invoices,
    (function* () {
      yield 'external_id,customer_external_id,number,issue_date,due_date,currency,amount,balance,po_number,status\n';
      for (let i = 1; i <= rows; i++) {
        const c = Math.floor(random() * customerCount);
        const currency = currencies[c]!;
        const issue = Math.floor(random() * 700);
        const minor = 1000 + Math.floor(random() * 5_000_000);
        const r = random();
        const balance = r < 0.75 ? minor : r < 0.9 ? Math.floor(minor * random()) : 0;
        const status = balance === 0 ? 'paid' : 'open';
        const number = `INV-${String(i).padStart(7, '0')}`;
        const po = random() < 0.5 ? `PO-${i}` : '';
        yield `${number},C${String(c + 1).padStart(7, '0')},${number},${dateAt(base, issue)},${dateAt(base, issue + terms[c]!)},${currency},${formatAmount(minor, currency)},${formatAmount(balance, currency)},${po},${status}\n`;
      }
    })(),
  );
  writeFileSync(done, new Date().toISOString());
  return { dir, customers, invoices, customerCount };
}

interface Step {
  engine: 'pglite' | 'postgres';
  step: string;
  rows: number;
  seconds: number;
  peak_rss_bytes: number | null;
  ratio_to_raw_copy?: number;
  /** import invoices ÷ the COPY into a table like invoices */
  ratio_to_like_copy?: number;
  /** DUNWELL_IMPORT_PROFILE's line from the import: seconds per phase inside the process */
  profile?: string;
}

function dunwellImport(kind: string, file: string, target: string): Promise<MeasuredRun> {
  return runMeasured(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'dunwell'), 'import', kind, file, '--db', target, '--json'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, DUNWELL_IMPORT_PROFILE: '1' },
    },
  );
}

function profileLine(stderr: string): string | undefined {
  return stderr
    .split('\n')
    .find((l) => l.startsWith('dunwell import profile: '))
    ?.slice('dunwell import profile: '.length);
}

function checkImport(run: MeasuredRun, kind: string, expected: number): void {
  if (run.code !== 0)
    throw new Error(`import ${kind} failed (exit ${run.code}): ${run.stderr.slice(0, 2000)}`);
  const out = JSON.parse(run.stdout) as { inserted: number; rejected: unknown[] };
  if (out.inserted !== expected) {
    throw new Error(
      `import ${kind}: expected ${expected} inserted, got ${JSON.stringify(out).slice(0, 500)}`,
    );
  }
}

async function importSteps(
  engine: Step['engine'],
  target: string,
  files: Awaited<ReturnType<typeof generate>>,
  rows: number,
  note: (line: string) => void,
): Promise<Step[]> {
  note(`${engine}: importing ${files.customerCount.toLocaleString('en-US')} customers …`);
  const customers = await dunwellImport('customers', files.customers, target);
  checkImport(customers, 'customers', files.customerCount);
  note(`${engine}: importing ${rows.toLocaleString('en-US')} invoices …`);
  const invoices = await dunwellImport('invoices', files.invoices, target);
  checkImport(invoices, 'invoices', rows);
  // process start, tsx, opening the store and an empty import: the fixed cost inside the figures above
  const empty = join(files.dir, 'empty-invoices.csv');
  writeFileSync(empty, 'external_id,customer_external_id,number,issue_date,amount\n');
  const startup = await dunwellImport('invoices', empty, target);
  if (startup.code !== 0) throw new Error(`empty import failed: ${startup.stderr}`);
  note(`${engine}: COPY of the imported rows into a table like invoices …`);
  const exported = join(files.dir, `invoices-as-stored-${engine}.csv`);
  const like =
    engine === 'pglite' ? await likeCopyPglite(target, exported) : await likeCopyPostgres(target, exported);
  rmSync(exported, { force: true });
  note(`${engine}: report metrics over the imported ledger …`);
  const metrics = await timeMetricsReport(target);
  return [
    { engine, step: 'COPY into a table like invoices', rows, seconds: like, peak_rss_bytes: null },
    {
      engine,
      step: `report metrics (as of ${metrics.asOf}, median of 3, load ${metrics.load})`,
      rows,
      seconds: metrics.seconds,
      peak_rss_bytes: null,
    },
    {
      engine,
      step: 'import customers',
      rows: files.customerCount,
      seconds: customers.seconds,
      peak_rss_bytes: customers.peakRss,
      profile: profileLine(customers.stderr),
    },
    {
      engine,
      step: 'import invoices',
      rows,
      seconds: invoices.seconds,
      peak_rss_bytes: invoices.peakRss,
      profile: profileLine(invoices.stderr),
    },
    {
      engine,
      step: 'startup + empty import',
      rows: 0,
      seconds: startup.seconds,
      peak_rss_bytes: startup.peakRss,
    },
  ];
}

/**
 * The issue's third figure: `report metrics` over the ledger just imported, as of its newest
 * issue date with the default 90-day period — the library call the CLI and API make, timed
 * in-process (the child-process start-up is already the "startup" row), median of three.
 * As of that date every adjustment the import wrote (dated the import day) is still in the
 * future, so the AR query adds all of them back: the report's worst case on this ledger.
 * The machine's 1-minute load average before and after is part of the figure.
 */
async function timeMetricsReport(target: string): Promise<{ asOf: string; seconds: number; load: string }> {
  const loadBefore = loadavg()[0] ?? 0;
  const db = await openDatabase(target);
  try {
    const [row] = await db.query<{ as_of: string }>('SELECT max(issue_date) AS as_of FROM invoices');
    const asOf = row?.as_of;
    if (!asOf) throw new Error('no invoices to report on');
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await metricsReport(db, { asOf, periodDays: 90 });
      times.push((performance.now() - started) / 1000);
    }
    times.sort((a, b) => a - b);
    return { asOf, seconds: times[1]!, load: `${loadBefore.toFixed(1)}→${(loadavg()[0] ?? 0).toFixed(1)}` };
  } finally {
    await db.close();
  }
}

async function rawCopyPglite(dir: string, file: string): Promise<number> {
  const db = await PGlite.create(dir);
  try {
    await db.exec(`CREATE TABLE ${RAW_TABLE}`);
    const { seconds } = await timed(async () => {
      await db.query(RAW_COPY.replace('%SOURCE%', "'/dev/blob'"), [], { blob: await openAsBlob(file) });
    });
    return seconds;
  } finally {
    await db.close();
  }
}

async function rawCopyPostgres(url: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, user: new URL(url).username || 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE TABLE ${RAW_TABLE}`);
    const { seconds } = await timed(async () => {
      await pipeline(
        createReadStream(file),
        client.query(copyStreams.from(RAW_COPY.replace('%SOURCE%', 'STDIN'))),
      );
    });
    return seconds;
  } finally {
    await client.end();
  }
}

/**
 * The second, honest baseline: the rows the import wrote, exported from `invoices` and bulk
 * loaded with one COPY into a table like it — the same columns, defaults, checks and every
 * index (`LIKE … INCLUDING ALL`), plus what LIKE leaves out: the foreign key to customers and
 * the invoice balance triggers. The COPY runs like the import's upsert (balance_refresh 'off',
 * balances supplied), so the triggers' WHEN clauses skip them just as they do for the import.
 * What it leaves out: reading and validating the file, staging, the upsert's conflict checks,
 * the adjustments and the timeline.
 */
const LIKE_COLUMNS =
  'external_id, customer_id, number, issue_date, due_date, currency, amount, open_balance, settled_on, po_number, status, disputed, custom_fields';
const LIKE_SETUP = `
  CREATE TABLE bench_invoices_like (LIKE invoices INCLUDING ALL);
  ALTER TABLE bench_invoices_like ADD FOREIGN KEY (customer_id) REFERENCES customers (id);
  CREATE TRIGGER bench_balance_insert BEFORE INSERT ON bench_invoices_like FOR EACH ROW
    WHEN (NEW.open_balance IS NULL OR current_setting('dunwell.balance_refresh', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION invoices_balance_on_write();
  CREATE TRIGGER bench_balance_update BEFORE UPDATE OF amount ON bench_invoices_like FOR EACH ROW
    WHEN (OLD.amount IS DISTINCT FROM NEW.amount AND current_setting('dunwell.balance_refresh', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION invoices_balance_on_write();`;
const LIKE_EXPORT = `COPY (SELECT ${LIKE_COLUMNS} FROM invoices ORDER BY id) TO %TARGET% WITH (FORMAT csv)`;
const LIKE_COPY = `COPY bench_invoices_like (${LIKE_COLUMNS}) FROM %SOURCE% WITH (FORMAT csv)`;
const LIKE_DROP = 'DROP TABLE bench_invoices_like';

async function likeCopyPglite(dir: string, file: string): Promise<number> {
  const db = await PGlite.create(dir);
  try {
    const out = await db.query(LIKE_EXPORT.replace('%TARGET%', "'/dev/blob'"));
    if (!out.blob) throw new Error('PGlite returned no blob for COPY TO');
    writeFileSync(file, Buffer.from(await out.blob.arrayBuffer()));
    await db.exec(LIKE_SETUP);
    const { seconds } = await timed(() =>
      db.transaction(async (tx) => {
        await tx.query("SELECT set_config('dunwell.balance_refresh', 'off', true)");
        await tx.query(LIKE_COPY.replace('%SOURCE%', "'/dev/blob'"), [], { blob: await openAsBlob(file) });
      }),
    );
    await db.exec(LIKE_DROP);
    return seconds;
  } finally {
    await db.close();
  }
}

async function likeCopyPostgres(url: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, user: new URL(url).username || 'postgres' });
  await client.connect();
  try {
    await pipeline(
      client.query(copyStreams.to(LIKE_EXPORT.replace('%TARGET%', 'STDOUT'))),
      createWriteStream(file),
    );
    await client.query(LIKE_SETUP);
    const { seconds } = await timed(async () => {
      await client.query('BEGIN');
      await client.query("SELECT set_config('dunwell.balance_refresh', 'off', true)");
      await pipeline(
        createReadStream(file),
        client.query(copyStreams.from(LIKE_COPY.replace('%SOURCE%', 'STDIN'))),
      );
      await client.query('COMMIT');
    });
    await client.query(LIKE_DROP);
    return seconds;
  } finally {
    await client.end();
  }
}

export async function run(ctx: BenchContext): Promise<number> {
  const { values } = parseFlags(
    ctx.argv,
    {
      rows: { type: 'string' },
      engines: { type: 'string' },
      keep: { type: 'boolean' },
      'pg-url': { type: 'string' },
    },
    false,
  );
  const rows = Number(values.rows ?? 1_000_000);
  if (!Number.isSafeInteger(rows) || rows < 10) throw new UsageError('--rows must be a whole number ≥ 10');
  const engines = parseEngines(values.engines);
  const adminUrl = values['pg-url'] ?? DEFAULT_ADMIN_URL;
  const keep = values.keep ?? false;

  ctx.note(`generating ${rows.toLocaleString('en-US')} invoices into bench-data/ (reused when present) …`);
  const files = await generate(rows);
  const stamp = Date.now().toString(36);
  const steps: Step[] = [];
  const raw: Record<string, number> = {};

  for (const engine of engines) {
    if (engine === 'pglite') {
      const store = join(BENCH_DATA, `pglite-${stamp}`);
      const rawDir = join(BENCH_DATA, `pglite-raw-${stamp}`);
      try {
        ctx.note('pglite: raw COPY …');
        raw.pglite = await rawCopyPglite(rawDir, files.invoices);
        steps.push({ engine, step: 'raw COPY invoices', rows, seconds: raw.pglite, peak_rss_bytes: null });
        steps.push(...(await importSteps(engine, store, files, rows, ctx.note)));
      } finally {
        if (!keep) {
          rmSync(store, { recursive: true, force: true });
          rmSync(rawDir, { recursive: true, force: true });
        }
      }
    } else {
      const name = `dunwell_bench_${stamp}`;
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
      try {
        ctx.note(`postgres: raw COPY into ${name} …`);
        raw.postgres = await rawCopyPostgres(url.toString(), files.invoices);
        steps.push({
          engine: 'postgres',
          step: 'raw COPY invoices',
          rows,
          seconds: raw.postgres,
          peak_rss_bytes: null,
        });
        steps.push(...(await importSteps('postgres', url.toString(), files, rows, ctx.note)));
      } finally {
        if (!keep) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        else ctx.note(`kept database ${url.toString()}`);
      }
    }
  }

  for (const s of steps) {
    const baseline = raw[s.engine];
    if (s.step === 'import invoices' && baseline) s.ratio_to_raw_copy = s.seconds / baseline;
    const like = steps.find((x) => x.engine === s.engine && x.step === 'COPY into a table like invoices');
    if (s.step === 'import invoices' && like) s.ratio_to_like_copy = s.seconds / like.seconds;
  }
  const table = formatTable(
    ['engine', 'step', 'rows', 'seconds', 'rows/s', 'vs raw COPY', 'vs like-COPY', 'peak RSS'],
    steps.map((s) => [
      s.engine,
      s.step,
      s.rows.toLocaleString('en-US'),
      s.seconds.toFixed(2),
      s.rows > 0 ? rate(s.rows, s.seconds) : '',
      s.ratio_to_raw_copy ? `${s.ratio_to_raw_copy.toFixed(2)}×` : s.step.startsWith('raw') ? '1.00×' : '',
      s.ratio_to_like_copy
        ? `${s.ratio_to_like_copy.toFixed(2)}×`
        : s.step.startsWith('COPY into')
          ? '1.00×'
          : '',
      s.peak_rss_bytes === null ? '' : formatBytes(s.peak_rss_bytes),
    ]),
    2,
  );
  const path = writeResult('import', {
    command: `npm run bench -- import --rows ${rows} --engines ${engines.join(',')}`,
    rows,
    customers: files.customerCount,
    goals: { ratio_to_raw_copy: 1.3, peak_rss_postgres_bytes: 512 * 1024 * 1024 },
    steps,
  });
  if (ctx.json) ctx.printJson({ rows, steps });
  ctx.print(table);
  ctx.print('');
  ctx.print(
    'Peak RSS is the Dunwell process (VmHWM); "startup + empty import" is the fixed cost inside each import row.',
  );
  ctx.print(
    '"like-COPY": the imported rows COPYed into a table with invoices\' indexes, foreign key and triggers.',
  );
  for (const s of steps) if (s.profile) ctx.print(`${s.engine} ${s.profile}`);
  ctx.print(`Written: ${path}`);
  return 0;
}
