// The welcome letter after a first import: a customer whose ledger arrives today but who has
// bought on credit for months is not new (no welcome); a customer whose first invoice is
// recent, or who has none yet, is welcomed once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { runEngine } from '../../src/campaigns/run.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { listOutbox } from '../../src/messages/outbox.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { describeEachEngine } from '../support/db.ts';

describeEachEngine('welcome letters after a first import', (db) => {
  it('welcomes only customers whose relationship starts now', async () => {
    await applyCampaignFile(db(), {
      text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
      fileName: 'campaigns.yaml',
      actor: 'test',
    });
    // all four customers were created in Dunwell today (the import)
    await db().exec(`
      INSERT INTO customers (external_id, name, created_at) VALUES
        ('OLD', 'Buying since spring', '2026-11-25T08:00:00Z'),
        ('NEW', 'First invoice this week', '2026-11-25T08:00:00Z'),
        ('EMPTY', 'No invoice yet', '2026-11-25T08:00:00Z');
      INSERT INTO contacts (external_id, customer_id, name, email, role)
        SELECT 'K-' || external_id, id, 'AP', lower(external_id) || '@buyer.test', 'billing' FROM customers;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT v.n, c.id, v.n, v.issued::date, v.due::date, 'EUR', 10000
          FROM (VALUES ('I-OLD-1', 'OLD', '2026-03-02', '2026-04-01'), ('I-OLD-2', 'OLD', '2026-11-02', '2026-12-02'),
                       ('I-NEW-1', 'NEW', '2026-11-24', '2026-12-24')) AS v(n, cust, issued, due)
          JOIN customers c ON c.external_id = v.cust;`);
    await runEngine(db(), { date: '2026-11-25', actor: 'test', clock: fixedClock('2026-11-25T12:00:00Z') });
    const welcomed = (await listOutbox(db()))
      .filter((m) => m.template === 'welcome')
      .map((m) => m.customer_external_id)
      .sort();
    assert.deepEqual(welcomed, ['EMPTY', 'NEW']);
  });
});
