// The authorization matrix (issue 8, security suite): every route the server registers is
// called as nobody, as a viewer, a collector, an admin and an API key, and each answer is
// checked against the documented rule (docs/workspace-access.md). New routes are covered
// automatically; a new route outside /api/v1 must be added to PUBLIC below on purpose.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer, type RouteEntry, routeTable } from '../../src/http/server.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { signIn } from '../../src/users/sessions.ts';
import { addUser, type UserRole } from '../../src/users/users.ts';
import { NOW } from '../http/support.ts';
import { describeEachEngine } from '../support/db.ts';

/** Routes outside /api/v1 that answer without an API key or session, and why. */
const PUBLIC: Record<string, string> = {
  '/': 'home page',
  '/healthz': 'liveness',
  '/readyz': 'readiness',
  '/metrics': 'Prometheus (optional DUNWELL_METRICS_TOKEN)',
  '/api/docs': 'API reference',
  '/api/openapi.json': 'OpenAPI document',
  '/api/session': 'sign-in / sign-out',
  '/api/password-reset':
    'forgot password: same answer for every address, rate limited (test/users/password-reset)',
  '/api/password-reset/confirm':
    'new password with a single-use, hashed, 1-hour token (test/users/password-reset)',
};
/** Prefixes of public route families with their own protection (signed tokens, signatures). */
const PUBLIC_PREFIXES: Record<string, string> = {
  '/portal': 'customer portal: signed, expiring link tokens (test/portal)',
  '/webhooks/': 'payment-provider webhooks: signature-verified (test/portal)',
  '/assets/': 'static files',
  '/app': 'workspace pages (data only through /api/v1)',
};

const PASSWORD = 'matrix password 1234';

function concrete(url: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) =>
    /id$/.test(name) && name !== 'external_id' ? '987654' : 'NOPE',
  );
}

describeEachEngine('authorization matrix', (db) => {
  let app: FastifyInstance;
  let routes: RouteEntry[];
  const callers: Record<string, Record<string, string>> = {};
  before(async () => {
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
    routes = routeTable(app);
    for (const role of ['admin', 'collector', 'viewer'] as const) {
      await addUser(db(), { email: `${role}@example.com`, role, password: PASSWORD });
      const s = await signIn(
        db(),
        { email: `${role}@example.com`, password: PASSWORD, client: role },
        new Date(NOW),
      );
      callers[role] = { cookie: `dunwell_session=${s.token}`, 'x-csrf-token': s.csrfToken };
    }
    const { key } = await createApiKey(db(), 'matrix');
    callers.apikey = { authorization: `Bearer ${key}` };
  });
  after(async () => {
    await app.close();
  });

  const call = (route: RouteEntry, headers: Record<string, string>) =>
    app.inject({
      method: route.method as 'GET',
      url: concrete(route.url),
      headers: { ...headers, ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: '{}' }),
    });

  it('protects every /api/v1 route and knows every public one', () => {
    const api = routes.filter((r) => r.url.startsWith('/api/v1'));
    assert.ok(api.length > 20, `found ${api.length} API routes`);
    const unknown = routes
      .filter((r) => !r.url.startsWith('/api/v1'))
      .filter((r) => !(r.url in PUBLIC) && !Object.keys(PUBLIC_PREFIXES).some((p) => r.url.startsWith(p)))
      .map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(unknown, [], 'public routes nobody reviewed: add them to PUBLIC with the reason');
  });

  it('answers 401 to a caller with no key and no session on every /api/v1 route', async () => {
    for (const route of routes.filter((r) => r.url.startsWith('/api/v1'))) {
      const r = await call(route, {});
      assert.equal(r.statusCode, 401, `${route.method} ${route.url} → ${r.statusCode}`);
    }
  });

  for (const caller of ['viewer', 'collector', 'admin', 'apikey'] as const) {
    it(`applies the role rule to a ${caller} on every /api/v1 route`, async () => {
      const role: UserRole = caller === 'apikey' ? 'admin' : caller;
      const rank = { viewer: 0, collector: 1, admin: 2 };
      for (const route of routes.filter((r) => r.url.startsWith('/api/v1'))) {
        const needed: UserRole = route.minRole ?? (route.method === 'GET' ? 'viewer' : 'admin');
        const allowed = rank[role] >= rank[needed];
        const r = await call(route, callers[caller] ?? {});
        const label = `${caller}: ${route.method} ${route.url} → ${r.statusCode} ${r.body.slice(0, 120)}`;
        if (allowed) assert.ok(r.statusCode !== 401 && r.statusCode !== 403, label);
        else assert.equal(r.statusCode, 403, label);
      }
    });
  }
});
