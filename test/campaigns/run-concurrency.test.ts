// R2 under concurrency (PostgreSQL only: PGlite is one process and serialises everything).
// Two runs started at the same moment against one database — two runEngine calls on two
// connection pools, and two real `dunwell run` processes — produce exactly what one run
// produces (same outbox, tasks and slot firings), and running again is a no-op.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { runEngine } from '../../src/campaigns/run.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { type Db, openDatabase } from '../../src/platform/db/index.ts';
import { createPostgresDatabase } from '../support/db.ts';

const D = '2026-11-25';
const clock = fixedClock('2026-11-25T12:00:00Z');
const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);
const skip = hasPostgres ? false : 'TEST_DATABASE_URL is not set: the concurrency test needs PostgreSQL';

/** 400 customers, 2,000 invoices due around D: every step of the default campaigns is hit. */
async function seed(db: Db): Promise<void> {
  await db.exec(`
    INSERT INTO customers (external_id, name, tags, created_at)
      SELECT 'C' || g, 'Customer ' || g, CASE WHEN g % 7 = 0 THEN '{key-account}'::text[] ELSE '{}' END,
             CASE WHEN g % 50 = 0 THEN '2026-11-24T08:00:00Z'::timestamptz ELSE '2026-01-05T08:00:00Z' END
        FROM generate_series(1, 400) g;
    INSERT INTO contacts (external_id, customer_id, name, email)
      SELECT 'K' || id, id, 'AP', 'ap' || id || '@buyer.test' FROM customers WHERE id % 13 <> 0;
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'INV-' || g, (SELECT min(id) FROM customers) + g % 400, 'INV-' || g,
             date '2026-11-25' - (g % 90) + 10 - 30, date '2026-11-25' - (g % 90) + 10, 'EUR', 1000 + g
        FROM generate_series(1, 2000) g;
  `);
  await applyCampaignFile(db, {
    text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
    fileName: 'c.yaml',
    actor: 'test',
  });
}

/** What a run leaves behind, without ids, run ids and timestamps. */
async function snapshot(db: Db) {
  const outbox = await db.query(
    `SELECT c.external_id, m.campaign_key, m.step_key, m.template, m.planned_for, m.status, m.to_recipients,
            (SELECT array_agg(i.number ORDER BY mi.position) FROM outbox_message_invoices mi
               JOIN invoices i ON i.id = mi.invoice_id WHERE mi.message_id = m.id) AS invoices
       FROM outbox_messages m JOIN customers c ON c.id = m.customer_id
      ORDER BY c.external_id, m.campaign_key, m.step_key`,
  );
  const tasks = await db.query(
    `SELECT c.external_id, t.kind, t.title, t.due,
            (SELECT array_agg(i.number ORDER BY i.number) FROM invoices i WHERE i.id = ANY (t.invoice_ids)) AS invoices
       FROM tasks t JOIN customers c ON c.id = t.customer_id ORDER BY c.external_id, t.kind, t.title`,
  );
  const firings = await db.query(
    `SELECT f.slot_key, f.outcome, f.reason, f.fired_on, f.also_skipped, m.step_key AS message_step, t.kind AS task_kind
       FROM engine_firings f LEFT JOIN outbox_messages m ON m.id = f.message_id LEFT JOIN tasks t ON t.id = f.task_id
      ORDER BY f.slot_key`,
  );
  return { outbox, tasks, firings };
}

function dunwell(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('./bin/dunwell', args, {
      env: { ...process.env, DUNWELL_NOW: '2026-11-25T12:00:00Z' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('engine run under concurrency [postgres]', { skip }, () => {
  const dbs: { db: Db; url: string; drop(): Promise<void> }[] = [];
  let expected: Awaited<ReturnType<typeof snapshot>>;
  let expectedCounts: { messages: number; tasks: number; skipped: number };

  async function freshSeeded(): Promise<{ db: Db; url: string }> {
    const created = await createPostgresDatabase();
    const db = await openDatabase(created.url);
    dbs.push({ db, url: created.url, drop: created.drop });
    await seed(db);
    return { db, url: created.url };
  }

  before(async () => {
    const { db } = await freshSeeded();
    const single = await runEngine(db, { date: D, actor: 'test', clock, batchSize: 37 });
    expected = await snapshot(db);
    expectedCounts = { messages: single.messages, tasks: single.tasks, skipped: single.skipped };
    assert.ok(single.messages > 50 && single.tasks > 5 && single.skipped > 100, JSON.stringify(single));
  });

  after(async () => {
    for (const d of dbs) {
      await d.db.close();
      await d.drop();
    }
  });

  it('two runEngine calls at the same moment = one run; then a re-run is a no-op', async () => {
    const { db, url } = await freshSeeded();
    const other = await openDatabase(url);
    try {
      const [a, b] = await Promise.all([
        runEngine(db, { date: D, actor: 'a', clock, batchSize: 37 }),
        runEngine(other, { date: D, actor: 'b', clock, batchSize: 37 }),
      ]);
      assert.deepEqual(await snapshot(db), expected);
      assert.equal(a.messages + b.messages, expectedCounts.messages);
      assert.equal(a.tasks + b.tasks, expectedCounts.tasks);
      assert.equal(a.skipped + b.skipped, expectedCounts.skipped);
      const again = await runEngine(db, { date: D, actor: 'c', clock });
      assert.deepEqual([again.messages, again.tasks, again.skipped], [0, 0, 0]);
      assert.deepEqual(await snapshot(db), expected);
    } finally {
      await other.close();
    }
  });

  it('two `dunwell run` processes at the same moment = one run', async () => {
    const { db, url } = await freshSeeded();
    const args = ['run', '--date', D, '--no-send', '--json', '--db', url];
    const [a, b] = await Promise.all([dunwell(args), dunwell(args)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const ra = JSON.parse(a.stdout) as { messages: number; tasks: number; skipped: number };
    const rb = JSON.parse(b.stdout) as { messages: number; tasks: number; skipped: number };
    assert.equal(ra.messages + rb.messages, expectedCounts.messages);
    assert.equal(ra.tasks + rb.tasks, expectedCounts.tasks);
    assert.deepEqual(await snapshot(db), expected);
    const again = await dunwell(args);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { date: D, messages: 0, tasks: 0, skipped: 0, cancelled: 0 });
  });
});
