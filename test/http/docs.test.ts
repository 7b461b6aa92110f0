// The OpenAPI document, the reference page built from it, and the home page: every /api/v1
// route is documented with the bearer scheme; pages render and escape every value.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { describeEachEngine } from '../support/db.ts';
import { NOW } from './support.ts';

type OpenApi = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { tags?: string[]; security?: unknown; responses: Record<string, unknown> }>
  >;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

/** 'METHOD /path' of every route, read from Fastify's route tree (HEAD left out). */
function registeredRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([\s│├└─]*)(\S.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length;
    while (stack.length > 0 && (stack[stack.length - 1]?.depth ?? 0) >= depth) stack.pop();
    const parent = stack[stack.length - 1]?.path ?? '';
    const segment = (m[2] ?? '').split('|')[0] ?? '';
    const path = `${parent}${parent.endsWith('/') || segment.startsWith('/') || parent === '' ? '' : '/'}${segment}`;
    stack.push({ depth, path });
    for (const method of (m[3] ?? '').split(', ')) if (method !== 'HEAD') out.push(`${method} ${path}`);
  }
  return out;
}

describeEachEngine('http docs and pages', (db) => {
  let app: FastifyInstance;
  before(async () => {
    await db().exec(`
      UPDATE organisation SET name = 'Widgets & <Sons>';
      INSERT INTO customers (external_id, name) VALUES ('X<1>', '<script>alert(1)</script>');
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'I-1', id, 'I-1', '2026-01-01', '2026-01-31', 'EUR', 123456 FROM customers;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'I-2', id, 'I-2', '2026-03-01', '2026-04-30', 'USD', 500 FROM customers;`);
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
  });
  after(async () => {
    await app.close();
  });

  it('serves an OpenAPI 3.1 document with every /api/v1 route, bearer security and no pages', async () => {
    const r = await app.inject({ url: '/api/openapi.json' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /application\/json/);
    const doc = JSON.parse(r.body) as OpenApi;
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key from `dunwell apikeys create`',
    });
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      assert.ok(path.startsWith('/api/v1'), `${path} should not be documented`);
      for (const [method, op] of Object.entries(ops)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        assert.deepEqual(op.security, [{ bearerAuth: [] }], `${method} ${path}`);
        assert.ok(op.responses['401'], `${method} ${path} documents 401`);
        assert.ok(op.tags?.length, `${method} ${path} has a tag`);
      }
    }
    for (const resource of ['customers', 'contacts', 'invoices', 'payments', 'credit-notes']) {
      for (const op of [
        `GET /api/v1/${resource}`,
        `POST /api/v1/${resource}`,
        `GET /api/v1/${resource}/{external_id}`,
        `PUT /api/v1/${resource}/{external_id}`,
        `DELETE /api/v1/${resource}/{external_id}`,
      ]) {
        assert.ok(documented.has(op), `${op} is documented`);
      }
    }
    // every registered /api/v1 route (route files of other parts included) is documented
    const normalise = (path: string) => path.replace(/\{[^}]+\}|:[^/]+/g, '{}');
    const registered = registeredRoutes(app).filter((r) => r.includes(' /api/v1'));
    assert.ok(registered.length >= 25, registered.join(', '));
    const documentedNormalised = new Set([...documented].map(normalise));
    for (const route of registered)
      assert.ok(documentedNormalised.has(normalise(route)), `${route} is documented`);
    // every $ref resolves
    const refs = [...r.body.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? '');
    assert.ok(refs.length > 0);
    for (const name of refs) assert.ok(doc.components.schemas[name], `schema ${name} exists`);
    assert.ok(doc.components.schemas.Invoice);
  });

  it('renders the API reference with operations, parameters, schemas and curl examples', async () => {
    const r = await app.inject({ url: '/api/docs', headers: { host: 'ar.example:8080' } });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /text\/html/);
    const page = r.body;
    assert.match(page, /<h2 id="tag-customers">customers<\/h2>/);
    assert.match(
      page,
      /<span class="method put">put<\/span><span class="path">\/api\/v1\/invoices\/\{external_id\}<\/span>/,
    );
    assert.match(page, /<code>due_before<\/code>/);
    assert.match(page, /<code>items\[\]\.due_date<\/code>/);
    assert.match(page, /curl -X PUT -H &quot;Authorization: Bearer \$DUNWELL_API_KEY&quot;/);
    assert.match(page, /http:\/\/ar\.example:8080\/api\/v1\/customers\/C-1001/);
    assert.match(page, /id="schema-Invoice"/);
    assert.ok(!/<script/i.test(page), 'no script tags');
    // a hostile Host header is escaped, not injected
    const hostile = await app.inject({ url: '/api/docs', headers: { host: 'x"><script>y' } });
    assert.ok(!hostile.body.includes('<script>y'));
  });

  it('renders the home page with the totals and escapes every value', async () => {
    const r = await app.inject({ url: '/' });
    assert.equal(r.statusCode, 200);
    const page = r.body;
    assert.match(page, /<h1>Widgets &amp; &lt;Sons&gt;<\/h1>/);
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'customer name escaped');
    assert.ok(page.includes('X&lt;1&gt;'));
    assert.ok(!/<script/i.test(page));
    assert.match(
      page,
      /<td>EUR<\/td><td class="num">1<\/td><td class="num">1234.56<\/td><td class="num">1234.56<\/td>/,
    );
    assert.match(
      page,
      /<td>USD<\/td><td class="num">1<\/td><td class="num">5.00<\/td><td class="num">0.00<\/td>/,
    );
    assert.match(page, /href="\/api\/docs"/);
    assert.match(page, /href="\/api\/openapi.json"/);
  });

  it('answers unknown pages with the JSON error shape', async () => {
    const r = await app.inject({ url: '/nowhere' });
    assert.equal(r.statusCode, 404);
    assert.deepEqual(Object.keys(r.json()), ['error']);
    assert.equal(r.json().error.code, 'not_found');
  });
});
