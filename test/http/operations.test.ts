// Operations endpoints and what the server logs: /healthz, /readyz, /metrics (database
// figures shared by every process, per-process HTTP latency by route pattern), request ids,
// and URLs masked before they are logged.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer, loggableUrl } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { describeEachEngine } from '../support/db.ts';
import { NOW } from './support.ts';

describeEachEngine('http operations endpoints', (db) => {
  let app: FastifyInstance;
  before(async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name) VALUES ('C1', 'One');
      INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for, status, created_at)
      SELECT id, 'standard', 'reminder', 'reminder', 'en', true, current_date - 1, 'planned', now() - interval '2 hours' FROM customers;
      INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for, status)
      SELECT id, 'standard', 'past-due', 'past-due', 'en', true, current_date, 'sent' FROM customers;
      INSERT INTO tasks (customer_id, kind, title, due) SELECT id, 'call', 'Call', current_date FROM customers;`);
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
  });
  after(async () => {
    await app.close();
  });

  it('answers liveness and readiness without an API key', async () => {
    const live = await app.inject({ url: '/healthz' });
    assert.equal(live.statusCode, 200);
    assert.deepEqual(live.json(), { status: 'ok' });
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  it('exposes database figures and request latency by route pattern in Prometheus format', async () => {
    await app.inject({ url: '/api/v1/invoices/SECRET-LOOKING-ID-1234567890' }); // 401, still timed
    const r = await app.inject({ url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /text\/plain/);
    assert.match(r.body, /^dunwell_outbox_messages\{status="planned"\} 1$/m);
    assert.match(r.body, /^dunwell_outbox_messages\{status="sent"\} 1$/m);
    assert.match(r.body, /^dunwell_outbox_queue_depth 1$/m);
    const age = Number(/^dunwell_outbox_queue_age_seconds (\S+)$/m.exec(r.body)?.[1]);
    assert.ok(age >= 7000 && age < 8000, `queue age ${age}`);
    assert.match(r.body, /^dunwell_tasks_open 1$/m);
    assert.match(
      r.body,
      /dunwell_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/,
    );
    assert.match(r.body, /route="\/api\/v1\/invoices\/:external_id",status="401"/);
    assert.doesNotMatch(r.body, /SECRET-LOOKING-ID/);
  });

  it('requires the metrics token when one is configured', async () => {
    process.env.DUNWELL_METRICS_TOKEN = 'scrape-token';
    try {
      assert.equal((await app.inject({ url: '/metrics' })).statusCode, 401);
      const wrong = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-tokeN' } });
      assert.equal(wrong.statusCode, 401);
      const ok = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token' } });
      assert.equal(ok.statusCode, 200);
    } finally {
      delete process.env.DUNWELL_METRICS_TOKEN;
    }
  });

  it('gives every response a request id, reusing a safe incoming one only', async () => {
    const fresh = await app.inject({ url: '/healthz' });
    assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const kept = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'lb-42.a' } });
    assert.equal(kept.headers['x-request-id'], 'lb-42.a');
    const refused = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'x\u00e9 y' } });
    assert.notEqual(refused.headers['x-request-id'], 'x\u00e9 y');
  });
});

it('masks query values and token-like path segments before a URL is logged', () => {
  assert.equal(loggableUrl('/api/v1/invoices?limit=5&cursor=abc'), '/api/v1/invoices?limit=…&cursor=…');
  assert.equal(
    loggableUrl('/portal/eyJjIjoxLCJlIjoxNzAwMDAwMDAwfQ.sig-abcdef0123456789/invoices/INV-1'),
    '/portal/…/invoices/INV-1',
  );
  assert.equal(loggableUrl('/healthz'), '/healthz');
});
