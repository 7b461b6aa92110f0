/**
 * The benchmark ledger the web and load suites run against: the import bench's 1,000,000
 * invoices over 100,000 customers (bench-data/import-1000000, generated once), imported through
 * the real CLI, plus one billing contact per customer, the demo defaults (the default campaigns
 * and the shipped templates), an engine run for the ledger's "today" (so the outbox, forecast,
 * tasks and timelines hold realistic content), three users (admin, collector, viewer) and an
 * API key.
 *
 * It is built once and reused: on PostgreSQL the database `dunwell_bench_ledger_1m`, on PGlite
 * the directory bench-data/ledger-1m-pglite; what a suite needs to use it (passwords, the API
 * key, the portal secret) is in bench-data/ledger-1m[-pglite].json. `--rebuild` builds it anew.
 *
 * The ledger's clock is pinned (LEDGER_NOW, the day after its newest invoice): the engine run
 * and every server the suites start use DUNWELL_NOW, so "overdue", the forecast and the
 * outbox look like a working day of this ledger rather than a year after it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { applyDemoDefaults } from '../../src/demo/index.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { addUser } from '../../src/users/users.ts';
import { generate } from '../import.ts';
import type { BenchEngine } from './engines.ts';
import { adminQuery } from './engines.ts';
import { type MeasuredRun, runMeasured } from './measure.ts';
import { BENCH_DATA, REPO_ROOT } from './report.ts';

export const LEDGER_INVOICES = 1_000_000;
export const LEDGER_DATABASE = 'dunwell_bench_ledger_1m';
/** The ledger's "now": the newest invoice is issued 2025-11-30. */
export const LEDGER_NOW = '2025-12-01T09:00:00Z';
export const LEDGER_TODAY = LEDGER_NOW.slice(0, 10);
/** Bumped when what the build writes changes, so an older cached ledger is rebuilt. */
const LEDGER_VERSION = 1;

export interface LedgerUser {
  email: string;
  password: string;
  role: 'admin' | 'collector' | 'viewer';
}

export interface BenchLedger {
  engine: BenchEngine;
  /** what `--db` takes: a postgres:// URL or a PGlite directory */
  store: string;
  version: number;
  built_at: string;
  build_seconds: number;
  now: string;
  users: LedgerUser[];
  /** an API key (bench-data only, a local benchmark database) */
  api_key: string;
  /** DUNWELL_SECRET_KEY for the servers (portal links are signed with it) */
  secret_key: string;
  customers: number;
  invoices: number;
  engine_run: unknown;
}

function infoPath(engine: BenchEngine): string {
  return join(BENCH_DATA, engine === 'postgres' ? 'ledger-1m.json' : 'ledger-1m-pglite.json');
}

function storeFor(engine: BenchEngine, adminUrl: string): string {
  if (engine === 'pglite') return join(BENCH_DATA, 'ledger-1m-pglite');
  const url = new URL(adminUrl);
  url.pathname = `/${LEDGER_DATABASE}`;
  return url.toString();
}

