// Workspace sign-in (issue 7 item 1): scrypt passwords, sessions in an HTTP-only cookie, CSRF
// on every state-changing API call, roles enforced per route, throttled sign-in, and the
// `dunwell users` command.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { main } from '../../src/cli/main.ts';
import { buildServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { RateLimitedError } from '../../src/platform/errors.ts';
import { hashPassword, verifyPassword } from '../../src/users/passwords.ts';
import { roleMayCall } from '../../src/users/roles.ts';
import { authenticateSession, SignInFailedError, signIn } from '../../src/users/sessions.ts';
import { addUser, setUserDisabled, setUserRole } from '../../src/users/users.ts';
import { NOW } from '../http/support.ts';
import { describeEachEngine, seedDataDir } from '../support/db.ts';

const PASSWORD = 'correct horse battery staple';

it('hashes passwords with scrypt and verifies them', async () => {
  const hash = await hashPassword(PASSWORD);
  assert.match(hash, /^scrypt\$15\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.equal(await verifyPassword(PASSWORD, hash), true);
  assert.equal(await verifyPassword(`${PASSWORD}!`, hash), false);
  assert.equal(await verifyPassword(PASSWORD, 'md5$abc'), false);
  assert.notEqual(await hashPassword(PASSWORD), hash, 'salted');
});

it('lets viewers read, collectors do declared collection work, admins everything', () => {
  assert.equal(roleMayCall('viewer', 'GET', undefined), true);
  assert.equal(roleMayCall('viewer', 'POST', 'collector'), false);
  assert.equal(roleMayCall('collector', 'POST', 'collector'), true);
  assert.equal(roleMayCall('collector', 'PUT', undefined), false, 'undeclared writes are admin-only');
  assert.equal(roleMayCall('collector', 'GET', 'admin'), false);
  assert.equal(roleMayCall('admin', 'DELETE', undefined), true);
});

describeEachEngine('workspace sign-in and roles', (db) => {
  let app: FastifyInstance;
  const now = new Date(NOW);
  before(async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name) VALUES ('C1', 'One');
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'INV-1', id, 'INV-1', '2026-01-01', '2026-01-31', 'EUR', 10000 FROM customers;`);
    for (const role of ['admin', 'collector', 'viewer']) {
      await addUser(db(), { email: `${role}@example.com`, role, password: PASSWORD });
    }
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
  });
  after(async () => {
    await app.close();
  });

  async function session(email: string) {
    const r = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email, password: PASSWORD },
    });
    assert.equal(r.statusCode, 200, r.body);
    const setCookie = String(r.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    const cookie = setCookie.split(';')[0] as string;
    return { cookie, csrf: (r.json() as { csrf_token: string }).csrf_token };
  }

  it('refuses duplicate addresses and weak passwords with a clear message', async () => {
    await assert.rejects(addUser(db(), { email: 'ADMIN@example.com', role: 'viewer' }), /already exists/);
    await assert.rejects(
      addUser(db(), { email: 'x@example.com', role: 'viewer', password: 'short' }),
      /at least 12/,
    );
    await assert.rejects(
      addUser(db(), { email: 'x\r\n@example.com', role: 'viewer' }),
      /not an email address/,
    );
    await assert.rejects(addUser(db(), { email: 'y@example.com', role: 'root' }), /not one of admin/);
  });

  it('gives the same answer for an unknown address and a wrong password, then throttles', async () => {
    const tryWith = (email: string, password: string) =>
      signIn(db(), { email, password, client: '10.0.0.9' }, now);
    await assert.rejects(tryWith('nobody@example.com', PASSWORD), SignInFailedError);
    for (let i = 0; i < 5; i++) {
      await assert.rejects(tryWith('viewer@example.com', 'wrong password!!'), (err: Error) => {
        assert.ok(err instanceof SignInFailedError);
        assert.equal(err.message, 'the email address or the password is wrong');
        return true;
      });
    }
    await assert.rejects(tryWith('viewer@example.com', PASSWORD), RateLimitedError);
    const r = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'viewer@example.com', password: PASSWORD },
    });
    assert.equal(r.statusCode, 429);
    assert.ok(Number(r.headers['retry-after']) > 0);
    await db().exec("DELETE FROM rate_events WHERE bucket = 'sign-in-failure:email:viewer@example.com'");
  });

  it('serves the API to a signed-in user by role, with CSRF on writes', async () => {
    const viewer = await session('viewer@example.com');
    const read = await app.inject({ url: '/api/v1/invoices', headers: { cookie: viewer.cookie } });
    assert.equal(read.statusCode, 200);
    const dispute = (who: { cookie: string; csrf: string }, csrf?: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/invoices/INV-1/dispute',
        headers: { cookie: who.cookie, ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) },
        payload: { reason: 'wrong amount' },
      });
    assert.equal((await dispute(viewer, viewer.csrf)).statusCode, 403);

    const collector = await session('collector@example.com');
    const noCsrf = await dispute(collector);
    assert.equal(noCsrf.statusCode, 403);
    assert.equal((noCsrf.json() as { error: { code: string } }).error.code, 'csrf');
    assert.equal((await dispute(collector, viewer.csrf)).statusCode, 403, "another session's token");
    const ok = await dispute(collector, collector.csrf);
    assert.ok(ok.statusCode < 300, ok.body);
    const [event] = await db().query<{ actor: string }>(
      "SELECT actor FROM audit_log WHERE action LIKE '%dispute%' ORDER BY id DESC LIMIT 1",
    );
    assert.equal(event?.actor, 'user:collector@example.com');

    const ledgerWrite = await app.inject({
      method: 'PUT',
      url: '/api/v1/customers/C2',
      headers: { cookie: collector.cookie, 'x-csrf-token': collector.csrf },
      payload: { name: 'Two' },
    });
    assert.equal(ledgerWrite.statusCode, 403, 'ledger writes are admin-only');
    const admin = await session('admin@example.com');
    const adminWrite = await app.inject({
      method: 'PUT',
      url: '/api/v1/customers/C2',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { name: 'Two' },
    });
    assert.notEqual(adminWrite.statusCode, 403);
    assert.notEqual(adminWrite.statusCode, 401);
  });

  it('ends sessions on sign-out, role change and disabling; never accepts a planted cookie', async () => {
    const planted = await app.inject({
      url: '/api/v1/invoices',
      headers: { cookie: `dunwell_session=${'A'.repeat(43)}` },
    });
    assert.equal(planted.statusCode, 401);

    const first = await session('collector@example.com');
    const me = await app.inject({ url: '/api/session', headers: { cookie: first.cookie } });
    assert.equal((me.json() as { csrf_token: string }).csrf_token, first.csrf, 'token again after reload');
    const out = await app.inject({
      method: 'DELETE',
      url: '/api/session',
      headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
    });
    assert.equal(out.statusCode, 204);
    assert.equal(
      (await app.inject({ url: '/api/v1/invoices', headers: { cookie: first.cookie } })).statusCode,
      401,
    );

    const second = await session('collector@example.com');
    await setUserRole(db(), 'collector@example.com', 'viewer');
    assert.equal(
      (await app.inject({ url: '/api/v1/invoices', headers: { cookie: second.cookie } })).statusCode,
      401,
    );
    await setUserRole(db(), 'collector@example.com', 'collector');

    const third = await signIn(
      db(),
      { email: 'collector@example.com', password: PASSWORD, client: 'x' },
      now,
    );
    assert.ok(await authenticateSession(db(), third.token, now));
    await setUserDisabled(db(), 'collector@example.com', true);
    assert.equal(await authenticateSession(db(), third.token, now), null);
    await assert.rejects(
      signIn(db(), { email: 'collector@example.com', password: PASSWORD, client: 'x' }, now),
      SignInFailedError,
    );
    await setUserDisabled(db(), 'collector@example.com', false);

    const idle = await signIn(db(), { email: 'admin@example.com', password: PASSWORD, client: 'x' }, now);
    assert.equal(await authenticateSession(db(), idle.token, new Date(now.getTime() + 13 * 3600_000)), null);
  });
});

it('dunwell users add reads the password from stdin and never prints it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dunwell-users-'));
  await seedDataDir(dir);
  const out = new PassThrough();
  const err = new PassThrough();
  let printed = '';
  out.on('data', (chunk) => {
    printed += String(chunk);
  });
  const stdin = new PassThrough();
  const realStdin = Object.getOwnPropertyDescriptor(process, 'stdin');
  Object.defineProperty(process, 'stdin', { value: stdin, configurable: true });
  stdin.end(`${PASSWORD}\n`);
  try {
    const code = await main(
      ['users', 'add', 'ana@example.com', '--role', 'collector', '--password-stdin', '--json', '--db', dir],
      { stdout: out, stderr: err, env: {} },
    );
    assert.equal(code, 0);
  } finally {
    if (realStdin) Object.defineProperty(process, 'stdin', realStdin);
  }
  const json = JSON.parse(printed) as { email: string; role: string; password: string | null };
  assert.equal(json.email, 'ana@example.com');
  assert.equal(json.role, 'collector');
  assert.equal(json.password, null);
  assert.doesNotMatch(printed, /horse/);
});

it('dunwell users role and disable refuse to leave the workspace without an active admin', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dunwell-users-'));
  await seedDataDir(dir);
  const run = async (args: string[]) => {
    const err = new PassThrough();
    let said = '';
    err.on('data', (chunk) => {
      said += String(chunk);
    });
    const code = await main([...args, '--db', dir], { stdout: new PassThrough(), stderr: err, env: {} });
    return { code, said };
  };
  const stdin = new PassThrough();
  const realStdin = Object.getOwnPropertyDescriptor(process, 'stdin');
  Object.defineProperty(process, 'stdin', { value: stdin, configurable: true });
  stdin.end(`${PASSWORD}\n`);
  try {
    assert.equal(
      (await run(['users', 'add', 'boss@example.com', '--role', 'admin', '--password-stdin'])).code,
      0,
    );
  } finally {
    if (realStdin) Object.defineProperty(process, 'stdin', realStdin);
  }
  const demote = await run(['users', 'role', 'boss@example.com', 'viewer']);
  assert.notEqual(demote.code, 0);
  assert.match(demote.said, /last active admin/);
  const disable = await run(['users', 'disable', 'boss@example.com']);
  assert.notEqual(disable.code, 0);
  assert.match(disable.said, /last active admin/);
});
