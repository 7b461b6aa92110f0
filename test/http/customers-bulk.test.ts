// The customer list's bulk actions, saved views, collector list and the disputes board
// (issue 7), through the API as signed-in users: a bulk action changes exactly the picked (or
// matching) customers in one transaction with one timeline event per changed customer, writes
// nothing on any error (unknown customer, moved count, bad collector, past date), and viewers
// cannot run one; saved views are private unless shared and only their owner changes them;
// the board lists open disputes per reason with age and resolves through the existing action.
//
// Ledger (TODAY = 2026-03-15): B01…B12; B01–B06 tagged 'retail'; B03 already tagged 'vip';
// B05 paused until 2026-04-01; invoices on B01 (INV-B1 300.00 EUR due 2026-02-01) and B02
// (INV-B2 80.00 EUR due 2026-03-10, INV-B3 20.00 USD due 2026-03-01).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { addUser } from '../../src/users/users.ts';
import { describeEachEngine } from '../support/db.ts';
import { NOW } from './support.ts';

const PASSWORD = 'bulk password 1234';

describeEachEngine('http customer bulk actions, saved views and disputes board', (db) => {
  let app: FastifyInstance;
  const who: Record<string, { cookie: string; csrf: string; id: number }> = {};

  before(async () => {
    for (const role of ['admin', 'collector', 'viewer'] as const) {
      const { user } = await addUser(db(), { email: `${role}@example.com`, role, password: PASSWORD });
      who[role] = { cookie: '', csrf: '', id: user.id };
    }
    const second = await addUser(db(), {
      email: 'second@example.com',
      role: 'collector',
      password: PASSWORD,
    });
    who.second = { cookie: '', csrf: '', id: second.user.id };
    await db().exec(`
      INSERT INTO customers (external_id, name, tags, paused_until)
      SELECT 'B' || lpad(g::text, 2, '0'), 'Bulk ' || lpad(g::text, 2, '0'),
             CASE WHEN g = 3 THEN ARRAY['retail', 'vip'] WHEN g <= 6 THEN ARRAY['retail'] ELSE '{}' END,
             CASE WHEN g = 5 THEN DATE '2026-04-01' END
        FROM generate_series(1, 12) g;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT v.n, c.id, v.n, DATE '2026-01-01', v.due, v.cur, v.amount
        FROM (VALUES ('INV-B1', 'B01', DATE '2026-02-01', 'EUR', 30000),
                     ('INV-B2', 'B02', DATE '2026-03-10', 'EUR', 8000),
                     ('INV-B3', 'B02', DATE '2026-03-01', 'USD', 2000)) v(n, cust, due, cur, amount)
        JOIN customers c ON c.external_id = v.cust;`);
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
    for (const name of Object.keys(who)) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: `${name}@example.com`, password: PASSWORD },
      });
      assert.equal(r.statusCode, 200, r.body);
      const entry = who[name] as { cookie: string; csrf: string; id: number };
      entry.cookie = String(r.headers['set-cookie']).split(';')[0] as string;
      entry.csrf = (r.json() as { csrf_token: string }).csrf_token;
    }
  });
  after(async () => {
    await app.close();
  });

  const call = async (
    as: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
  ) => {
    const user = who[as] as { cookie: string; csrf: string };
    const r = await app.inject({
      method,
      url,
      headers: { cookie: user.cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': user.csrf }) },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return {
      status: r.statusCode,
      json: (r.body ? JSON.parse(r.body) : {}) as Record<string, unknown>,
      body: r.body,
    };
  };
  const tagsOf = async () =>
    Object.fromEntries(
      (
        await db().query<{ external_id: string; tags: string[] }>(
          'SELECT external_id, tags FROM customers ORDER BY external_id',
        )
      ).map((r) => [r.external_id, r.tags]),
    );
  const events = async (action: string) =>
    (
      await db().query<{ entity_id: string; actor: string; data: Record<string, unknown> }>(
        'SELECT entity_id, actor, data FROM audit_log WHERE action = $1 ORDER BY entity_id',
        [action],
      )
    ).map((e) => [e.entity_id, e.actor, e.data]);

  it('tags the picked customers, one timeline event per changed customer, and counts the rest as unchanged', async () => {
    const r = await call('collector', 'POST', '/api/v1/bulk/customers', {
      action: 'add_tag',
      tag: 'vip',
      customers: ['B02', 'B03', 'B09'],
    });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, {
      action: 'add_tag',
      matched: 3,
      changed: 2,
      unchanged: 1,
      changed_customers: ['B02', 'B09'],
    });
    const tags = await tagsOf();
    assert.deepEqual(
      [tags.B02, tags.B03, tags.B09, tags.B04],
      [['retail', 'vip'], ['retail', 'vip'], ['vip'], ['retail']],
    );
    assert.deepEqual(await events('customer.tagged'), [
      ['B02', 'user:collector@example.com', { tag: 'vip', bulk: true }],
      ['B09', 'user:collector@example.com', { tag: 'vip', bulk: true }],
    ]);
  });

  it('writes nothing when one picked customer does not exist', async () => {
    const before = await tagsOf();
    const r = await call('collector', 'POST', '/api/v1/bulk/customers', {
      action: 'add_tag',
      tag: 'gold',
      customers: ['B01', 'NOPE-1'],
    });
    assert.equal(r.status, 404, r.body);
    assert.match(r.body, /NOPE-1.*nothing was changed/);
    assert.deepEqual(await tagsOf(), before);
    assert.equal((await events('customer.tagged')).length, 2);
  });

  it('acts on all customers matching a filter only with the confirmed count (409 and nothing written otherwise)', async () => {
    const count = await call('collector', 'GET', '/api/v1/bulk/customers/count?tag=retail');
    assert.deepEqual(count.json, { count: 6 });
    const wrong = await call('collector', 'POST', '/api/v1/bulk/customers', {
      action: 'pause',
      until: '2026-05-01',
      filter: { tag: 'retail' },
      expected_count: 5,
    });
    assert.equal(wrong.status, 409, wrong.body);
    assert.match(wrong.body, /now matches 6 customers, not the 5/);
    const pausedBefore = await db().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM customers WHERE paused_until = '2026-05-01'",
    );
    assert.equal(pausedBefore[0]?.n, 0);
    const ok = await call('collector', 'POST', '/api/v1/bulk/customers', {
      action: 'pause',
      until: '2026-05-01',
      filter: { tag: 'retail', sort: 'open_balance' },
      expected_count: 6,
    });
    assert.equal(ok.status, 200, ok.body);
    assert.deepEqual([ok.json.matched, ok.json.changed, ok.json.unchanged], [6, 6, 0]);
    const paused = await db().query<{ external_id: string }>(
      "SELECT external_id FROM customers WHERE paused_until = '2026-05-01' AND NOT dunning_paused ORDER BY 1",
    );
    assert.deepEqual(
      paused.map((p) => p.external_id),
      ['B01', 'B02', 'B03', 'B04', 'B05', 'B06'],
    );
    const b05 = (await events('customer.paused')).find((e) => e[0] === 'B05');
    assert.deepEqual(b05?.[2], {
      until: '2026-05-01',
      before: { paused: false, paused_until: '2026-04-01' },
      bulk: true,
    });
    // resume: the same six change, the others were never paused
    const resumed = await call('collector', 'POST', '/api/v1/bulk/customers', {
      action: 'resume',
      customers: ['B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07'],
    });
    assert.deepEqual([resumed.json.changed, resumed.json.unchanged], [6, 1]);
    assert.equal((await events('customer.resumed')).length, 6);
  });

  it('assigns a collector (filterable afterwards) and refuses a viewer or unknown user as collector', async () => {
    const r = await call('collector', 'POST', '/api/v1/bulk/customers', {
      action: 'assign_collector',
      collector: who.second?.id,
      customers: ['B07', 'B08'],
    });
    assert.equal(r.status, 200, r.body);
    const list = await call('viewer', 'GET', `/api/v1/customers?collector=${who.second?.id}`);
    assert.deepEqual(
      (list.json.items as { external_id: string }[]).map((c) => c.external_id),
      ['B07', 'B08'],
    );
    assert.deepEqual(
      (await events('customer.collector_assigned')).map((e) => e[2]),
      [
        { collector: 'second@example.com', before: null, bulk: true },
        { collector: 'second@example.com', before: null, bulk: true },
      ],
    );
    for (const bad of [who.viewer?.id, 999_999]) {
      const refused = await call('collector', 'POST', '/api/v1/bulk/customers', {
        action: 'assign_collector',
        collector: bad,
        customers: ['B09'],
      });
      assert.equal(refused.status, 422, refused.body);
      assert.match(refused.body, /not an active collector or admin/);
    }
    const unassigned = await call('viewer', 'GET', '/api/v1/customers?collector=none&limit=500');
    assert.equal((unassigned.json.items as unknown[]).length, 10);
    const collectors = await call('viewer', 'GET', '/api/v1/collectors');
    assert.deepEqual(
      (collectors.json.items as { email: string }[]).map((c) => c.email),
      ['admin@example.com', 'collector@example.com', 'second@example.com'],
    );
  });

  it('refuses bad bulk requests with one clear error and writes nothing; viewers may not run one', async () => {
    const cases: [unknown, RegExp][] = [
      [{ action: 'add_tag', customers: ['B01'] }, /tag: required/],
      [{ action: 'add_tag', tag: ' ', customers: ['B01'] }, /tag: give 1–100 characters/],
      [{ action: 'pause', until: '2026-03-15', customers: ['B01'] }, /not after today/],
      [{ action: 'resume' }, /either customers/],
      [{ action: 'resume', customers: ['B01'], filter: {} }, /either customers/],
      [{ action: 'resume', filter: { tag: 'retail' } }, /expected_count/],
      [{ action: 'resume', customers: [] }, /at least one/],
      [{ action: 'explode', customers: ['B01'] }, /action/],
    ];
    const before = await db().query('SELECT * FROM customers ORDER BY id');
    const eventsBefore = await db().query('SELECT count(*)::int AS n FROM audit_log');
    for (const [body, message] of cases) {
      const r = await call('collector', 'POST', '/api/v1/bulk/customers', body);
      assert.ok(r.status === 400 || r.status === 422, `${JSON.stringify(body)} → ${r.status}`);
      assert.match(r.body, message, JSON.stringify(body));
    }
    const viewer = await call('viewer', 'POST', '/api/v1/bulk/customers', {
      action: 'resume',
      customers: ['B01'],
    });
    assert.equal(viewer.status, 403);
    assert.deepEqual(await db().query('SELECT * FROM customers ORDER BY id'), before);
    assert.deepEqual(await db().query('SELECT count(*)::int AS n FROM audit_log'), eventsBefore);
  });

  it('keeps saved views per user: private unless shared, changed and deleted only by the owner', async () => {
    const state = { tag: 'retail', overdue_bucket: '31-60', sort: 'overdue', collector: 'none' };
    const created = await call('viewer', 'POST', '/api/v1/saved-views', { name: 'Retail late', state });
    assert.equal(created.status, 201, created.body);
    assert.deepEqual(created.json.state, state);
    assert.equal(created.json.mine, true);
    const id = created.json.id as number;
    const names = async (as: string) =>
      ((await call(as, 'GET', '/api/v1/saved-views')).json.items as { name: string }[]).map((v) => v.name);
    assert.deepEqual(await names('viewer'), ['Retail late']);
    assert.deepEqual(await names('collector'), []);
    const dup = await call('viewer', 'POST', '/api/v1/saved-views', { name: 'RETAIL LATE', state: {} });
    assert.equal(dup.status, 422);
    assert.match(dup.body, /already have a view called/);
    const badState = await call('viewer', 'POST', '/api/v1/saved-views', {
      name: 'x',
      state: { sort: 'nope' },
    });
    assert.equal(badState.status, 400);
    // the collector cannot see, change or delete the private view
    assert.equal((await call('collector', 'PUT', `/api/v1/saved-views/${id}`, { name: 'Mine' })).status, 404);
    const shared = await call('viewer', 'PUT', `/api/v1/saved-views/${id}`, { shared: true });
    assert.equal(shared.json.shared, true);
    assert.deepEqual(await names('collector'), ['Retail late']);
    const collectorsView = (await call('collector', 'GET', '/api/v1/saved-views')).json.items as {
      mine: boolean;
      owner: string;
    }[];
    assert.deepEqual([collectorsView[0]?.mine, collectorsView[0]?.owner], [false, 'viewer@example.com']);
    assert.equal((await call('collector', 'PUT', `/api/v1/saved-views/${id}`, { name: 'Mine' })).status, 403);
    assert.equal((await call('collector', 'DELETE', `/api/v1/saved-views/${id}`)).status, 403);
    assert.equal((await call('viewer', 'DELETE', `/api/v1/saved-views/${id}`)).status, 204);
    assert.deepEqual(await names('viewer'), []);
  });

  it('shows open disputes by reason with customer, amount, age and collector, and resolves from the board', async () => {
    await db().execute(
      `INSERT INTO disputes (invoice_id, customer_id, reason, note, opened_by, opened_at)
       SELECT i.id, i.customer_id, v.reason, v.note, 'portal:ap@b01.example', v.at::timestamptz
         FROM (VALUES ('INV-B1', 'Goods damaged', 'Two pallets broken', '2026-03-05T09:00:00Z'),
                      ('INV-B2', 'Price differs from the order', NULL, '2026-03-14T23:30:00Z'),
                      ('INV-B3', 'Goods damaged', NULL, '2026-03-01T08:00:00Z')) v(number, reason, note, at)
         JOIN invoices i ON i.number = v.number`,
    );
    await db().execute(`UPDATE invoices SET disputed = true WHERE number IN ('INV-B1', 'INV-B2', 'INV-B3')`);
    await db().execute(`UPDATE customers SET collector_user_id = $1 WHERE external_id = 'B02'`, [
      who.second?.id,
    ]);
    const reasons = await call('viewer', 'GET', '/api/v1/disputes/reasons');
    assert.deepEqual(reasons.json.items, [
      { reason: 'Goods damaged', count: 2 },
      { reason: 'Price differs from the order', count: 1 },
    ]);
    const board = await call('viewer', 'GET', '/api/v1/disputes?limit=2');
    const items = board.json.items as Record<string, unknown>[];
    assert.deepEqual(
      items.map((d) => [
        d.invoice,
        d.reason,
        d.customer_external_id,
        d.open_balance,
        d.currency,
        d.age_days,
        d.note,
      ]),
      [
        ['INV-B3', 'Goods damaged', 'B02', '20.00', 'USD', 14, null],
        ['INV-B1', 'Goods damaged', 'B01', '300.00', 'EUR', 10, 'Two pallets broken'],
      ],
    );
    assert.equal(items[0]?.collector, 'second@example.com');
    const next = await call('viewer', 'GET', `/api/v1/disputes?limit=2&cursor=${board.json.next_cursor}`);
    assert.deepEqual(
      (next.json.items as { invoice: string; age_days: number }[]).map((d) => [d.invoice, d.age_days]),
      [['INV-B2', 1]],
    );
    assert.equal(next.json.next_cursor, null);
    const mine = await call('viewer', 'GET', `/api/v1/disputes?collector=${who.second?.id}`);
    assert.deepEqual(
      (mine.json.items as { invoice: string }[]).map((d) => d.invoice),
      ['INV-B3', 'INV-B2'],
    );
    const byReason = await call(
      'viewer',
      'GET',
      `/api/v1/disputes?reason=${encodeURIComponent('Goods damaged')}`,
    );
    assert.equal((byReason.json.items as unknown[]).length, 2);
    // viewers read; collectors resolve with the existing action, and the dispute leaves the board
    assert.equal((await call('viewer', 'POST', '/api/v1/invoices/INV-B1/resolve', {})).status, 403);
    const resolved = await call('collector', 'POST', '/api/v1/invoices/INV-B1/resolve', {
      note: 'credit note sent',
    });
    assert.equal(resolved.status, 200, resolved.body);
    const after = await call('viewer', 'GET', '/api/v1/disputes');
    assert.deepEqual(
      (after.json.items as { invoice: string }[]).map((d) => d.invoice),
      ['INV-B3', 'INV-B2'],
    );
  });
});
