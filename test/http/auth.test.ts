// API keys and the bearer guard on /api/v1: no key, a malformed, unknown or revoked key → 401
// with WWW-Authenticate; public pages stay public; the key's name becomes the actor.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import {
  authenticateApiKey,
  createApiKey,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
} from '../../src/ledger/api-keys.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { describeEachEngine } from '../support/db.ts';
import { NOW } from './support.ts';

describeEachEngine('http api keys', (db) => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
  });
  after(async () => {
    await app.close();
  });

  it('creates keys shown once and stores only their hash and a prefix', async () => {
    const created = await createApiKey(db(), '  erp-sync ');
    assert.match(created.key, /^dw_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.name, 'erp-sync');
    assert.equal(created.prefix, created.key.slice(0, 10));
    const [row] = await db().query<Record<string, unknown>>(
      'SELECT name, prefix, key_hash FROM api_keys WHERE id = $1',
      [created.id],
    );
    assert.deepEqual(row, { name: 'erp-sync', prefix: created.prefix, key_hash: hashApiKey(created.key) });
    assert.ok(!JSON.stringify(await db().query('SELECT * FROM api_keys')).includes(created.key));
    const other = await createApiKey(db(), 'erp-sync');
    assert.notEqual(other.key, created.key);
    await assert.rejects(createApiKey(db(), '   '), /not usable/);
  });

  it('answers 401 with WWW-Authenticate without a key, with a bad key and with a revoked key', async () => {
    const { key, id } = await createApiKey(db(), 'soon-revoked');
    const call = (authorization?: string) =>
      app.inject({ url: '/api/v1/customers', headers: authorization ? { authorization } : {} });

    const none = await call();
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="dunwell"');
    assert.deepEqual(Object.keys(none.json().error), ['code', 'message']);
    assert.equal(none.json().error.code, 'unauthorized');
    assert.match(none.json().error.message, /dunwell apikeys create/);

    for (const bad of [
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      'Bearer',
      `Bearer ${key}x`,
      `Bearer dw_${'A'.repeat(43)}`,
    ]) {
      const r = await call(bad);
      assert.equal(r.statusCode, 401, bad);
      assert.match(String(r.headers['www-authenticate']), /^Bearer realm="dunwell"/);
    }
    assert.equal((await call(`Bearer ${key}`)).statusCode, 200);
    assert.equal((await call(`bearer  ${key}`)).statusCode, 200);

    await revokeApiKey(db(), id, new Date(NOW));
    const revoked = await call(`Bearer ${key}`);
    assert.equal(revoked.statusCode, 401);
    assert.match(revoked.json().error.message, /revoked/);
  });

  it('guards every /api/v1 path, even unknown ones and encoded or dotted spellings', async () => {
    for (const url of [
      '/api/v1/nothing-here',
      '/api/v1',
      '/api/%761/customers',
      '/api/v1/../v1/customers',
      '/API/v1/customers',
      '//api/v1/customers',
      '/api/v1/customers?x=1',
    ]) {
      const r = await app.inject({ url });
      assert.equal(r.statusCode, 401, url);
    }
    for (const method of ['PUT', 'POST', 'DELETE'] as const) {
      const r = await app.inject({ method, url: '/api/v1/customers/X', payload: { name: 'x' } });
      assert.equal(r.statusCode, 401, method);
    }
    const [count] = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM customers');
    assert.equal(count?.n, 0);
  });

  it('leaves /, /api/docs and /api/openapi.json public', async () => {
    for (const url of ['/', '/api/docs', '/api/openapi.json']) {
      assert.equal((await app.inject({ url })).statusCode, 200, url);
    }
  });

  it('records the key name as the actor and the last use at most once a minute', async () => {
    const { key, id } = await createApiKey(db(), 'tracker');
    const t0 = new Date('2026-03-15T10:00:00Z');
    assert.deepEqual(await authenticateApiKey(db(), key, t0), { id, name: 'tracker' });
    const lastUsed = async () => (await listApiKeys(db())).find((k) => k.id === id)?.last_used_at;
    assert.equal(await lastUsed(), '2026-03-15T10:00:00.000Z');
    await authenticateApiKey(db(), key, new Date('2026-03-15T10:00:59Z'));
    assert.equal(await lastUsed(), '2026-03-15T10:00:00.000Z');
    await authenticateApiKey(db(), key, new Date('2026-03-15T10:01:00Z'));
    assert.equal(await lastUsed(), '2026-03-15T10:01:00.000Z');
    assert.equal(await authenticateApiKey(db(), 'not a key', t0), null);

    await db().exec(`INSERT INTO customers (external_id, name) VALUES ('ACT', 'Actor test')`);
    const r = await app.inject({
      method: 'DELETE',
      url: '/api/v1/customers/ACT',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(r.statusCode, 204);
    const [event] = await db().query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE action = 'customer.deleted' AND entity_id = 'ACT'`,
    );
    assert.equal(event?.actor, 'api:tracker');
  });

  it('revoking an unknown key id is a not-found error that says how to list ids', async () => {
    await assert.rejects(revokeApiKey(db(), 999999, new Date(NOW)), /apikeys list/);
  });
});

describeEachEngine('http unexpected errors', (db) => {
  it('answers an unexpected failure with a 500 that leaks nothing', async () => {
    const real = db();
    const failing = {
      ...real,
      query: async () => {
        throw new Error('relation "secret_table" does not exist at /srv/secret/path.ts');
      },
    };
    const app = await buildServer({ db: failing, clock: fixedClock(NOW) });
    const originalWrite = process.stderr.write;
    const logged: string[] = [];
    process.stderr.write = ((chunk: string) => {
      logged.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const r = await app.inject({
        url: '/api/v1/customers',
        headers: { authorization: `Bearer dw_${'a'.repeat(43)}` },
      });
      assert.equal(r.statusCode, 500);
      assert.equal(r.json().error.code, 'internal');
      assert.doesNotMatch(r.body, /secret/);
      assert.match(r.json().error.message, /server log/);
    } finally {
      process.stderr.write = originalWrite;
      await app.close();
    }
    assert.ok(
      logged.some((l) => l.includes('secret_table')),
      'the failure is logged',
    );
  });
});
