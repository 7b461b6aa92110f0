// GET /api/v1/customers/:external_id/timeline: newest first, keyset pages that lose nothing
// (even events within the same millisecond), kind filters, one customer's events only.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachEngine } from '../support/db.ts';
import { type TestApi, testApi } from './support.ts';

type Page = {
  items: { id: number; action: string; at: string; data: Record<string, unknown> }[];
  next_cursor: string | null;
};

describeEachEngine('http customer timeline', (db) => {
  let api: TestApi;
  before(async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name) VALUES ('A', 'Alpha'), ('B', 'Beta');
      INSERT INTO audit_log (at, actor, customer_id, action, entity, entity_id, data)
      SELECT t.at::timestamptz, 'engine', c.id, t.action, 'message', t.n::text, jsonb_build_object('n', t.n)
        FROM customers c,
             (VALUES (1, '2026-03-01T10:00:00.123100Z', 'message.queued'),
                     (2, '2026-03-01T10:00:00.123900Z', 'message.sent'),
                     (3, '2026-03-01T10:00:00.123500Z', 'payment.recorded'),
                     (4, '2026-03-02T09:00:00Z', 'invoice.disputed'),
                     (5, '2026-03-02T09:00:00Z', 'message.bounced')) AS t(n, at, action)
       WHERE c.external_id = 'A';
      INSERT INTO audit_log (actor, customer_id, action, entity) SELECT 'engine', id, 'message.sent', 'message' FROM customers WHERE external_id = 'B';`);
    api = await testApi(db());
  });
  after(async () => {
    await api.app.close();
  });

  it('pages newest first one by one without losing events in the same millisecond', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const r = await api.get(`/api/v1/customers/A/timeline?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.body);
      const page = r.json as Page;
      seen.push(...page.items.map((i) => i.data.n as number));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [5, 4, 2, 3, 1]);
  });

  it('filters by kind and shows only that customer', async () => {
    const r = await api.get('/api/v1/customers/A/timeline?kind=message,payment.recorded');
    const page = r.json as Page;
    assert.deepEqual(
      page.items.map((i) => i.action),
      ['message.bounced', 'message.sent', 'payment.recorded', 'message.queued'],
    );
    const b = (await api.get('/api/v1/customers/B/timeline')).json as Page;
    assert.equal(b.items.length, 1);
    assert.equal((await api.get('/api/v1/customers/NOPE/timeline')).status, 404);
    assert.equal((await api.get('/api/v1/customers/A/timeline?kind=DROP%20TABLE')).status, 400);
  });
});
