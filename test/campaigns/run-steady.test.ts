// The steady day (src/campaigns/window.ts) decides exactly what the full pass decides.
//
// A random ledger (seeded, so a failure replays) lives through three weeks that cross a
// statement day (Dec 1) and weekends; between days the ledger moves the way real ones do —
// payments, payments taken back, disputes opened and resolved, holds, new and back-dated
// invoices, promises (kept and broken), pauses, tag changes that switch the dunning
// campaign, new customers, bounced contacts — mostly by plain UPDATEs that do not set
// updated_at (the trigger must). Each day, a dry run that plans every customer and a dry run
// on the steady path must give the same counts, messages and tasks; then the real run
// (steady path) writes the day, and some days are skipped altogether (a wider window).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { type RunResult, runEngine } from '../../src/campaigns/run.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { addDays } from '../../src/ledger/dates.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { describeEachEngine } from '../support/db.ts';

const START = '2026-11-18';
const DAYS = 21;

/** mulberry32: a small seeded generator, so every failure replays. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof random>;

async function seed(db: Db, rnd: Random, customers: number): Promise<void> {
  await db.exec(`
    INSERT INTO customers (external_id, name, tags, created_at)
      SELECT 'C' || g, 'Customer ' || g,
             CASE WHEN g % 5 = 0 THEN '{key-account}'::text[] ELSE '{}'::text[] END, '2026-01-05T10:00:00Z'
        FROM generate_series(1, ${customers}) g;
    INSERT INTO contacts (external_id, customer_id, name, email, role)
      SELECT 'K' || c.id, c.id, 'AP', 'ap' || c.id || '@buyer.test', 'billing' FROM customers c WHERE c.id % 7 <> 0;
  `);
  for (let c = 1; c <= customers; c++) {
    const n = rnd.int(6);
    for (let k = 0; k < n; k++) await newInvoice(db, rnd, c, START);
  }
  await applyCampaignFile(db, {
    text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
    fileName: 'campaigns.yaml',
    actor: 'test',
  });
}

let invoiceNo = 0;
async function newInvoice(db: Db, rnd: Random, customer: number, today: string): Promise<void> {
  const due = addDays(today, rnd.int(110) - 80);
  const issued = addDays(due, -30 + (rnd.chance(0.1) ? 35 : 0)); // now and then issued after today
  invoiceNo++;
  await db.execute(
    `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
     SELECT $1, id, $1, $2, $3, 'EUR', $4 FROM customers WHERE external_id = $5`,
    [`INV-${invoiceNo}`, issued, due, 1000 + rnd.int(50000), `C${customer}`],
  );
}

async function pick<T>(db: Db, rnd: Random, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const rows = await db.query<T & Record<string, unknown>>(sql, params);
  return rows.length === 0 ? undefined : rows[rnd.int(rows.length)];
}

/** One day's worth of ledger movement, mostly through writers that leave updated_at alone. */
async function move(db: Db, rnd: Random, today: string, customers: number): Promise<void> {
  const steps = 2 + rnd.int(5);
  for (let s = 0; s < steps; s++) {
    const what = rnd.int(12);
    const inv = await pick<{ id: number; customer_id: number; open_balance: number }>(
      db,
      rnd,
      `SELECT id, customer_id, open_balance FROM invoices WHERE status = 'open' AND open_balance > 0 ORDER BY id`,
    );
    const cust = 1 + rnd.int(customers);
    switch (what) {
      case 0:
      case 1: {
        if (!inv) break;
        // A payment, full or partial, sometimes dated a few days ahead (post-dated).
        const amount = rnd.chance(0.6) ? inv.open_balance : Math.max(1, Math.floor(inv.open_balance / 2));
        const date = addDays(today, rnd.chance(0.2) ? 3 : 0);
        const [p] = await db.query<{ id: number }>(
          `INSERT INTO payments (external_id, customer_id, date, amount, currency)
           VALUES ($1, $2, $3, $4, 'EUR') RETURNING id`,
          [`P-${today}-${s}-${inv.id}`, inv.customer_id, date, amount],
        );
        await db.execute(
          `INSERT INTO applications (invoice_id, kind, payment_id, amount, date) VALUES ($1, 'payment', $2, $3, $4)`,
          [inv.id, p!.id, amount, date],
        );
        break;
      }
      case 2: {
        // A payment taken back: the invoice reopens (only the balance trigger writes it).
        const app = await pick<{ id: number }>(db, rnd, 'SELECT id FROM applications ORDER BY id');
        if (app) await db.execute('DELETE FROM applications WHERE id = $1', [app.id]);
        break;
      }
      case 3:
        if (inv) await db.execute('UPDATE invoices SET disputed = NOT disputed WHERE id = $1', [inv.id]);
        else await db.execute('UPDATE invoices SET disputed = false WHERE disputed');
        break;
      case 4: {
        const held = await pick<{ id: number }>(db, rnd, 'SELECT id FROM invoices ORDER BY id');
        if (held) await db.execute('UPDATE invoices SET on_hold = NOT on_hold WHERE id = $1', [held.id]);
        break;
      }
      case 5:
        await newInvoice(db, rnd, cust, today);
        break;
      case 6:
        if (!inv) break;
        await db.execute(
          `INSERT INTO promises (invoice_id, customer_id, promised_date, balance_at_promise, promised_on, grace_days, created_by)
           VALUES ($1, $2, $3, $4, $5, 1, 'test')`,
          [inv.id, inv.customer_id, addDays(today, rnd.int(4)), inv.open_balance, today],
        );
        break;
      case 7:
        await db.execute(`UPDATE customers SET paused_until = $2 WHERE id = $1`, [
          cust,
          rnd.chance(0.7) ? addDays(today, 1 + rnd.int(4)) : null,
        ]);
        break;
      case 8:
        // Switches the customer between the standard and key-account campaigns (R1).
        await db.execute(
          `UPDATE customers SET tags = CASE WHEN 'key-account' = ANY (tags) THEN '{}'::text[] ELSE '{key-account}' END
            WHERE id = $1`,
          [cust],
        );
        break;
      case 9:
        await db.execute(
          `INSERT INTO customers (external_id, name, created_at) VALUES ($1, $1, ($2::date + time '10:00') AT TIME ZONE 'UTC')`,
          [`N-${today}-${s}`, today],
        );
        break;
      case 10:
        await db.execute(`UPDATE contacts SET email_status = 'bounced' WHERE customer_id = $1`, [cust]);
        break;
      default:
        await db.execute(`UPDATE customers SET dunning_paused = NOT dunning_paused WHERE id = $1`, [cust]);
    }
  }
}

