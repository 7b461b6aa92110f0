/**
 * The engine crash suite's machinery (issue 8): a seeded ledger on PostgreSQL, real
 * `dunwell serve --role worker` processes (scheduler + outbox sender) with their clock pinned
 * by DUNWELL_NOW to an evening of each day in turn, SIGKILLed at seeded random moments during
 * the day's run and send, then restarted; a loopback SMTP sink counts what arrives.
 *
 * The reference is the planner's own expectation: the same ledger in a second database,
 * planned day by day by the scheduler's tick in this process, with no kill. At the end the
 * killed database must hold exactly the reference's slot firings, messages and tasks; every
 * message is `sent` (delivered exactly once) or visibly `unknown`/`failed`; no Message-ID
 * reached the sink twice; every delivered message is in the outbox.
 *
 * Environment: DUNWELL_CHAOS_ROUNDS (kill rounds over the whole run; CI 4, `npm run
 * test:chaos` 100), DUNWELL_CHAOS_DAYS (days planned; default 3), DUNWELL_CHAOS_CUSTOMERS
 * (default 150), DUNWELL_CHAOS_SEED (default 20261125).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CAMPAIGNS_PATH } from '../../../src/campaigns/definition.ts';
import { schedulerTick } from '../../../src/campaigns/scheduler.ts';
import { applyCampaignFile } from '../../../src/campaigns/store.ts';
import { Random } from '../../../src/demo/random.ts';
import { addDays } from '../../../src/ledger/dates.ts';
import { installDefaultTemplates } from '../../../src/messages/templates/index.ts';
import { fixedClock } from '../../../src/platform/clock.ts';
import { type Db, openDatabase } from '../../../src/platform/db/index.ts';
import { type SmtpSink, startSmtpSink } from '../../messages/support/smtp-sink.ts';
import { createPostgresDatabase } from '../../support/db.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'dunwell');

export const CHAOS = {
  rounds: Number(process.env.DUNWELL_CHAOS_ROUNDS ?? 4),
  days: Number(process.env.DUNWELL_CHAOS_DAYS ?? 3),
  customers: Number(process.env.DUNWELL_CHAOS_CUSTOMERS ?? 150),
  seed: Number(process.env.DUNWELL_CHAOS_SEED ?? 20261125),
};

/** Mon 2026-11-16 onwards, weekdays only (the default campaigns send Mon–Fri), no month start. */
export function chaosDays(count: number): string[] {
  const days: string[] = [];
  for (let d = '2026-11-16'; days.length < count; d = addDays(d, 1)) {
    const weekday = new Date(`${d}T00:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(d);
  }
  return days;
}

/** 20:00 UTC: past 09:00 local for UTC, Berlin (21:00) and New York (15:00), all on day `d`. */
function evening(day: string, secondsLater: number): string {
  return new Date(Date.parse(`${day}T20:00:00Z`) + secondsLater * 1000).toISOString();
}

/** The same ledger for the same seed: customers in three time zones, invoices due around the days. */
export async function seedLedger(db: Db, seed: number, customers: number, firstDay: string): Promise<void> {
  const rng = new Random(seed, 'engine-chaos-ledger');
  const zones = [null, 'Europe/Berlin', 'America/New_York'];
  const c = { ext: [] as string[], tz: [] as (string | null)[], tags: [] as string[] };
  const k = { ext: [] as string[], customer: [] as string[], email: [] as string[] };
  const inv = { ext: [] as string[], customer: [] as string[], due: [] as string[], amount: [] as number[] };
  for (let i = 1; i <= customers; i++) {
    const ext = `CH-${i}`;
    c.ext.push(ext);
    c.tz.push(rng.pick(zones));
    c.tags.push(rng.chance(0.15) ? '{key-account}' : '{}');
    // one customer in ten has no e-mail address: the engine opens a task instead
    if (!rng.chance(0.1)) {
      k.ext.push(`${ext}-K1`);
      k.customer.push(ext);
      k.email.push(`ap${i}@c${i % 17}.test`);
    }
    const invoices = rng.int(1, 4);
    for (let n = 1; n <= invoices; n++) {
      inv.ext.push(`${ext}-INV-${n}`);
      inv.customer.push(ext);
      inv.due.push(addDays(firstDay, rng.int(-70, 10)));
      inv.amount.push(rng.int(100, 50_000) * 100);
    }
  }
  await db.transaction(async (tx) => {
    await tx.execute(
      `INSERT INTO customers (external_id, name, time_zone, tags, created_at)
       SELECT e, 'Customer ' || e, z, t::text[], '2026-01-05T08:00:00Z' FROM unnest($1::text[], $2::text[], $3::text[]) AS s(e, z, t)`,
      [c.ext, c.tz, c.tags],
    );
    await tx.execute(
      `INSERT INTO contacts (external_id, customer_id, name, email)
       SELECT s.e, c.id, 'AP', s.m FROM unnest($1::text[], $2::text[], $3::text[]) AS s(e, ce, m)
         JOIN customers c ON c.external_id = s.ce`,
      [k.ext, k.customer, k.email],
    );
    await tx.execute(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       SELECT s.e, c.id, s.e, s.d::date - 30, s.d::date, 'EUR', s.a
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS s(e, ce, d, a)
         JOIN customers c ON c.external_id = s.ce`,
      [inv.ext, inv.customer, inv.due, inv.amount],
    );
  });
  await installDefaultTemplates(db);
  await applyCampaignFile(db, {
    text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
    fileName: 'campaigns.yaml',
    actor: 'chaos',
  });
}