async function databaseExists(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: adminUrl,
    user: new URL(adminUrl).username || 'postgres',
  });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [LEDGER_DATABASE]);
    return (r.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** The cached ledger when it is there and complete, else null. */
async function cached(engine: BenchEngine, adminUrl: string): Promise<BenchLedger | null> {
  const path = infoPath(engine);
  if (!existsSync(path)) return null;
  const info = JSON.parse(readFileSync(path, 'utf8')) as BenchLedger;
  if (info.version !== LEDGER_VERSION) return null;
  if (engine === 'postgres' ? !(await databaseExists(adminUrl)) : !existsSync(info.store)) return null;
  const db = await openDatabase(info.store);
  try {
    const [row] = await db.query<{ built: string | null }>(
      `SELECT settings -> 'bench_ledger' ->> 'built_at' AS built FROM organisation WHERE id = 1`,
    );
    return row?.built === info.built_at ? info : null;
  } finally {
    await db.close();
  }
}

function dunwell(args: string[], env: NodeJS.ProcessEnv = {}): Promise<MeasuredRun> {
  return runMeasured(process.execPath, [join(REPO_ROOT, 'bin', 'dunwell'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
}

function check(run: MeasuredRun, what: string): void {
  if (run.code !== 0) throw new Error(`${what} failed (exit ${run.code}): ${run.stderr.slice(0, 2000)}`);
}

/** Stage 1 (the slow one): customers, one billing contact each, invoices — through the CLI. */
async function importLedger(store: string, note: (line: string) => void): Promise<void> {
  note('generating (reused when present) …');
  const files = await generate(LEDGER_INVOICES);
  const contacts = join(files.dir, 'contacts.csv');
  if (!existsSync(contacts)) {
    const lines = ['external_id,customer_external_id,name,email,role'];
    for (let i = 1; i <= files.customerCount; i++) {
      const c = `C${String(i).padStart(7, '0')}`;
      lines.push(`K${c},${c},Accounts payable,ap@${c.toLowerCase()}.example,billing`);
    }
    writeFileSync(contacts, `${lines.join('\n')}\n`);
  }
  for (const [kind, file] of [
    ['customers', files.customers],
    ['contacts', contacts],
    ['invoices', files.invoices],
  ] as const) {
    note(`importing ${kind} …`);
    check(await dunwell(['import', kind, file, '--db', store, '--json']), `import ${kind}`);
  }
  const db = await openDatabase(store);
  try {
    await db.execute(
      `UPDATE organisation SET settings = settings || jsonb_build_object('bench_ledger_imported', $1::int) WHERE id = 1`,
      [LEDGER_VERSION],
    );
  } finally {
    await db.close();
  }
}

/** Whether an earlier build got through the imports (so a failed later step need not redo them). */
async function importedAlready(engine: BenchEngine, store: string, adminUrl: string): Promise<boolean> {
  if (engine === 'postgres' ? !(await databaseExists(adminUrl)) : !existsSync(store)) return false;
  const db = await openDatabase(store);
  try {
    const [row] = await db.query<{ v: number | null }>(
      `SELECT (settings ->> 'bench_ledger_imported')::int AS v FROM organisation WHERE id = 1`,
    );
    return row?.v === LEDGER_VERSION;
  } finally {
    await db.close();
  }
}

/** The cached benchmark ledger, built first when it is missing, outdated or `rebuild` is set. */
export async function benchLedger(
  engine: BenchEngine,
  options: { adminUrl: string; rebuild: boolean; note: (line: string) => void },
): Promise<BenchLedger> {
  if (!options.rebuild) {
    const found = await cached(engine, options.adminUrl);
    if (found) {
      options.note(`${engine}: reusing the benchmark ledger ${found.store} (built ${found.built_at})`);
      return found;
    }
  }
  const started = performance.now();
  const store = storeFor(engine, options.adminUrl);
  const note = (line: string) => options.note(`${engine} ledger: ${line}`);
  rmSync(infoPath(engine), { force: true });
  if (options.rebuild || !(await importedAlready(engine, store, options.adminUrl))) {
    if (engine === 'postgres') {
      await adminQuery(options.adminUrl, `DROP DATABASE IF EXISTS ${LEDGER_DATABASE} WITH (FORCE)`);
      await adminQuery(options.adminUrl, `CREATE DATABASE ${LEDGER_DATABASE}`);
    } else {
      rmSync(store, { recursive: true, force: true });
    }
    await importLedger(store, note);
  } else {
    note('the imports are there (an earlier build stopped after them); continuing');
  }

  const secretKey = randomBytes(32).toString('base64url');
  const users: LedgerUser[] = (['admin', 'collector', 'viewer'] as const).map((role) => ({
    email: `bench-${role}@example.com`,
    password: randomBytes(18).toString('base64url'),
    role,
  }));
  let apiKey = '';
  {
    const db = await openDatabase(store);
    try {
      note('demo defaults (campaigns, templates), users, API key …');
      await applyDemoDefaults(db);
      for (const u of users) await addUser(db, { email: u.email, role: u.role, password: u.password });
      apiKey = (await createApiKey(db, 'bench')).key;
    } finally {
      await db.close();
    }
  }

  note(`engine run for ${LEDGER_TODAY} …`);
  const run = await dunwell(['run', '--date', LEDGER_TODAY, '--no-send', '--json', '--db', store], {
    DUNWELL_NOW: LEDGER_NOW,
  });
  check(run, 'dunwell run');
  const engineRun = JSON.parse(run.stdout) as unknown;

  const builtAt = new Date().toISOString();
  const db = await openDatabase(store);
  let counts: { customers: number; invoices: number };
  try {
    if (engine === 'postgres') await db.exec('VACUUM (ANALYZE)');
    else await db.exec('ANALYZE');
    await db.execute(
      `UPDATE organisation SET settings = settings || jsonb_build_object('bench_ledger', $1::jsonb) WHERE id = 1`,
      [JSON.stringify({ built_at: builtAt, version: LEDGER_VERSION })],
    );
    const [row] = await db.query<{ customers: number; invoices: number }>(
      `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM invoices)::int AS invoices`,
    );
    counts = row ?? { customers: 0, invoices: 0 };
  } finally {
    await db.close();
  }
  const info: BenchLedger = {
    engine,
    store,
    version: LEDGER_VERSION,
    built_at: builtAt,
    build_seconds: Math.round((performance.now() - started) / 100) / 10,
    now: LEDGER_NOW,
    users,
    api_key: apiKey,
    secret_key: secretKey,
    customers: counts.customers,
    invoices: counts.invoices,
    engine_run: engineRun,
  };
  writeFileSync(infoPath(engine), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  note(`built in ${info.build_seconds} s`);
  return info;
}
