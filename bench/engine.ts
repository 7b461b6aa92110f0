/**
 * `dunwell bench engine [--customers N] [--invoices N] [--engines pglite,postgres] [--keep] [--pg-url URL]`
 *
 * Builds a ledger directly with SQL generate_series (default 100,000 customers and 1,000,000
 * open invoices whose due dates spread over 150 days around the run day), applies the default
 * campaigns, then times the real CLI path `./bin/dunwell run --date D --no-send --json` in a
 * child process (its peak RSS sampled from /proc/<pid>/status VmHWM) for two days:
 *   - day 1: the first run over the whole ledger (R3 catch-up writes a skipped slot for every
 *     step an old invoice can no longer get — the heaviest day there is);
 *   - day 2: the next day (the steady state: a steady day plans only the customers with a
 *     slot falling due, changed data, an event or something left pending — decision 0006).
 * Next to it, in the same run and on the same engine: a bare SQL pass that reads the same open
 * invoice rows through a cursor, and the start-up cost of the CLI (a trivial command on the
 * same database), which the engine figures are also given without.
 * Prints a table and writes bench-results/engine.json. With DUNWELL_ENGINE_PROFILE=1 in the
 * environment it also prints each run's phase totals (and, for a steady day, why each
 * customer was chosen).
 */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CAMPAIGNS_PATH } from '../src/campaigns/definition.ts';
import { applyCampaignFile } from '../src/campaigns/store.ts';
import { parseFlags } from '../src/cli/command.ts';
import { addDays } from '../src/ledger/dates.ts';
import { type Db, openDatabase } from '../src/platform/db/index.ts';
import type { BenchContext } from './support/context.ts';
import { DEFAULT_ADMIN_URL, forEachEngine, parseEngines, positive } from './support/engines.ts';
import { formatBytes, type MeasuredRun, runMeasured, timed } from './support/measure.ts';
import { formatTable, machine, REPO_ROOT, writeResult } from './support/report.ts';

export const summary = 'plan and write one engine day over N customers / M invoices vs a bare SQL pass';

/** A Wednesday; due dates run from D − 120 to D + 29. */
const DAY_ONE = '2026-11-25';
const DAY_TWO = addDays(DAY_ONE, 1);

export async function generate(db: Db, customers: number, invoices: number): Promise<void> {
  await db.exec(`
    INSERT INTO customers (external_id, name, tags, priority, created_at)
      SELECT 'C' || g, 'Customer ' || g,
             CASE WHEN g % 20 = 0 THEN '{key-account}'::text[] ELSE '{}'::text[] END,
             CASE WHEN g % 10 = 0 THEN 'high' ELSE 'normal' END,
             '2025-01-01T08:00:00Z'
        FROM generate_series(1, ${customers}) g;
    INSERT INTO contacts (external_id, customer_id, name, email, role)
      SELECT 'K' || c.id, c.id, 'Accounts payable', 'ap' || c.id || '@customer' || c.id || '.example', 'billing'
        FROM customers c WHERE c.id % 50 <> 0;
    INSERT INTO contacts (external_id, customer_id, name, email, role, receives_dunning)
      SELECT 'KK' || c.id, c.id, 'Key contact', 'boss' || c.id || '@customer' || c.id || '.example', 'key', false
        FROM customers c WHERE c.id % 3 = 0;
  `);
  // Inserted in slices so neither engine holds one enormous statement.
  const slice = 250_000;
  for (let from = 1; from <= invoices; from += slice) {
    const to = Math.min(invoices, from + slice - 1);
    await db.exec(`
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'INV-' || g, (SELECT min(id) FROM customers) + (g::bigint * 7919) % ${customers}, 'INV-' || g,
               date '${DAY_ONE}' - 120 + (g % 150) - 30, date '${DAY_ONE}' - 120 + (g % 150),
               CASE WHEN g % 17 = 0 THEN 'USD' ELSE 'EUR' END, 1000 + (g * 37) % 500000
          FROM generate_series(${from}, ${to}) g;
    `);
  }
  await db.exec('ANALYZE');
  await db.exec('CHECKPOINT');
}

/** Reads every open invoice row (the columns the engine reads) through a cursor. */
async function barePass(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.exec(`DECLARE bare CURSOR FOR
      SELECT id, customer_id, number, currency, issue_date, due_date, amount, open_balance, disputed, on_hold
        FROM invoices WHERE open_balance > 0 AND status = 'open' ORDER BY customer_id, due_date, id`);
    let rows = 0;
    for (;;) {
      const chunk = await tx.query('FETCH FORWARD 20000 FROM bare');
      rows += chunk.length;
      if (chunk.length < 20000) break;
    }
    await tx.exec('CLOSE bare');
    return rows;
  });
}

function dunwell(args: string[]): Promise<MeasuredRun> {
  return runMeasured(join(REPO_ROOT, 'bin', 'dunwell'), args, {
    cwd: REPO_ROOT,
    env: { ...process.env, DUNWELL_NOW: `${DAY_ONE}T12:00:00Z` },
  });
}

interface EngineFigures {
  engine: string;
  customers: number;
  invoices: number;
  generate_seconds: number;
  bare_pass_seconds: number;
  bare_pass_rows: number;
  startup_seconds: number;
  /** 1-minute load average when the engine's runs started and ended (2 cores are shared). */
  load_average: { before: number; after: number };
  days: {
    date: string;
    run_seconds: number;
    engine_seconds: number;
    ratio_to_bare: number;
    peak_rss_bytes: number | null;
    result: unknown;
    firings_written: number;
  }[];
}

