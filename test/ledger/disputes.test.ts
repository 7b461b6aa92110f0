// Disputes: opening sets invoices.disputed and holds dunning (R6); a second dispute on a
// disputed invoice is refused with the reason; resolving clears it; each lands on the timeline.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openDispute, resolveDispute } from '../../src/ledger/disputes.ts';
import { NotFoundError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';

describeEachEngine('disputes', (db) => {
  it('opens a dispute, refuses a second one, resolves it, with timeline events', async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name) VALUES ('D1', 'Disputer');
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT n, (SELECT id FROM customers), n, '2026-10-01', '2026-11-10', 'EUR', 1000
          FROM (VALUES ('INV-D1'), ('INV-D2')) v(n);
      UPDATE invoices SET disputed = true WHERE number = 'INV-D2';
    `);
    const opened = await openDispute(db(), {
      number: 'INV-D1',
      reason: 'goods damaged',
      note: 'photo sent',
      actor: 'cli',
    });
    assert.equal(opened.status, 'open');
    assert.equal(opened.customer_external_id, 'D1');
    const [inv] = await db().query<{ disputed: boolean }>(
      `SELECT disputed FROM invoices WHERE number = 'INV-D1'`,
    );
    assert.equal(inv!.disputed, true);
    await assert.rejects(
      openDispute(db(), { number: 'INV-D1', reason: 'again', actor: 'cli' }),
      /invoice INV-D1 is already disputed \("goods damaged", opened by cli .*resolve it first/,
    );
    await assert.rejects(
      openDispute(db(), { number: 'INV-D1', reason: '  ', actor: 'cli' }),
      /needs a reason/,
    );
    await assert.rejects(
      openDispute(db(), { number: 'NOPE', reason: 'x', actor: 'cli' }),
      (e: unknown) => e instanceof NotFoundError && e.message === 'no invoice numbered NOPE',
    );

    const resolved = await resolveDispute(db(), { number: 'INV-D1', actor: 'api:ops' });
    assert.equal(resolved.status, 'resolved');
    assert.equal(resolved.resolved_by, 'api:ops');
    await assert.rejects(resolveDispute(db(), { number: 'INV-D1', actor: 'cli' }), /INV-D1 is not disputed/);
    // An invoice imported as disputed (no dispute row) can be resolved too.
    const imported = await resolveDispute(db(), { number: 'INV-D2', actor: 'cli' });
    assert.equal(imported.id, null);
    const flags = await db().query<{ number: string; disputed: boolean }>(
      'SELECT number, disputed FROM invoices ORDER BY number',
    );
    assert.deepEqual(flags, [
      { number: 'INV-D1', disputed: false },
      { number: 'INV-D2', disputed: false },
    ]);
    const events = await db().query<{ action: string; actor: string; entity_id: string }>(
      `SELECT action, actor, entity_id FROM audit_log WHERE entity = 'invoice' ORDER BY id`,
    );
    assert.deepEqual(events, [
      { action: 'invoice.disputed', actor: 'cli', entity_id: 'INV-D1' },
      { action: 'invoice.dispute_resolved', actor: 'api:ops', entity_id: 'INV-D1' },
      { action: 'invoice.dispute_resolved', actor: 'cli', entity_id: 'INV-D2' },
    ]);
  });
});
