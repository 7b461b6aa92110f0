// Forecast (R10): day one equals `run --dry-run`; later days follow the campaign as if
// nothing were paid; a forecast writes nothing.
//
// Calendar (default campaigns, standard): INV-F40 due Wed 2026-12-02 → pre-due (−7) on Wed
// 11-25, due (0) on Wed 12-02, late-1 (+3) on Sat 12-05 → not a send day → Mon 12-07.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { forecastEngine } from '../../src/campaigns/forecast.ts';
import { runEngine } from '../../src/campaigns/run.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { describeEachEngine } from '../support/db.ts';

const clock = fixedClock('2026-11-25T12:00:00Z');

describeEachEngine('forecast', (db) => {
  it('day one equals the dry run, later days follow the campaign, nothing is written', async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name, created_at)
        SELECT 'F' || g, 'Forecast ' || g, '2026-01-05T00:00:00Z' FROM generate_series(1, 30) g;
      INSERT INTO contacts (external_id, customer_id, email)
        SELECT 'KF' || id, id, 'ap' || id || '@f.test' FROM customers WHERE id % 5 <> 0;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'INV-F' || g, (SELECT min(id) FROM customers) + (g % 30), 'INV-F' || g,
               date '2026-12-02' - (g % 40) - 30, date '2026-12-02' - (g % 40), 'EUR', 100 * g
          FROM generate_series(1, 90) g;
    `);
    await applyCampaignFile(db(), {
      text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
      fileName: 'c.yaml',
      actor: 't',
    });
    const days = await forecastEngine(db(), { from: '2026-11-25', days: 14, clock, batchSize: 7 });
    assert.deepEqual(
      days.map((d) => d.date),
      Array.from(
        { length: 14 },
        (_, i) => `2026-${i < 6 ? '11' : '12'}-${String(i < 6 ? 25 + i : i - 5).padStart(2, '0')}`,
      ),
    );
    const dry = await runEngine(db(), { date: '2026-11-25', dryRun: true, actor: 't', clock, collect: true });
    assert.ok(dry.messages > 0 && dry.tasks > 0);
    assert.deepEqual(days[0]!.messages, dry.detail.outbox);
    assert.deepEqual(days[0]!.tasks, dry.detail.taskList);
    // Weekends send nothing; the forecast shows INV-F1's due step on 12-02 and late-1 on 12-07.
    for (const d of days.filter((x) =>
      ['2026-11-28', '2026-11-29', '2026-12-05', '2026-12-06'].includes(x.date),
    )) {
      assert.deepEqual([d.messages.length, d.tasks.length], [0, 0], d.date);
    }
    // INV-F40's customer also has INV-F10 (due 11-22) and INV-F70 (due 11-02): on 11-25 its
    // pre-due goes out with F10's late-1; on 12-02 its due step with F10's late-n (the message
    // uses the most advanced step, R4); late-1 (Sat 12-05) waits for Monday 12-07.
    const listing = days.flatMap((d) =>
      d.messages
        .filter((m) => m.invoices.includes('INV-F40') && m.campaign === 'standard')
        .map((m) => [d.date, m.step, m.invoices]),
    );
    assert.deepEqual(listing, [
      ['2026-11-25', 'late-1', ['INV-F10', 'INV-F40']],
      ['2026-12-02', 'late-n', ['INV-F10', 'INV-F40']],
      ['2026-12-07', 'late-1', ['INV-F40']],
    ]);
    const [{ n } = { n: -1 }] = await db().query<{ n: number }>(
      'SELECT (SELECT count(*) FROM outbox_messages) + (SELECT count(*) FROM engine_firings) + (SELECT count(*) FROM engine_runs) AS n',
    );
    assert.equal(n, 0);
    // The same forecast in one batch equals the batched one (the planner decides per customer).
    assert.deepEqual(
      await forecastEngine(db(), { from: '2026-11-25', days: 14, clock, batchSize: 1000 }),
      days,
    );
    await assert.rejects(
      forecastEngine(db(), { days: 0, clock }),
      /--days 0 must be a whole number from 1 to 366/,
    );
  });

  it('running each day for real writes exactly what the forecast showed (stored history = planner history)', async () => {
    const days = await forecastEngine(db(), { from: '2026-11-25', days: 14, clock });
    for (const day of days) {
      const run = await runEngine(db(), { date: day.date, actor: 't', clock, collect: true, batchSize: 7 });
      assert.deepEqual(
        run.detail.outbox!.map((m) => ({ ...m, id: null })),
        day.messages,
        day.date,
      );
      assert.deepEqual(
        run.detail.taskList!.map((t) => ({ ...t, id: null })),
        day.tasks,
        day.date,
      );
    }
  });
});
