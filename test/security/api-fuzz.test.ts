// Fuzz every API route's JSON body (issue 8, fuzz suite): random JSON documents and
// near-misses of valid ones are sent to every state-changing /api/v1 route and to the
// sign-in route. Each answer must be a clear 4xx in the one error shape (or a success) —
// never a 500, never a hang. Runs per route: DUNWELL_FUZZ_RUNS (default 25; the long mode in
// docs/reliability.md uses 10,000).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildServer, routeTable } from '../../src/http/server.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { NOW } from '../http/support.ts';
import { describeEachEngine } from '../support/db.ts';

const RUNS = Number(process.env.DUNWELL_FUZZ_RUNS ?? 25);
const SEED = Number(process.env.DUNWELL_FUZZ_SEED ?? 20261125);
/** Routes whose success runs long work (the engine over the whole ledger); fuzzed with fewer runs. */
const HEAVY = new Set(['POST /api/v1/runs']);

const fieldNames = fc.constantFrom(
  'name',
  'email',
  'amount',
  'currency',
  'date',
  'due_date',
  'issue_date',
  'reason',
  'note',
  'items',
  'external_id',
  'customer_external_id',
  'number',
  'status',
  'balance',
  'applied_to',
  'until',
  'language',
  'tags',
  'priority',
  'password',
  '__proto__',
  'constructor',
  '',
);
const values = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '2026-02-30',
    '9999-12-31',
    '0000-01-01',
    '-1',
    '1e309',
    'NaN',
    '1.005',
    '€',
    '\u0000',
    'x\r\nBcc: a@b.c',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const bodies = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.dictionary(fieldNames, values, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc
    .array(fc.dictionary(fieldNames, values, { maxKeys: 5 }), { maxLength: 4 })
    .map((items) => JSON.stringify({ items })),
  fc.string({ maxLength: 60 }),
);

describeEachEngine('API JSON bodies under fuzzing', (db) => {
  let app: FastifyInstance;
  let auth: string;
  before(async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name) VALUES ('C1', 'One');
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'INV-1', id, 'INV-1', '2026-01-01', '2026-01-31', 'EUR', 10000 FROM customers;`);
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
    auth = `Bearer ${(await createApiKey(db(), 'fuzz')).key}`;
  });
  after(async () => {
    await app.close();
  });

  // found by the long mode: a NUL character reached PostgreSQL (which refuses it in text) and
  // answered 500, e.g. POST /api/v1/inbound/:id/assign {"customer_external_id":"\u0000"}
  it('answers a NUL character in any text field with a 4xx, never a 500', async () => {
    const routes = routeTable(app).filter(
      (r) => r.url.startsWith('/api/v1') && ['POST', 'PUT', 'PATCH'].includes(r.method),
    );
    for (const route of routes) {
      const url = route.url.replace(/:(\w+)/g, (_, name: string) =>
        name === 'number' ? 'INV-1' : name === 'external_id' ? 'C1' : '1',
      );
      for (const field of ['customer_external_id', 'external_id', 'name', 'note', 'reason', 'email']) {
        const r = await app.inject({
          method: route.method as 'POST',
          url,
          headers: { authorization: auth, 'content-type': 'application/json' },
          payload: JSON.stringify({ [field]: 'a\u0000b' }),
        });
        assert.ok(
          r.statusCode < 500,
          `${route.method} ${route.url} with ${field} "a\\u0000b" → ${r.statusCode} ${r.body}`,
        );
      }
    }
  });

  it('answers every fuzzed body with success or a clear 4xx, never a 500', async () => {
    const routes = routeTable(app).filter(
      (r) =>
        (r.url.startsWith('/api/v1') || r.url === '/api/session') &&
        ['POST', 'PUT', 'PATCH'].includes(r.method),
    );
    assert.ok(routes.length >= 5, `found ${routes.length} routes with bodies`);
    const started = performance.now();
    let bodiesSent = 0;
    for (const route of routes) {
      const url = route.url.replace(/:(\w+)/g, (_, name: string) =>
        name === 'number' ? 'INV-1' : name === 'external_id' ? 'C1' : '1',
      );
      const runs = HEAVY.has(`${route.method} ${route.url}`) ? Math.min(RUNS, 5) : RUNS;
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          bodiesSent++;
          const r = await app.inject({
            method: route.method as 'POST',
            url,
            headers: { authorization: auth, 'content-type': 'application/json' },
            payload: body,
          });
          const label = `${route.method} ${route.url} with ${body.slice(0, 200)} → ${r.statusCode} ${r.body.slice(0, 300)}`;
          assert.ok(r.statusCode < 500, label);
          if (r.statusCode >= 400 && r.headers['content-type']?.toString().includes('json')) {
            const parsed = JSON.parse(r.body) as { error?: { code?: string; message?: string } };
            assert.ok(parsed.error?.code && parsed.error.message, `no error shape: ${label}`);
          }
        }),
        { numRuns: runs, seed: SEED, includeErrorInReport: true },
      );
    }
    console.log(
      `fuzz API bodies: ${routes.length} routes, ${bodiesSent} bodies (${RUNS} per route, seed ${SEED}), ` +
        `no 500, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