async function benchEngine(
  engine: 'pglite' | 'postgres',
  target: string,
  customers: number,
  invoices: number,
  note: (line: string) => void,
): Promise<EngineFigures> {
  note(
    `[${engine}] generating ${customers.toLocaleString('en-US')} customers, ${invoices.toLocaleString('en-US')} invoices…`,
  );
  let db = await openDatabase(target);
  const gen = await timed(async () => {
    await generate(db, customers, invoices);
    await applyCampaignFile(db, {
      text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
      fileName: 'campaigns.yaml',
      actor: 'bench',
    });
  });
  note(`[${engine}] generated in ${gen.seconds.toFixed(1)} s; bare pass…`);
  await barePass(db); // warm the cache like the engine's second read would be
  const bare = await timed(() => barePass(db));
  await db.close();

  // The CLI's own start-up (process, tsx, opening and checking the database), measured on the
  // same database with a command that reads nothing.
  const startup = await dunwell([
    'outbox',
    'list',
    '--status',
    'sending',
    '--date',
    '1900-01-01',
    '--json',
    '--db',
    target,
  ]);
  if (startup.code !== 0) throw new Error(`start-up probe failed: ${startup.stderr}`);

  const days: EngineFigures['days'] = [];
  const loadBefore = loadavg()[0]!;
  for (const date of [DAY_ONE, DAY_TWO]) {
    note(`[${engine}] dunwell run --date ${date}…`);
    const run = await dunwell(['run', '--date', date, '--no-send', '--json', '--db', target]);
    if (run.code !== 0) throw new Error(`dunwell run failed (${run.code}): ${run.stderr}`);
    // DUNWELL_ENGINE_PROFILE=1 npm run bench -- engine: the run's phase totals (not per batch).
    for (const line of run.stderr.split('\n')) {
      if (line.startsWith('engine-profile: ') && !line.startsWith('engine-profile: batch '))
        note(`  ${line}`);
    }
    db = await openDatabase(target);
    const [f] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM engine_firings WHERE fired_on = $1',
      [date],
    );
    await db.close();
    const engineSeconds = Math.max(0, run.seconds - startup.seconds);
    days.push({
      date,
      run_seconds: run.seconds,
      engine_seconds: engineSeconds,
      ratio_to_bare: engineSeconds / bare.seconds,
      peak_rss_bytes: run.peakRss,
      result: JSON.parse(run.stdout),
      firings_written: f?.n ?? 0,
    });
  }
  return {
    engine,
    customers,
    invoices,
    generate_seconds: gen.seconds,
    bare_pass_seconds: bare.seconds,
    bare_pass_rows: bare.value,
    startup_seconds: startup.seconds,
    load_average: { before: loadBefore, after: loadavg()[0]! },
    days,
  };
}

export async function run(ctx: BenchContext): Promise<number> {
  const { values } = parseFlags(ctx.argv, {
    customers: { type: 'string' },
    invoices: { type: 'string' },
    engines: { type: 'string' },
    keep: { type: 'boolean' },
    'pg-url': { type: 'string' },
  });
  const customers = positive(values.customers, 100_000, '--customers');
  const invoices = positive(values.invoices, 1_000_000, '--invoices');
  const results: EngineFigures[] = await forEachEngine(
    parseEngines(values.engines),
    { suite: 'engine', adminUrl: values['pg-url'] ?? DEFAULT_ADMIN_URL, keep: values.keep ?? false },
    (engine, store) => benchEngine(engine, store, customers, invoices, (l) => ctx.note(l)),
  );
  const goals = { ratio_to_bare: 1.5, postgres_seconds: 10, pglite_seconds: 30, postgres_peak_rss_mb: 512 };
  const path = writeResult('engine', { customers, invoices, goals, results, git: gitHead() });
  if (ctx.json) {
    ctx.printJson({ customers, invoices, goals, results, file: path });
    return 0;
  }
  const rows = results.flatMap((r) =>
    r.days.map((d) => {
      const res = d.result as { messages: number; tasks: number; skipped: number };
      return [
        `${r.engine} ${d.date === DAY_ONE ? 'day 1 (first run, catch-up)' : 'day 2 (next day, steady)'}`,
        d.run_seconds.toFixed(2),
        d.engine_seconds.toFixed(2),
        r.bare_pass_seconds.toFixed(2),
        `${d.ratio_to_bare.toFixed(2)}×`,
        formatBytes(d.peak_rss_bytes),
        String(res.messages),
        String(res.tasks),
        String(d.firings_written),
      ];
    }),
  );
  ctx.print(
    formatTable(
      [
        'engine / day',
        'run s',
        'w/o start-up s',
        'bare pass s',
        'ratio',
        'peak RSS',
        'messages',
        'tasks',
        'slots written',
      ],
      rows,
    ),
  );
  const m = machine();
  ctx.print(`machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, ${m.os}, Node ${m.node}`);
  ctx.print(
    `load average (1 min) before → after the runs: ${results.map((r) => `${r.engine} ${r.load_average.before.toFixed(1)} → ${r.load_average.after.toFixed(1)}`).join(', ')}`,
  );
  ctx.print(
    `start-up of the CLI (subtracted): ${results.map((r) => `${r.engine} ${r.startup_seconds.toFixed(2)} s`).join(', ')}`,
  );
  ctx.print(
    `goals: ≤ 1.5× the bare pass, ≤ 10 s on PostgreSQL, ≤ 30 s on PGlite, ≤ 512 MB peak RSS on PostgreSQL`,
  );
  ctx.print(`results: ${path}`);
  return 0;
}

function gitHead(): string | null {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
