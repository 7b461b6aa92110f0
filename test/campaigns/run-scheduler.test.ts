// The scheduler inside serve: each customer is planned once per local day, once its local
// time has passed the campaigns' send_at (09:00, Mon–Fri in the default campaigns).
//
// Wed 2026-11-25: at 08:30 UTC it is 09:30 in Berlin (due), 08:30 in UTC (not yet), 03:30 in
// New York (not yet); at 09:05 UTC the UTC customer is due; at 14:30 UTC New York is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { schedulerTick, startScheduler } from '../../src/campaigns/scheduler.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { listOutbox } from '../../src/messages/outbox.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { describeEachEngine } from '../support/db.ts';

describeEachEngine('scheduler', (db) => {
  const planned = async () => (await listOutbox(db())).map((m) => m.customer_external_id).sort();

  it('plans nobody before campaigns are applied', async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name, time_zone, created_at) VALUES
        ('BER', 'Berlin', 'Europe/Berlin', '2026-01-05T00:00:00Z'),
        ('UTC', 'Zulu', NULL, '2026-01-05T00:00:00Z'),
        ('NYC', 'New York', 'America/New_York', '2026-01-05T00:00:00Z');
      INSERT INTO contacts (external_id, customer_id, email) SELECT 'K' || id, id, lower(external_id) || '@x.test' FROM customers;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'INV-' || external_id, id, 'INV-' || external_id, '2026-10-26', '2026-11-25', 'EUR', 1000 FROM customers;
    `);
    assert.deepEqual(await schedulerTick(db(), fixedClock('2026-11-25T08:30:00Z')), { planned: [] });
    await applyCampaignFile(db(), {
      text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
      fileName: 'c.yaml',
      actor: 't',
    });
  });

  it('takes each customer once its local time passed send_at, once per local day', async () => {
    const first = await schedulerTick(db(), fixedClock('2026-11-25T08:30:00Z'));
    assert.deepEqual(
      first.planned.map((p) => [p.date, p.customers, p.messages]),
      [['2026-11-25', 1, 1]],
    );
    assert.deepEqual(await planned(), ['BER']);
    assert.deepEqual((await schedulerTick(db(), fixedClock('2026-11-25T08:45:00Z'))).planned, []);
    await schedulerTick(db(), fixedClock('2026-11-25T09:05:00Z'));
    assert.deepEqual(await planned(), ['BER', 'UTC']);
    await schedulerTick(db(), fixedClock('2026-11-25T14:30:00Z'));
    assert.deepEqual(await planned(), ['BER', 'NYC', 'UTC']);
    const rows = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM engine_schedule WHERE local_date = '2026-11-25'`,
    );
    assert.equal(rows[0]!.n, 3);
    // The next local day plans them again (nothing new is due, so no message).
    const next = await schedulerTick(db(), fixedClock('2026-11-26T09:30:00Z'));
    assert.ok(next.planned.some((p) => p.date === '2026-11-26'));
    assert.equal((await listOutbox(db())).length, 3);
  });

  it('runs as a loop that stops cleanly', async () => {
    const lines: string[] = [];
    const stop = startScheduler({
      db: db(),
      clock: fixedClock('2026-11-27T10:00:00Z'),
      intervalMs: 60_000,
      log: (l) => lines.push(l),
    });
    await new Promise((r) => setTimeout(r, 50));
    await stop();
    const rows = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM engine_schedule WHERE local_date = '2026-11-27'`,
    );
    // 10:00 UTC is 05:00 in New York: only Berlin and the UTC customer are due.
    assert.equal(rows[0]!.n, 2, lines.join('\n'));
    assert.deepEqual(lines, ['scheduler: planned 2 customer(s) for 2026-11-27: 0 message(s), 0 task(s)']);
  });
});
