// Pausing a customer's dunning (indefinitely or until a date) and resuming it; the run
// sends nothing to a paused customer (R6); each change lands on the timeline.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { runEngine } from '../../src/campaigns/run.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { pauseCustomer, resumeCustomer } from '../../src/ledger/pause.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { NotFoundError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';

const D = '2026-11-25'; // Wed; INV-Z1 is due that day (step 'due')
const clock = fixedClock('2026-11-25T12:00:00Z');

describeEachEngine('pause and resume', (db) => {
  const planned = async (date = D) =>
    (await runEngine(db(), { date, dryRun: true, actor: 'test', clock, collect: true })).detail.outbox!.map(
      (m) => m.customer_external_id,
    );

  it('pauses indefinitely, until a date, and resumes; the run respects it', async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name, created_at) VALUES ('Z1', 'Pausable', '2026-01-05T00:00:00Z');
      INSERT INTO contacts (external_id, customer_id, email) SELECT 'KZ1', id, 'ap@z1.test' FROM customers;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'INV-Z1', id, 'INV-Z1', '2026-10-26', '2026-11-25', 'EUR', 1000 FROM customers;
    `);
    await applyCampaignFile(db(), {
      text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
      fileName: 'c.yaml',
      actor: 't',
    });
    assert.deepEqual(await planned(), ['Z1']);

    assert.deepEqual(await pauseCustomer(db(), { externalId: 'Z1', actor: 'cli', today: D }), {
      customer_external_id: 'Z1',
      paused: true,
      paused_until: null,
    });
    assert.deepEqual(await planned(), []);

    await assert.rejects(
      pauseCustomer(db(), { externalId: 'Z1', until: '2026-11-25', actor: 'cli', today: D }),
      /--until 2026-11-25 is not after today/,
    );
    await pauseCustomer(db(), { externalId: 'Z1', until: '2026-11-26', actor: 'cli', today: D });
    assert.deepEqual(await planned(), []);
    // On 11-26 the pause is over: the due step (1 day late, within catch-up) fires.
    assert.deepEqual(await planned('2026-11-26'), ['Z1']);

    await pauseCustomer(db(), { externalId: 'Z1', actor: 'cli', today: D });
    await resumeCustomer(db(), { externalId: 'Z1', actor: 'api:ops' });
    assert.deepEqual(await planned(), ['Z1']);
    await assert.rejects(
      resumeCustomer(db(), { externalId: 'NOPE', actor: 'cli' }),
      (e: unknown) => e instanceof NotFoundError && /no customer with external id NOPE/.test(e.message),
    );
    const events = await db().query<{ action: string; actor: string; until: string | null }>(
      `SELECT action, actor, data->>'until' AS until FROM audit_log WHERE entity = 'customer' ORDER BY id`,
    );
    assert.deepEqual(events, [
      { action: 'customer.paused', actor: 'cli', until: null },
      { action: 'customer.paused', actor: 'cli', until: '2026-11-26' },
      { action: 'customer.paused', actor: 'cli', until: null },
      { action: 'customer.resumed', actor: 'api:ops', until: null },
    ]);
  });
});
