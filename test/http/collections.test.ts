// The engine over HTTP: campaigns (apply, read, schema, history), runs (run, dry run,
// list, forecast), outbox and tasks (lists with cursors, done), and the collector actions
// (dispute, resolve, promise, pause, resume) with their timeline events and errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { describeEachEngine } from '../support/db.ts';
import { seedLedger, type TestApi, testApi } from './support.ts';

type Json = Record<string, unknown>;
const RUN_DAY = '2026-03-16'; // Mon; invoices due 2026-03-15 are one day late (step 'due')

describeEachEngine('http engine and collections', (db) => {
  let api: TestApi;
  before(async () => {
    await seedLedger(db());
    api = await testApi(db(), 'ops');
  });
  after(async () => {
    await api.app.close();
  });

  it('campaigns: 404 before any file, a bad file is refused whole, a good one is applied', async () => {
    assert.equal((await api.get('/api/v1/campaigns')).status, 404);
    const file = parseYaml(readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8')) as { campaigns: Json[] };
    const bad = structuredClone(file);
    (bad.campaigns[1]!.steps as Json[])[2]!.offset_days = 'three';
    const refused = await api.send('PUT', '/api/v1/campaigns', bad);
    assert.equal(refused.status, 422, refused.body);
    assert.match(
      String((refused.json as { error: { message: string } }).error.message),
      /standard.*late-1.*offset_days/s,
    );
    assert.equal((await api.get('/api/v1/campaigns')).status, 404);

    const applied = await api.send('PUT', '/api/v1/campaigns', file);
    assert.equal(applied.status, 200, applied.body);
    const active = (await api.get('/api/v1/campaigns')).json as {
      campaigns: { key: string; version_id: number }[];
      applied_by: string;
    };
    assert.deepEqual(
      active.campaigns.map((c) => c.key),
      ['key-accounts', 'standard', 'welcome', 'statement', 'promise-broken'],
    );
    assert.equal(active.applied_by, 'api:ops');
    const schema = (await api.get('/api/v1/campaigns/schema')).json as Json;
    assert.equal(typeof schema.properties, 'object');
    assert.equal(((await api.get('/api/v1/campaigns/history')).json as unknown[]).length, 1);
  });

  it('runs: a dry run returns what the run then writes; runs are listed; forecast day one agrees', async () => {
    const dry = await api.send('POST', '/api/v1/runs', { date: RUN_DAY, dry_run: true });
    assert.equal(dry.status, 200, dry.body);
    const d = dry.json as { messages: number; outbox: Json[]; tasks_planned: Json[] };
    assert.ok(d.messages > 50, dry.body.slice(0, 300));
    const forecast = await api.get(`/api/v1/forecast?from=${RUN_DAY}&days=3`);
    assert.equal(forecast.status, 200, forecast.body);
    const days = forecast.json as { date: string; messages: Json[]; tasks: Json[] }[];
    assert.deepEqual(days[0]!.messages, d.outbox);
    assert.deepEqual(days[0]!.tasks, d.tasks_planned);

    const run = await api.send('POST', '/api/v1/runs', { date: RUN_DAY });
    assert.equal(run.status, 200, run.body);
    const r = run.json as Json;
    assert.deepEqual(Object.keys(r).sort(), ['cancelled', 'date', 'messages', 'skipped', 'tasks']);
    assert.equal(r.messages, d.messages);
    const runs = (await api.get('/api/v1/runs')).json as { actor: string; status: string }[];
    assert.deepEqual(
      runs.map((x) => [x.actor, x.status]),
      [['api:ops', 'finished']],
    );

    // The outbox, page by page, equals the dry run's plan (ids aside).
    const items: Json[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(
        `/api/v1/outbox?limit=13${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(page.status, 200, page.body);
      const p = page.json as { items: Json[]; next_cursor: string | null };
      items.push(...p.items);
      cursor = p.next_cursor;
    } while (cursor);
    assert.deepEqual(
      items.map((m) => ({ ...m, id: null })),
      d.outbox,
    );
    const one = await api.get(`/api/v1/outbox/${items[0]!.id}`);
    assert.deepEqual(one.json, items[0]);
    assert.equal((await api.get('/api/v1/outbox/999999')).status, 404);
    assert.equal((await api.get('/api/v1/outbox?cursor=garbage!')).status, 400);
  });

  it('tasks: listed and done through the API', async () => {
    await db().exec(`
      INSERT INTO tasks (customer_id, kind, title, due)
        SELECT id, 'call', 'Call ' || name, '2026-03-16' FROM customers WHERE external_id IN ('C005', 'C006')`);
    const list = (await api.get('/api/v1/tasks?status=open&limit=1')).json as {
      items: Json[];
      next_cursor: string | null;
    };
    assert.equal(list.items.length, 1);
    assert.ok(list.next_cursor);
    const id = list.items[0]!.id;
    const done = await api.send('POST', `/api/v1/tasks/${id}/done`);
    assert.equal(done.status, 200, done.body);
    assert.equal((done.json as Json).status, 'done');
    assert.equal((await api.send('POST', `/api/v1/tasks/${id}/done`)).status, 422);
    assert.equal((await api.send('POST', '/api/v1/tasks/999999/done')).status, 404);
    const [row] = await db().query<{ done_by: string }>('SELECT done_by FROM tasks WHERE id = $1', [id]);
    assert.equal(row!.done_by, 'api:ops');
  });

  it('collections: dispute, resolve, promise, pause and resume with timeline events', async () => {
    const dispute = await api.send('POST', '/api/v1/invoices/I-C030-3/dispute', { reason: 'wrong price' });
    assert.equal(dispute.status, 201, dispute.body);
    assert.equal((dispute.json as Json).status, 'open');
    const again = await api.send('POST', '/api/v1/invoices/I-C030-3/dispute', { reason: 'again' });
    assert.equal(again.status, 422);
    assert.match(again.body, /already disputed/);
    assert.equal((await api.send('POST', '/api/v1/invoices/I-C030-3/resolve', {})).status, 200);
    const missing = await api.send('POST', '/api/v1/invoices/NOPE/dispute', { reason: 'x' });
    assert.equal(missing.status, 404);
    assert.match(missing.body, /no invoice numbered NOPE/);
    assert.equal((await api.send('POST', '/api/v1/invoices/I-C030-3/dispute', {})).status, 400);

    const promise = await api.send('POST', '/api/v1/invoices/I-C031-3/promise', {
      date: '2026-04-10',
      amount: '5.00',
    });
    assert.equal(promise.status, 201, promise.body);
    assert.deepEqual(
      { ...(promise.json as Json), id: 0 },
      {
        id: 0,
        invoice: 'I-C031-3',
        customer_external_id: 'C031',
        promised_date: '2026-04-10',
        amount: '5.00',
        currency: 'EUR',
        status: 'open',
        grace_days: 2,
        promised_through: '2026-04-12',
        created_by: 'api:ops',
      },
    );
    const past = await api.send('POST', '/api/v1/invoices/I-C032-3/promise', { date: '2026-03-01' });
    assert.equal(past.status, 422);
    assert.match(past.body, /in the past \(today is 2026-03-15\)/);

    const paused = await api.send('POST', '/api/v1/customers/C033/pause', { until: '2026-04-01' });
    assert.deepEqual(paused.json, { customer_external_id: 'C033', paused: true, paused_until: '2026-04-01' });
    const resumed = await api.send('POST', '/api/v1/customers/C033/resume');
    assert.deepEqual(resumed.json, { customer_external_id: 'C033', paused: false, paused_until: null });
    assert.equal((await api.send('POST', '/api/v1/customers/NOPE/pause', {})).status, 404);

    const events = await db().query<{ action: string }>(
      `SELECT action FROM audit_log WHERE actor = 'api:ops' AND action NOT LIKE 'campaigns.%' AND action <> 'task.done' ORDER BY id`,
    );
    assert.deepEqual(
      events.map((e) => e.action),
      [
        'invoice.disputed',
        'invoice.dispute_resolved',
        'promise.created',
        'customer.paused',
        'customer.resumed',
      ],
    );
  });

  it('every route needs an API key', async () => {
    for (const url of ['/api/v1/outbox', '/api/v1/tasks', '/api/v1/campaigns', '/api/v1/runs']) {
      const r = await api.app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 401, url);
    }
  });
});
