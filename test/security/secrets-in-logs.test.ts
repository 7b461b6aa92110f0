/**
 * Secrets are never logged (issue 8, security suite). A real `dunwell serve --role all`
 * (web and workers, JSON request logs at debug level) runs with a known, unique value in every
 * secret setting — the SMTP URL's password, the IMAP URL's password, a DKIM private key, the
 * Stripe secret and webhook keys, the portal signing key, the metrics token — and the test
 * drives it through a scripted session: API calls with a real, a wrong and a misplaced API key,
 * a sign-in with a right and a wrong password, session calls with the cookie and without CSRF,
 * portal pages and forms with a real and a tampered link token, a checkout against a Stripe that
 * is down, the inbound webhook with its secret in the query and in a header, a Stripe webhook
 * with a bad signature, /metrics with and without the token, and a password reset whose mail
 * the sender fails to deliver to an SMTP server that is down while the IMAP poller fails to
 * reach its server. All of stdout and stderr is captured; none of the secrets (nor the session
 * cookie, CSRF token, password, API key, inbound secret or portal link token the session used)
 * may appear in it.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWebhookSecret } from '../../src/inbound/intake/webhook-secrets.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { portalToken } from '../../src/portal/links.ts';
import { addUser } from '../../src/users/users.ts';
import { BIN, ROOT } from '../support/cli.ts';
import { createPostgresDatabase, engines, seedDataDir } from '../support/db.ts';

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const SECRETS = {
  smtpPassword: 'SmtpPw-canary-4b1d9e',
  imapPassword: 'ImapPw-canary-83c2aa',
  stripeSecretKey: 'sk_test_canary51Hx0aQ2eZvKYlo2C',
  stripeWebhookSecret: 'whsec_canary7d9e0b3c5a1f',
  portalSigningKey: 'portal-signing-key-canary-0d7c4e9b2a61f3',
  metricsToken: 'metrics-token-canary-5e8a1c',
  userPassword: 'user-password-canary-Zq8!k2',
  wrongPassword: 'wrong-password-canary-Xw3',
};

for (const engine of engines()) {
  describe(`secrets never reach the logs [${engine}]`, () => {
    let dir = '';
    let target = '';
    let cleanup: () => Promise<void> = async () => {};
    let child: ChildProcessWithoutNullStreams | undefined;
    let output = '';
    /** every secret value the scripted session uses, by name */
    const used: Record<string, string> = { ...SECRETS };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'dunwell-secrets-'));
      if (engine === 'pglite') {
        target = join(dir, 'store');
        await seedDataDir(target);
      } else {
        const created = await createPostgresDatabase();
        target = created.url;
        cleanup = created.drop;
      }
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      writeFileSync(join(dir, 'dkim.pem'), pem, { mode: 0o600 });
      // a line from the middle of the key body stands for the key
      used.dkimKeyLine = pem.split('\n')[5]!;

      const db = await openDatabase(target);
      try {
        if (engine === 'postgres') {
          const { migrate } = await import('../../src/platform/db/migrate.ts');
          await migrate(db);
        }
        await addUser(db, { email: 'admin@dunwell.test', role: 'admin', password: SECRETS.userPassword });
        used.apiKey = (await createApiKey(db, 'secrets-test')).key;
        used.inboundSecret = (await createWebhookSecret(db, 'provider')).secret;
        const [customer] = await db.query<{ id: number }>(
          `INSERT INTO customers (external_id, name, currency) VALUES ('C-1', 'Alpha', 'EUR') RETURNING id`,
        );
        const [contact] = await db.query<{ id: number }>(
          `INSERT INTO contacts (external_id, customer_id, name, email) VALUES ('P-1', $1, 'Anna', 'anna@alpha.test') RETURNING id`,
          [customer!.id],
        );
        await db.execute(
          `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
           VALUES ('INV-1', $1, 'INV-1', '2026-01-01', '2026-01-31', 'EUR', 10000)`,
          [customer!.id],
        );
        used.portalToken = await portalToken(
          db,
          {
            customerId: customer!.id,
            contactId: contact!.id,
            expiresAt: new Date(Date.now() + 30 * 86_400_000),
          },
          { publicUrl: 'http://127.0.0.1', secretKey: SECRETS.portalSigningKey },
        );
      } finally {
        await db.close();
      }
    });

    after(async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('runs a scripted session against a server holding every secret', async () => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DUNWELL_SMTP_URL: `smtp://dunwell:${SECRETS.smtpPassword}@127.0.0.1:${await closedPort()}`,
        DUNWELL_IMAP_URL: `imap://dunwell:${SECRETS.imapPassword}@127.0.0.1:${await closedPort()}/INBOX`,
        DUNWELL_DKIM_DOMAIN: 'dunwell.test',
        DUNWELL_DKIM_SELECTOR: 's1',
        DUNWELL_DKIM_KEY_FILE: join(dir, 'dkim.pem'),
        DUNWELL_STRIPE_SECRET_KEY: SECRETS.stripeSecretKey,
        DUNWELL_STRIPE_WEBHOOK_SECRET: SECRETS.stripeWebhookSecret,
        DUNWELL_STRIPE_API_URL: `http://127.0.0.1:${await closedPort()}`,
        DUNWELL_SECRET_KEY: SECRETS.portalSigningKey,
        DUNWELL_METRICS_TOKEN: SECRETS.metricsToken,
        DUNWELL_MAIL_FROM: 'AR <ar@dunwell.test>',
        DUNWELL_SENDER_INTERVAL_SECONDS: '1',
        DUNWELL_INBOUND_INTERVAL_SECONDS: '1',
        DUNWELL_LOG_LEVEL: 'debug',
      };
      child = spawn(
        process.execPath,
        [BIN, 'serve', '--json', '--db', target, '--port', '0', '--role', 'all'],
        {
          cwd: ROOT,
          env,
        },
      );
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      const exited = new Promise<number | null>((resolve) => child!.on('close', (code) => resolve(code)));
      const url = await waitFor(
        () => /"url":\s*"(http:[^"]+)"/.exec(output)?.[1],
        240_000,
        'the server URL',
        () => output,
      );
      env.DUNWELL_PUBLIC_URL = url;

      const call = (path: string, init: RequestInit = {}) =>
        fetch(`${url}${path}`, { redirect: 'manual', ...init });
      const json = (body: unknown, headers: Record<string, string> = {}) => ({
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const bearer = { authorization: `Bearer ${used.apiKey}` };

      // the API: a real key, a wrong one, a key in the URL, a bad body
      assert.equal((await call('/api/v1/customers', { headers: bearer })).status, 200);
      assert.equal(
        (await call('/api/v1/customers', { headers: { authorization: `Bearer ${used.apiKey}x` } })).status,
        401,
      );
      assert.equal((await call(`/api/v1/customers?api_key=${used.apiKey}`)).status, 401);
      assert.equal((await call(`/api/v1/customers/${used.apiKey}`, { headers: bearer })).status, 404);
      assert.ok(
        (await call('/api/v1/customers', json({ name: 42, password: used.apiKey }, bearer))).status >= 400,
      );

      // sign-in: a wrong password, the right one, the session with and without CSRF
      const wrong = await call(
        '/api/session',
        json({ email: 'admin@dunwell.test', password: SECRETS.wrongPassword }),
      );
      assert.ok(wrong.status >= 400 && wrong.status < 500, `a wrong password answered ${wrong.status}`);
      const signedIn = await call(
        '/api/session',
        json({ email: 'admin@dunwell.test', password: SECRETS.userPassword }),
      );
      assert.equal(signedIn.status, 200);
      used.csrfToken = ((await signedIn.json()) as { csrf_token: string }).csrf_token;
      used.sessionToken = /dunwell_session=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')![1]!;
      const cookie = { cookie: `dunwell_session=${used.sessionToken}` };
      assert.equal((await call('/api/session', { headers: cookie })).status, 200);
      assert.equal(
        (await call('/api/v1/customers', json({ external_id: 'C-2', name: 'B' }, cookie))).status,
        403,
      );
      assert.equal(
        (
          await call('/api/v1/customers', {
            headers: { cookie: `dunwell_session=${used.sessionToken.slice(0, -2)}zz` },
          })
        ).status,
        401,
      );

      // the portal: the page, a checkout while Stripe is down, a form without CSRF, a tampered link
      const base = `/portal/${used.portalToken}`;
      const page = await call(base);
      assert.equal(page.status, 200);
      used.portalCsrf = /name="csrf" value="([A-Za-z0-9_-]{43})"/.exec(await page.text())![1]!;
      const form = (fields: Record<string, string>) => ({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
      const pay = await call(`${base}/pay`, form({ csrf: used.portalCsrf, pay: 'INV-1', all: '1' }));
      assert.ok(pay.status >= 400 || pay.status === 200, `checkout answered ${pay.status}`);
      assert.equal(
        (await call(`${base}/promise`, form({ csrf: 'x', invoice: 'INV-1', date: '2026-12-01' }))).status,
        403,
      );
      assert.ok((await call(`${base.slice(0, -3)}AAA`)).status >= 400);
      assert.equal((await call(`${base}/invoices/NOPE.pdf`)).status, 404);

      // inbound webhook: the secret in the query and in the header, and a wrong one
      const raw = {
        method: 'POST',
        headers: { 'content-type': 'message/rfc822' },
        body: 'From: a@b.test\r\nTo: ar@dunwell.test\r\nSubject: hi\r\nMessage-ID: <1@b.test>\r\n\r\nhello\r\n',
      };
      assert.ok((await call(`/api/v1/inbound?secret=${used.inboundSecret}`, raw)).status < 300);
      const headed = { ...raw, headers: { ...raw.headers, 'x-dunwell-inbound-secret': used.inboundSecret! } };
      assert.ok((await call('/api/v1/inbound', headed)).status < 300);
      assert.equal((await call(`/api/v1/inbound?secret=${used.inboundSecret}x`, raw)).status, 401);

      // a Stripe webhook with a forged signature; /metrics with and without the token
      const forged = await call('/webhooks/stripe', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': `t=1,v1=${SECRETS.stripeWebhookSecret}`,
        },
        body: '{"id":"evt_1","type":"checkout.session.completed"}',
      });
      assert.ok(forged.status >= 400);
      assert.equal(
        (await call('/metrics', { headers: { authorization: `Bearer ${SECRETS.metricsToken}` } })).status,
        200,
      );
      assert.equal((await call('/metrics', { headers: { authorization: 'Bearer wrong' } })).status, 401);

      // a password reset: the mail goes to an SMTP server that is down (the sender logs the failure)
      assert.equal((await call('/api/password-reset', json({ email: 'admin@dunwell.test' }))).status, 202);
      assert.equal(
        (
          await call('/api/session', {
            method: 'DELETE',
            headers: { ...cookie, 'x-csrf-token': used.csrfToken },
          })
        ).status,
        204,
      );

      // wait until the workers have reported their failures (so the error paths ran)
      await waitFor(
        () => /sender:/.test(output) && /inbound|imap/i.test(output),
        60_000,
        'the workers’ failure reports',
        () => output,
      );
      child.kill('SIGTERM');
      await exited;

      assert.match(output, /"url":"\/api\/v1\/customers/, 'the request log is in the captured output');
      const leaked = Object.entries(used).filter(([, value]) => value && output.includes(value));
      assert.deepEqual(
        leaked.map(([name]) => name),
        [],
        `secrets in the log:\n${leaked.map(([n, v]) => `${n}: …${output.slice(Math.max(0, output.indexOf(v) - 200), output.indexOf(v) + v.length + 50)}…`).join('\n')}`,
      );
      // URL-encoded spellings too (a secret in a logged URL would be encoded)
      for (const [name, value] of Object.entries(used)) {
        assert.ok(!output.includes(encodeURIComponent(value)), `${name} appears URL-encoded`);
      }
    });
  });
}

async function waitFor<T>(
  probe: () => T | undefined | false,
  ms: number,
  what: string,
  seen: () => string,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until)
      throw new Error(`gave up waiting for ${what}; output so far:\n${seen().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