/** What the engine decided, without ids, run ids, statuses and timestamps. */
export async function decisions(db: Db) {
  const outbox = await db.query(
    `SELECT c.external_id, m.campaign_key, m.step_key, m.template, m.planned_for, m.to_recipients,
            (SELECT array_agg(i.number ORDER BY mi.position) FROM outbox_message_invoices mi
               JOIN invoices i ON i.id = mi.invoice_id WHERE mi.message_id = m.id) AS invoices
       FROM outbox_messages m JOIN customers c ON c.id = m.customer_id
      ORDER BY c.external_id, m.planned_for, m.campaign_key, m.step_key`,
  );
  const tasks = await db.query(
    `SELECT c.external_id, t.kind, t.title, t.due,
            (SELECT array_agg(i.number ORDER BY i.number) FROM invoices i WHERE i.id = ANY (t.invoice_ids)) AS invoices
       FROM tasks t JOIN customers c ON c.id = t.customer_id
      WHERE t.run_id IS NOT NULL
      ORDER BY c.external_id, t.due, t.kind, t.title`,
  );
  const firings = await db.query(
    `SELECT f.slot_key, f.outcome, f.reason, f.fired_on, f.also_skipped, m.step_key AS message_step, t.kind AS task_kind
       FROM engine_firings f LEFT JOIN outbox_messages m ON m.id = f.message_id LEFT JOIN tasks t ON t.id = f.task_id
      ORDER BY f.slot_key`,
  );
  const schedule = await db.query(
    `SELECT c.external_id, s.local_date FROM engine_schedule s JOIN customers c ON c.id = s.customer_id
      ORDER BY 1, 2`,
  );
  return { outbox, tasks, firings, schedule };
}

interface Worker {
  child: ChildProcess;
  /** resolves when the process says it is serving (or has exited) */
  ready: Promise<void>;
  exit: Promise<number | null>;
  stderr(): string;
}

function startWorker(dbUrl: string, sinkUrl: string, now: string): Worker {
  const child = spawn(process.execPath, [BIN, 'serve', '--role', 'worker', '--db', dbUrl], {
    env: {
      ...process.env,
      DUNWELL_NOW: now,
      DUNWELL_SMTP_URL: sinkUrl,
      DUNWELL_SCHEDULER_INTERVAL_SECONDS: '0.25',
      DUNWELL_SENDER_INTERVAL_SECONDS: '0.25',
      // the clock moves on by a second per round: a restarted sender settles at once what a
      // killed one left in `sending`, while racers (same instant) leave each other's alone
      DUNWELL_SENDER_LEASE_SECONDS: '0',
      DUNWELL_SENDER_CONCURRENCY: '4',
      DUNWELL_SENDER_RENDER_THREADS: '0',
      DUNWELL_IMAP_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const ready = new Promise<void>((done) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl+C')) done();
    });
    void exit.then(() => done());
  });
  return { child, ready, exit, stderr: () => err };
}

