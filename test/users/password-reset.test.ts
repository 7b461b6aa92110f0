// Password reset by e-mailed link (issue 7 item 1): the request answers the same for every
// address and mails a link only to an active user, through the outbox's system mail, in the
// asked language; only the SHA-256 of the token's secret is stored; the token works once,
// for one hour, and not when tampered with; the new password is checked like any other, ends
// every session and makes the old password useless; requests are rate limited per address
// (silently) and per client (429).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import {
  confirmPasswordReset,
  RESET_REQUESTED_MESSAGE,
  ResetLinkInvalidError,
  requestPasswordReset,
} from '../../src/users/password-reset.ts';
import { signIn } from '../../src/users/sessions.ts';
import { addUser, setUserDisabled } from '../../src/users/users.ts';
import { NOW } from '../http/support.ts';
import { describeEachEngine } from '../support/db.ts';

const OLD_PASSWORD = 'the old password 1';
const NEW_PASSWORD = 'a brand new secret 2';

describeEachEngine('password reset', (db) => {
  let app: FastifyInstance;
  before(async () => {
    await addUser(db(), { email: 'Jo.Reset@example.com', role: 'collector', password: OLD_PASSWORD });
    await addUser(db(), { email: 'gone@example.com', role: 'viewer', password: OLD_PASSWORD });
    await setUserDisabled(db(), 'gone@example.com', true);
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
  });
  after(async () => {
    await app.close();
  });

  const ask = (email: string, client: string, language?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/password-reset',
      remoteAddress: client,
      payload: { email, ...(language ? { language } : {}) },
    });
  const confirm = (token: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/password-reset/confirm', payload: { token, password } });
  const mails = () =>
    db().query<{
      to_address: string;
      subject: string;
      text_body: string;
      html_body: string;
      purpose: string;
    }>('SELECT to_address, subject, text_body, html_body, purpose FROM system_mail ORDER BY id');
  const tokenIn = (text: string) => {
    const m = /(\S+)\/app#\/reset-password\?token=(\d+\.[A-Za-z0-9_-]{43})/.exec(text);
    assert.ok(m, text);
    return { base: m[1], token: m[2] as string };
  };

  it('answers every address the same and mails a link only to an active user, storing only a hash', async () => {
    const answers = [];
    for (const email of [
      'jo.reset@EXAMPLE.com',
      'nobody@example.com',
      'gone@example.com',
      'not an address',
    ]) {
      const r = await ask(email, '10.1.0.1');
      answers.push([r.statusCode, r.body]);
    }
    const expected = [202, JSON.stringify({ message: RESET_REQUESTED_MESSAGE })];
    assert.deepEqual(answers, [expected, expected, expected, expected]);
    const sent = await mails();
    assert.equal(sent.length, 1);
    const mail = sent[0]!;
    assert.equal(mail.to_address, 'Jo.Reset@example.com');
    assert.equal(mail.purpose, 'password-reset');
    assert.equal(mail.subject, 'Set a new password for your Dunwell workspace');
    const { base, token } = tokenIn(mail.text_body);
    assert.equal(base, 'http://127.0.0.1:3000');
    assert.ok(mail.html_body.includes(token));
    const [id, secret] = token.split('.') as [string, string];
    const [row] = await db().query<{ secret_hash: string; expires_at: string }>(
      'SELECT secret_hash, expires_at FROM password_reset_tokens WHERE id = $1',
      [Number(id)],
    );
    assert.equal(row?.secret_hash, createHash('sha256').update(secret).digest('hex'));
    assert.equal(new Date(row!.expires_at).toISOString(), new Date(Date.parse(NOW) + 3600_000).toISOString());
    const dump = JSON.stringify(await db().query('SELECT * FROM password_reset_tokens'));
    assert.ok(!dump.includes(secret), 'the secret itself is never stored');
  });

  it('writes the mail in the language asked for', async () => {
    await ask('jo.reset@example.com', '10.1.0.2', 'de');
    const last = (await mails()).at(-1)!;
    assert.equal(last.subject, 'Neues Passwort für Ihren Dunwell-Arbeitsplatz');
    assert.match(last.text_body, /innerhalb einer Stunde/);
  });

  it('sets a new password once: weak ones refused, sessions ended, old password and other links dead', async () => {
    const old = await signIn(
      db(),
      { email: 'jo.reset@example.com', password: OLD_PASSWORD, client: 'x' },
      new Date(NOW),
    );
    const sent = await mails();
    const first = tokenIn(sent[0]!.text_body).token;
    const second = tokenIn(sent[1]!.text_body).token;
    const weak = await confirm(first, 'short');
    assert.equal(weak.statusCode, 422);
    assert.match(weak.body, /at least 12 characters/);
    const withAddress = await confirm(first, 'jo.reset-and-more-text');
    assert.match(withAddress.body, /must not contain the email address/);
    const ok = await confirm(first, NEW_PASSWORD);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { email: 'Jo.Reset@example.com' });
    const me = await app.inject({
      url: '/api/v1/customers',
      headers: { cookie: `dunwell_session=${old.token}` },
    });
    assert.equal(me.statusCode, 401, 'the session from before the reset has ended');
    for (const token of [first, second]) {
      const again = await confirm(token, 'yet another password 3');
      assert.equal(again.statusCode, 422);
      assert.match(again.body, /no longer valid/);
    }
    const signInWith = (password: string) =>
      app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: 'jo.reset@example.com', password },
      });
    assert.equal((await signInWith(OLD_PASSWORD)).statusCode, 422);
    assert.equal((await signInWith(NEW_PASSWORD)).statusCode, 200);
    const [event] = await db().query<{ actor: string; customer_id: number | null }>(
      `SELECT actor, customer_id FROM audit_log WHERE action = 'user.password_reset'`,
    );
    assert.deepEqual(event, { actor: 'user:Jo.Reset@example.com', customer_id: null });
  });

  it('refuses an expired, tampered or malformed token with the same message', async () => {
    const t0 = new Date('2026-03-14T08:00:00Z'); // a day before NOW: outside the rate window of the next test
    await requestPasswordReset(
      db(),
      { email: 'jo.reset@example.com', client: '10.1.0.3', language: 'en', publicUrl: 'https://ar.example' },
      t0,
    );
    const { base, token } = tokenIn((await mails()).at(-1)!.text_body);
    assert.equal(base, 'https://ar.example');
    const [id, secret] = token.split('.') as [string, string];
    const tampered = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const [bad, at] of [
      [tampered, t0],
      [`${Number(id) + 1}.${secret}`, t0],
      ['not-a-token', t0],
      [token, new Date(t0.getTime() + 3600_000)],
    ] as const) {
      await assert.rejects(
        confirmPasswordReset(db(), { token: bad, password: 'valid new password 4' }, at),
        (err) => {
          assert.ok(err instanceof ResetLinkInvalidError);
          return true;
        },
      );
    }
    // a minute before expiry it still works
    const done = await confirmPasswordReset(
      db(),
      { token, password: 'valid new password 4' },
      new Date(t0.getTime() + 3540_000),
    );
    assert.equal(done.email, 'Jo.Reset@example.com');
  });

  it('rate limits: a fourth request for one address in an hour sends nothing, the 21st from one client gets 429', async () => {
    const before = (await mails()).length;
    for (let n = 0; n < 5; n++) {
      const r = await ask('jo.reset@example.com', `10.2.0.${n}`);
      assert.equal(r.statusCode, 202);
    }
    // two went out before in this hour for the address (10.1.0.1, 10.1.0.2): one more now
    assert.equal((await mails()).length, before + 1);
    for (let n = 0; n < 20; n++)
      assert.equal((await ask(`someone${n}@example.com`, '10.3.0.1')).statusCode, 202);
    const limited = await ask('someone@example.com', '10.3.0.1');
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.match(limited.body, /too many password reset requests/);
  });
});