/** What a day decides, without ids (a dry run has none) or who was looked at. */
function decisions(r: RunResult) {
  return {
    messages: r.messages,
    tasks: r.tasks,
    skipped: r.skipped,
    cancelled: r.cancelled,
    waits: r.detail.waits,
    promises: r.detail.promises,
    outbox: r.detail.outbox,
    tasksPlanned: r.detail.taskList,
  };
}

for (const seedValue of [7, 2026]) {
  describeEachEngine(`steady day = full pass (seed ${seedValue})`, (db) => {
    it(`decides what the full pass decides, day after day (seed ${seedValue})`, async () => {
      const rnd = random(seedValue);
      const customers = 40;
      await seed(db(), rnd, customers);
      let steadyDays = 0;
      let steadyCustomers = 0;
      let fullCustomers = 0;
      for (let i = 0; i < DAYS; i++) {
        const day = addDays(START, i);
        const clock = fixedClock(`${day}T12:00:00Z`);
        if (i > 0) await move(db(), rnd, day, customers);
        if (i > 0 && rnd.chance(0.15)) continue; // no run today: the next window spans two days
        const base = { date: day, actor: 'test', clock, collect: true, dryRun: true };
        const full = await runEngine(db(), { ...base, fullPass: true });
        const steady = await runEngine(db(), base);
        assert.deepEqual(decisions(steady), decisions(full), `day ${day} (seed ${seedValue})`);
        const run = await runEngine(db(), { date: day, actor: 'test', clock });
        assert.deepEqual(
          { messages: run.messages, tasks: run.tasks, skipped: run.skipped },
          { messages: full.messages, tasks: full.tasks, skipped: full.skipped },
          `run of ${day}`,
        );
        if (steady.detail.steady) {
          steadyDays++;
          steadyCustomers += steady.detail.customers;
          fullCustomers += full.detail.customers;
        }
      }
      // The steady path was taken, and looked at fewer customers than the full pass.
      assert.ok(steadyDays >= 8, `steady days: ${steadyDays}`);
      assert.ok(steadyCustomers < fullCustomers, `${steadyCustomers} < ${fullCustomers}`);
    });

    it('updated_at moves on every real change of an invoice or customer, whoever writes it', async () => {
      const [inv] = await db().query<{ id: number; customer_id: number; amount: number }>(
        `SELECT id, customer_id, amount FROM invoices WHERE status = 'open' AND open_balance > 1 ORDER BY id LIMIT 1`,
      );
      const stamp = async (table: string, id: number) => {
        await db().execute(`UPDATE ${table} SET updated_at = '2000-01-01T00:00:00Z' WHERE id = $1`, [id]);
      };
      const touched = async (table: string, id: number) => {
        const [row] = await db().query<{ old: boolean }>(
          `SELECT updated_at = '2000-01-01T00:00:00Z' AS old FROM ${table} WHERE id = $1`,
          [id],
        );
        return !row!.old;
      };
      await stamp('invoices', inv!.id);
      await db().execute('UPDATE invoices SET on_hold = on_hold WHERE id = $1', [inv!.id]);
      assert.equal(await touched('invoices', inv!.id), false, 'an update that changes nothing');
      await db().execute('UPDATE invoices SET on_hold = NOT on_hold WHERE id = $1', [inv!.id]);
      assert.equal(await touched('invoices', inv!.id), true, 'a plain UPDATE');
      await stamp('invoices', inv!.id);
      const [p] = await db().query<{ id: number }>(
        `INSERT INTO payments (external_id, customer_id, date, amount, currency)
         VALUES ('P-touch', $1, '2026-12-01', 1, 'EUR') RETURNING id`,
        [inv!.customer_id],
      );
      await db().execute(
        `INSERT INTO applications (invoice_id, kind, payment_id, amount, date) VALUES ($1, 'payment', $2, 1, '2026-12-01')`,
        [inv!.id, p!.id],
      );
      assert.equal(
        await touched('invoices', inv!.id),
        true,
        'a balance refreshed by the applications trigger',
      );
      await stamp('customers', inv!.customer_id);
      await db().execute(`UPDATE customers SET priority = 'low' WHERE id = $1`, [inv!.customer_id]);
      assert.equal(await touched('customers', inv!.customer_id), true, 'a customer row');
    });

    it('falls back to a full pass when campaigns were applied since the last complete run', async () => {
      const clock = fixedClock('2026-12-09T12:00:00Z');
      const past = await runEngine(db(), { date: '2026-11-30', actor: 'test', clock, dryRun: true });
      assert.equal(past.detail.steady, null, 'a day before the latest complete run is a full pass');
      await runEngine(db(), { date: '2026-12-09', actor: 'test', clock });
      const steady = await runEngine(db(), { date: '2026-12-10', actor: 'test', clock, dryRun: true });
      assert.notEqual(steady.detail.steady, null);
      await applyCampaignFile(db(), {
        text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
        fileName: 'campaigns.yaml',
        actor: 'test',
      });
      const after = await runEngine(db(), { date: '2026-12-10', actor: 'test', clock, dryRun: true });
      assert.equal(after.detail.steady, null);
    });
  });
}