const trace = process.env.DUNWELL_CHAOS_TRACE === '1';
const t0 = Date.now();
const note = (line: string) => {
  if (trace) process.stderr.write(`chaos +${((Date.now() - t0) / 1000).toFixed(1)}s ${line}\n`);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ChaosResult {
  days: number;
  kills: number;
  /** database connections cut (terminate-backends) */
  terminated: number;
  messages: number;
  byStatus: Record<string, number>;
  delivered: number;
  interruptedRuns: number;
  /** distinct reasons of failed messages */
  failures: string[];
}

/**
 * The whole scenario for `racers` worker processes at a time; asserts as it goes and
 * returns the figures for the log line.
 */
export async function engineChaos(
  racers: 1 | 2,
  options: {
    /** SIGKILL the workers (default), or cut every database connection under running workers */
    disruption?: 'sigkill' | 'terminate-backends';
    rounds?: number;
    days?: number;
  } = {},
): Promise<ChaosResult> {
  const disruption = options.disruption ?? 'sigkill';
  const totalRounds = options.rounds ?? CHAOS.rounds;
  const days = chaosDays(options.days ?? CHAOS.days);
  const reference = await createPostgresDatabase();
  const chaos = await createPostgresDatabase();
  const refDb = await openDatabase(reference.url);
  const db = await openDatabase(chaos.url);
  let sink: SmtpSink | undefined;
  const live = new Set<Worker>();
  try {
    await seedLedger(refDb, CHAOS.seed, CHAOS.customers, days[0]!);
    await seedLedger(db, CHAOS.seed, CHAOS.customers, days[0]!);
    // the planner's expectation: each day planned once, by the scheduler's own tick
    for (const day of days) await schedulerTick(refDb, fixedClock(evening(day, 0)));
    const expected = await decisions(refDb);
    note('reference planned');
    assert.ok(
      expected.outbox.length >= days.length * 5,
      `the ledger plans messages (${expected.outbox.length})`,
    );

    // slow acceptance a little, so a kill often lands between hand-over and the 250
    sink = await startSmtpSink({ acceptDelayMs: 15 });
    const rng = new Random(
      CHAOS.seed,
      disruption === 'sigkill' ? 'engine-chaos-kills' : 'engine-chaos-cuts',
      racers,
    );
    const start = (now: string) => {
      const workers = Array.from({ length: racers }, () => startWorker(chaos.url, sink!.url, now));
      for (const w of workers) {
        live.add(w);
        void w.exit.then(() => live.delete(w));
      }
      return workers;
    };
    let kills = 0;
    let terminated = 0;
    for (const [index, day] of days.entries()) {
      const rounds = Math.floor(totalRounds / days.length) + (index < totalRounds % days.length ? 1 : 0);
      let second = 0;
      for (let round = 0; round < rounds; round++) {
        const workers = start(evening(day, second++));
        await Promise.all(workers.map((w) => w.ready));
        note(`${day} round ${round}: ready`);
        if (disruption === 'sigkill') {
          // the first tick (the engine run) starts as the workers start; sending follows
          await sleep(rng.int(0, 1500));
          for (const w of workers) w.child.kill('SIGKILL');
          await Promise.all(workers.map((w) => w.exit));
          kills += workers.length;
        } else {
          // what a PostgreSQL restart looks like to a client: every connection cut, three
          // times, at random moments of the run and the send (from the reference database's
          // pool, so the command does not cut itself)
          for (let cut = 0; cut < 3; cut++) {
            await sleep(rng.int(0, 700));
            const [row] = await refDb.query<{ n: number }>(
              `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
                WHERE datname = $1 AND pid <> pg_backend_pid()`,
              [new URL(chaos.url).pathname.slice(1)],
            );
            terminated += row!.n;
          }
          // the workers survived it: still running, and they stop cleanly when asked
          for (const w of workers) {
            assert.equal(
              w.child.exitCode,
              null,
              `a worker died when its connections were cut\n${w.stderr()}`,
            );
            w.child.kill('SIGTERM');
          }
          for (const w of workers)
            assert.equal(await w.exit, 0, `a worker stops cleanly on SIGTERM\n${w.stderr()}`);
        }
        note(`${day} round ${round}: killed`);
      }
      // workers that are not killed finish the day; then a graceful stop (SIGTERM)
      const finishers = start(evening(day, second++));
      await Promise.all(finishers.map((w) => w.ready));
      note(`${day}: finishers ready`);
      await settled(db, day, expected, finishers);
      note(`${day}: settled`);
      for (const w of finishers) w.child.kill('SIGTERM');
      for (const w of finishers)
        assert.equal(await w.exit, 0, `a worker stops cleanly on SIGTERM\n${w.stderr()}`);
      note(`${day}: stopped`);
    }

    // 1. the engine decided exactly what the planner expects: every slot once, every message once
    const got = await decisions(db);
    assert.deepEqual(got.firings, expected.firings, 'slot firings = the reference run');
    assert.deepEqual(got.outbox, expected.outbox, 'messages = the reference run');
    assert.deepEqual(got.tasks, expected.tasks, 'engine tasks = the reference run');
    assert.deepEqual(got.schedule, expected.schedule, 'each customer scheduled once per day');

    // 2. nothing twice at the sink
    const delivered = sink.deliveriesById();
    const duplicates = [...delivered].filter(([, n]) => n > 1);
    assert.deepEqual(duplicates, [], 'no Message-ID reached the SMTP server twice');

    // 3. every message settled: sent (and delivered once), or visibly unknown/failed
    const rows = await db.query<{ id: number; status: string; message_id: string | null }>(
      'SELECT id, status, message_id FROM outbox_messages ORDER BY id',
    );
    const byStatus: Record<string, number> = {};
    for (const r of rows) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      assert.ok(['sent', 'unknown', 'failed'].includes(r.status), `message ${r.id} is ${r.status}`);
      if (r.status === 'sent')
        assert.equal(delivered.get(r.message_id ?? ''), 1, `message ${r.id} is sent but was not delivered`);
    }
    // a failed message has a task for a person; an unknown one is listed as such
    const [untold] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox_messages m WHERE m.status = 'failed'
          AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.customer_id = m.customer_id AND t.run_id IS NULL)`,
    );
    assert.equal(untold!.n, 0, 'every failed message opened a task');
    const known = new Set(rows.map((r) => r.message_id));
    for (const id of delivered.keys()) assert.ok(known.has(id), `delivered ${id} is not in the outbox`);
    const [interrupted] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM engine_runs WHERE status = 'running'`,
    );
    const failures = await db.query<{ reason: string }>(
      `SELECT DISTINCT coalesce(last_error, '?') AS reason FROM outbox_messages WHERE status = 'failed' ORDER BY 1`,
    );
    return {
      failures: failures.map((f) => f.reason),
      days: days.length,
      kills,
      terminated,
      messages: rows.length,
      byStatus,
      delivered: delivered.size,
      interruptedRuns: interrupted!.n,
    };
  } finally {
    for (const w of live) w.child.kill('SIGKILL');
    await Promise.all([...live].map((w) => w.exit));
    await sink?.close();
    await db.close();
    await refDb.close();
    await chaos.drop();
    await reference.drop();
  }
}

/** Waits until the day is fully planned and nothing due is left planned or sending. */
async function settled(
  db: Db,
  day: string,
  expected: Awaited<ReturnType<typeof decisions>>,
  workers: Worker[],
): Promise<void> {
  const scheduled = expected.schedule.filter((s) => (s as { local_date: string }).local_date === day).length;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [row] = await db.query<{ scheduled: number; open: number }>(
      `SELECT (SELECT count(*)::int FROM engine_schedule WHERE local_date = $1) AS scheduled,
              (SELECT count(*)::int FROM outbox_messages
                WHERE status IN ('planned', 'sending') AND planned_for <= $1) AS open`,
      [day],
    );
    if (row!.scheduled === scheduled && row!.open === 0) return;
    if (Date.now() > deadline) {
      assert.fail(
        `day ${day} did not settle within 120 s: ${row!.scheduled}/${scheduled} customers scheduled, ` +
          `${row!.open} message(s) still planned or sending\n${workers.map((w) => w.stderr()).join('\n')}`,
      );
    }
    await sleep(200);
  }
}
