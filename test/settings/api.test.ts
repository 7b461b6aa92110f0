// Settings over the API (issue 7 item 7): round trips per section, secrets never in an answer
// or the server log, deploy-time settings win and are refused on save, validation errors name
// the field, admins only; users (last admin kept) and API keys (shown once, revocable).
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { applyCampaignFile, DEFAULT_CAMPAIGNS_PATH, loadActiveCampaigns } from '../../src/campaigns/index.ts';
import { buildServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { loadPortalSettings } from '../../src/portal/settings.ts';
import { effectiveConfig, effectiveSettings, paymentProviderFromSettings } from '../../src/settings/index.ts';
import { signIn } from '../../src/users/sessions.ts';
import { addUser } from '../../src/users/users.ts';
import { NOW } from '../http/support.ts';
import { pngImage } from '../messages/support/png.ts';
import { describeEachEngine } from '../support/db.ts';

const PASSWORD = 'settings password 1234';
const SMTP_PASSWORD = 'smtp-Secret-7f3a9c';
const IMAP_PASSWORD = 'imap-Secret-b81d22';
const STRIPE_KEY = 'sk_test_SecretStripe5e1f0a';
const STRIPE_WEBHOOK = 'whsec_SecretWebhook9c4e2b';
const SECRETS = [SMTP_PASSWORD, IMAP_PASSWORD, STRIPE_KEY, STRIPE_WEBHOOK];

const DEPLOY_VARS = [
  'DUNWELL_SMTP_URL',
  'DUNWELL_MAIL_FROM',
  'DUNWELL_STRIPE_SECRET_KEY',
  'DUNWELL_STRIPE_WEBHOOK_SECRET',
];

describeEachEngine('settings API', (db) => {
  let app: FastifyInstance;
  const headers: Record<string, Record<string, string>> = {};
  let log = '';
  const write = process.stderr.write.bind(process.stderr);

  before(async () => {
    // the server's JSON log goes to stderr: keep a copy to search it for secrets
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      log += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    app = await buildServer({ db: db(), clock: fixedClock(NOW), logger: true });
    for (const role of ['admin', 'collector', 'viewer'] as const) {
      await addUser(db(), { email: `${role}@example.com`, role, password: PASSWORD });
      const s = await signIn(
        db(),
        { email: `${role}@example.com`, password: PASSWORD, client: role },
        new Date(NOW),
      );
      headers[role] = { cookie: `dunwell_session=${s.token}`, 'x-csrf-token': s.csrfToken };
    }
  });
  after(async () => {
    process.stderr.write = write;
    await app.close();
  });
  afterEach(() => {
    for (const name of DEPLOY_VARS) delete process.env[name];
  });

  const call = async (
    method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    as = 'admin',
  ) => {
    const r = await app.inject({
      method,
      url,
      headers: headers[as] ?? {},
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the answers are checked field by field below
    return { status: r.statusCode, body: r.body, json: JSON.parse(r.body || 'null') as any };
  };

  it('saves SMTP settings and never answers or logs the password', async () => {
    const saved = await call('PUT', '/api/v1/settings/smtp', {
      host: 'Mail.Example.com',
      port: 2525,
      security: 'starttls',
      username: 'ar@example.com',
      password: SMTP_PASSWORD,
      from: '"Acme AR" <ar@example.com>',
      rate_limit_per_domain: 30,
    });
    assert.equal(saved.status, 200, saved.body);
    assert.deepEqual(saved.json.smtp.values, {
      transport: 'smtp',
      host: 'mail.example.com',
      port: 2525,
      security: 'starttls',
      username: 'ar@example.com',
      password: { set: true },
      from: '"Acme AR" <ar@example.com>',
      rate_limit_per_domain: 30,
    });
    assert.deepEqual(saved.json.smtp.environment, {});
    const read = await call('GET', '/api/v1/settings');
    assert.equal(read.status, 200);
    assert.deepEqual(read.json.smtp.values, saved.json.smtp.values);
    assert.ok(!read.body.includes(SMTP_PASSWORD) && !saved.body.includes(SMTP_PASSWORD));
    assert.match(log, /"url":"\/api\/v1\/settings\/smtp"/, 'the server log is captured');
    assert.ok(!log.includes(SMTP_PASSWORD));
    // …and the sender gets it, as it must be used
    const config = await effectiveConfig(db());
    assert.equal(config.smtp?.url.href, `smtp://ar%40example.com:${SMTP_PASSWORD}@mail.example.com:2525`);
    assert.equal(config.mailFrom, '"Acme AR" <ar@example.com>');
    assert.equal(config.smtpRateLimitPerDomain, 30);
    // leaving the password out keeps it; null removes it
    await call('PUT', '/api/v1/settings/smtp', { port: 587 });
    assert.equal((await effectiveConfig(db())).smtp?.url.password, SMTP_PASSWORD);
    const cleared = await call('PUT', '/api/v1/settings/smtp', { password: null });
    assert.deepEqual(cleared.json.smtp.values.password, { set: false });
    await call('PUT', '/api/v1/settings/smtp', { password: SMTP_PASSWORD });
  });

  it('keeps every secret write-only: IMAP, Stripe, DKIM', async () => {
    const imap = await call('PUT', '/api/v1/settings/imap', {
      host: 'imap.example.com',
      port: 993,
      security: 'tls',
      username: 'replies@example.com',
      password: IMAP_PASSWORD,
      mailbox: 'INBOX',
    });
    assert.equal(imap.status, 200, imap.body);
    assert.deepEqual(imap.json.imap.values.password, { set: true });
    const pay = await call('PUT', '/api/v1/settings/payments', {
      enabled: true,
      stripe_secret_key: STRIPE_KEY,
      stripe_webhook_secret: STRIPE_WEBHOOK,
      iban: 'DE89 3704 0044 0532 0130 00',
    });
    assert.equal(pay.status, 200, pay.body);
    assert.equal(pay.json.payments.values.enabled, true);
    assert.deepEqual(pay.json.payments.values.stripe_secret_key, { set: true });
    const dkim = await call('POST', '/api/v1/settings/dkim/generate', {
      domain: 'example.com',
      selector: 'ar2026',
    });
    assert.equal(dkim.status, 200, dkim.body);
    const [row] = await db().query<{ value: string }>(
      "SELECT value FROM settings WHERE key = 'dkim.private_key'",
    );
    const pem = row?.value ?? '';
    assert.match(pem, /BEGIN PRIVATE KEY/);
    const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
    assert.equal(dkim.json.dkim.values.dns.name, 'ar2026._domainkey.example.com');
    assert.equal(dkim.json.dkim.values.dns.value, `v=DKIM1; k=rsa; p=${spki}`);
    assert.deepEqual(dkim.json.dkim.values.private_key, { set: true });

    const everything = await call('GET', '/api/v1/settings');
    for (const secret of [...SECRETS, pem.split('\n')[1] ?? 'x']) {
      assert.ok(
        !everything.body.includes(secret),
        `the settings answer contains a secret (${secret.slice(0, 6)}…)`,
      );
      assert.ok(!log.includes(secret), `the server log contains a secret (${secret.slice(0, 6)}…)`);
    }
    // the workers get them
    const effective = await effectiveSettings(db());
    assert.equal(effective.config.imapUrl?.password, IMAP_PASSWORD);
    assert.deepEqual(effective.stripe, { secretKey: STRIPE_KEY, webhookSecret: STRIPE_WEBHOOK });
    assert.equal((await paymentProviderFromSettings(db()))?.name, 'stripe', 'the portal offers card payment');
    await call('PUT', '/api/v1/settings/payments', { enabled: false });
    assert.equal(await paymentProviderFromSettings(db()), null, 'turned off: bank transfer only');
    await call('PUT', '/api/v1/settings/payments', { enabled: true });
    assert.equal(readFileSync(effective.config.dkim?.keyFile ?? '', 'utf8'), pem);
    // a refused secret is not echoed either
    const bad = await call('PUT', '/api/v1/settings/payments', { stripe_secret_key: `${STRIPE_KEY} oops` });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /stripe_secret_key/);
    assert.ok(!bad.body.includes(STRIPE_KEY));
    assert.ok(!log.includes(STRIPE_KEY));
    // the timeline says which fields changed, never their values
    const events = await db().query<{ data: unknown }>(
      "SELECT data FROM audit_log WHERE action = 'settings.updated'",
    );
    assert.ok(events.length >= 4);
    for (const secret of SECRETS) assert.ok(!JSON.stringify(events).includes(secret));
  });

  it('lets deploy-time settings win, shows where they come from and refuses to change them', async () => {
    process.env.DUNWELL_SMTP_URL = 'smtp://deploy-user:deploy-Pass-42@smtp.deploy.example:465';
    process.env.DUNWELL_MAIL_FROM = 'billing@deploy.example';
    const read = await call('GET', '/api/v1/settings');
    assert.equal(read.json.smtp.values.host, 'smtp.deploy.example');
    assert.equal(read.json.smtp.values.username, 'deploy-user');
    assert.deepEqual(read.json.smtp.values.password, { set: true });
    assert.equal(read.json.smtp.values.from, 'billing@deploy.example');
    assert.equal(read.json.smtp.environment.host, 'DUNWELL_SMTP_URL');
    assert.equal(read.json.smtp.environment.from, 'DUNWELL_MAIL_FROM');
    assert.equal(read.json.smtp.environment.rate_limit_per_domain, undefined, 'not set at deploy time');
    assert.ok(!read.body.includes('deploy-Pass-42'));
    const config = await effectiveConfig(db());
    assert.equal(
      config.smtp?.url.hostname,
      'smtp.deploy.example',
      'the environment wins over the saved host',
    );
    assert.equal(config.smtpRateLimitPerDomain, 30, 'the saved value where the environment says nothing');
    const refused = await call('PUT', '/api/v1/settings/smtp', { host: 'other.example.com' });
    assert.equal(refused.status, 422);
    assert.match(refused.json.error.message, /^smtp\.host: is set at deploy time by DUNWELL_SMTP_URL/);
    assert.equal((await call('PUT', '/api/v1/settings/smtp', { rate_limit_per_domain: 10 })).status, 200);
    process.env.DUNWELL_STRIPE_SECRET_KEY = 'sk_test_fromEnv';
    process.env.DUNWELL_STRIPE_WEBHOOK_SECRET = 'whsec_fromEnv';
    assert.deepEqual((await effectiveSettings(db())).stripe, {
      secretKey: 'sk_test_fromEnv',
      webhookSecret: 'whsec_fromEnv',
    });
    const stripe = await call('PUT', '/api/v1/settings/payments', { stripe_secret_key: STRIPE_KEY });
    assert.equal(stripe.status, 422);
    assert.match(
      stripe.json.error.message,
      /payments\.stripe_secret_key: is set at deploy time by DUNWELL_STRIPE/,
    );
  });

  it('names the field of every bad value and writes nothing', async () => {
    const before = await call('GET', '/api/v1/settings');
    const cases: [string, unknown, RegExp][] = [
      ['smtp', { host: 'smtp://mail.example.com' }, /body\.host: must be a host name/],
      ['smtp', { port: 70000 }, /body\.port: must be a port number/],
      ['smtp', { from: 'ar@example.com\r\nBcc: victim@example.net' }, /body\.from: must be one line/],
      ['organisation', { name: 'Acme\nBcc: x@example.net' }, /body\.name: must be one line/],
      ['organisation', { reply_domain: 'not a domain' }, /body\.reply_domain: must be a domain name/],
      ['organisation', { time_zone: 'Mars/Olympus' }, /body\.time_zone: must be an IANA time zone/],
      ['organisation', { currency: 'euro' }, /body\.currency: must be an ISO 4217/],
      ['organisation', { logo: 'data:image/png;base64,aGVsbG8=' }, /body\.logo: is not a PNG image/],
      ['organisation', { logo: 'https://example.com/logo.png' }, /body\.logo: must be a PNG or JPEG image/],
      ['portal', { public_url: 'ftp://ar.example.com' }, /body\.public_url: must be an http/],
      ['portal', { link_days: 0 }, /body\.link_days: must be 1 to 365 days/],
      ['imap', { hostname: 'x' }, /body\.hostname: is not a known field/],
      ['dkim', { selector: 'bad selector' }, /body\.selector: must be a DKIM selector/],
    ];
    for (const [section, body, pattern] of cases) {
      const r = await call('PUT', `/api/v1/settings/${section}`, body);
      assert.equal(r.status, 400, `${section} ${JSON.stringify(body)} → ${r.status} ${r.body}`);
      assert.match(r.json.error.message, pattern);
    }
    // rules across fields: 422, the field named, nothing written
    const imap = await call('PUT', '/api/v1/settings/imap', { username: null });
    assert.equal(imap.status, 422);
    assert.match(imap.json.error.message, /^imap\.username: is needed to sign in/);
    const dkim = await call('PUT', '/api/v1/settings/dkim', { private_key: null });
    assert.equal(dkim.status, 422);
    assert.match(dkim.json.error.message, /^dkim: needs domain, selector and private_key together/);
    const big = pngImage(400, 300, {
      alpha: false,
      pixel: (x, y, c) => ((x * 7919 + y * 104729 + c * 31337) % 251) ^ ((x * y) & 0xff),
    });
    assert.ok(big.length > 200 * 1024, `a ${big.length}-byte PNG`);
    const tooBig = await call('PUT', '/api/v1/settings/organisation', {
      logo: `data:image/png;base64,${big.toString('base64')}`,
    });
    assert.equal(tooBig.status, 400);
    assert.match(tooBig.json.error.message, /body\.logo: is \d+ KiB; a logo may be at most 200 KiB/);
    assert.deepEqual((await call('GET', '/api/v1/settings')).json, before.json);
  });

  it('saves organisation, branding, portal and campaign defaults where their readers look', async () => {
    const logo = `data:image/png;base64,${pngImage(8, 8, { alpha: false }).toString('base64')}`;
    const r = await call('PUT', '/api/v1/settings/organisation', {
      name: 'Acme Supplies GmbH',
      address: 'Hafenstraße 1\n20457 Hamburg',
      logo,
      language: 'de',
      currency: 'EUR',
      time_zone: 'Europe/Berlin',
      reply_domain: 'ar.acme.example',
      primary_color: '#1f4e79',
    });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.organisation.values.logo, logo);
    const portalPut = await call('PUT', '/api/v1/settings/portal', {
      public_url: 'https://pay.acme.example/',
      link_days: 30,
      partial_payments: false,
      dispute_reasons: ['Wrong amount', 'Goods damaged'],
    });
    assert.equal(portalPut.status, 200, portalPut.body);
    assert.equal(portalPut.json.portal.values.public_url, 'https://pay.acme.example');
    const portal = await loadPortalSettings(db());
    assert.equal(portal.organisationName, 'Acme Supplies GmbH');
    assert.equal(portal.logoUrl, logo);
    assert.equal(portal.timeZone, 'Europe/Berlin');
    assert.equal(portal.linkDays, 30);
    assert.equal(portal.partialPayments, false);
    assert.deepEqual(portal.disputeReasons, ['Wrong amount', 'Goods damaged']);
    assert.equal(portal.bank?.iban, 'DE89 3704 0044 0532 0130 00');
    const config = await effectiveConfig(db());
    assert.equal(config.publicUrl, 'https://pay.acme.example');
    assert.equal(config.replyDomain, 'ar.acme.example');

    const none = await call('PUT', '/api/v1/settings/campaigns', { max_emails_per_customer_per_week: 4 });
    assert.equal(none.status, 422);
    assert.match(none.json.error.message, /no campaigns are active yet/);
    await applyCampaignFile(db(), {
      text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
      fileName: 'campaigns.yaml',
      actor: 'test',
    });
    const before = await loadActiveCampaigns(db());
    const c = await call('PUT', '/api/v1/settings/campaigns', { max_emails_per_customer_per_week: 4 });
    assert.equal(c.status, 200, c.body);
    assert.equal(c.json.campaigns.values.max_emails_per_customer_per_week, 4);
    const active = await loadActiveCampaigns(db());
    assert.equal(active?.settings.maxEmailsPerCustomerPerWeek, 4);
    assert.deepEqual(
      active?.campaigns.map(({ versionId: _v, ...rest }) => rest),
      before?.campaigns.map(({ versionId: _v, ...rest }) => rest),
      'the campaigns themselves are unchanged',
    );
  });

  it('refuses viewers and collectors on every settings, users and API-key route', async () => {
    for (const as of ['viewer', 'collector']) {
      for (const [method, url] of [
        ['GET', '/api/v1/settings'],
        ['PUT', '/api/v1/settings/smtp'],
        ['POST', '/api/v1/settings/smtp/test'],
        ['POST', '/api/v1/settings/dkim/generate'],
        ['GET', '/api/v1/users'],
        ['POST', '/api/v1/users'],
        ['GET', '/api/v1/api-keys'],
        ['POST', '/api/v1/api-keys'],
      ] as const) {
        const r = await call(method, url, method === 'GET' ? undefined : {}, as);
        assert.equal(r.status, 403, `${as} ${method} ${url} → ${r.status}`);
        assert.ok(!r.body.includes('smtp.example') && !r.body.includes('mail.example.com'));
      }
    }
  });

  it('manages users: a password shown once, roles, and never without an admin', async () => {
    const added = await call('POST', '/api/v1/users', {
      email: 'ana@example.com',
      name: 'Ana',
      role: 'collector',
    });
    assert.equal(added.status, 201, added.body);
    assert.match(added.json.password, /^\S{20}$/);
    const list = await call('GET', '/api/v1/users');
    assert.ok(!list.body.includes(added.json.password));
    assert.deepEqual(
      list.json.items.map((u: { email: string; role: string }) => `${u.email}:${u.role}`),
      [
        'admin@example.com:admin',
        'ana@example.com:collector',
        'collector@example.com:collector',
        'viewer@example.com:viewer',
      ],
    );
    const taken = await call('POST', '/api/v1/users', { email: 'ANA@example.com', role: 'viewer' });
    assert.equal(taken.status, 422);
    const adminId = list.json.items[0].id;
    const last = await call('PATCH', `/api/v1/users/${adminId}`, { role: 'viewer' });
    assert.equal(last.status, 409);
    assert.match(last.json.error.message, /last active admin/);
    assert.equal((await call('PATCH', `/api/v1/users/${adminId}`, { disabled: true })).status, 409);
    const promoted = await call('PATCH', `/api/v1/users/${added.json.user.id}`, { role: 'admin' });
    assert.equal(promoted.json.role, 'admin');
    const disabled = await call('PATCH', `/api/v1/users/${added.json.user.id}`, { disabled: true });
    assert.equal(disabled.json.disabled, true);
    assert.equal(
      (await call('PATCH', `/api/v1/users/${adminId}`, { role: 'viewer' })).status,
      409,
      'Ana is disabled',
    );
    assert.equal((await call('PATCH', '/api/v1/users/999999', { role: 'viewer' })).status, 404);
  });

  it('creates an API key shown once, lists it without the key, and revokes it', async () => {
    const created = await call('POST', '/api/v1/api-keys', { name: 'erp-sync' });
    assert.equal(created.status, 201, created.body);
    const key: string = created.json.key;
    assert.match(key, /^dw_/);
    const bearer = { authorization: `Bearer ${key}` };
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/v1/customers', headers: bearer })).statusCode,
      200,
    );
    const list = await call('GET', '/api/v1/api-keys');
    assert.ok(!list.body.includes(key));
    const item = list.json.items.find((k: { name: string }) => k.name === 'erp-sync');
    assert.equal(item.prefix, key.slice(0, 10));
    assert.ok(item.last_used_at, 'the use was recorded');
    const revoked = await call('DELETE', `/api/v1/api-keys/${item.id}`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.json.revoked_at);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/v1/customers', headers: bearer })).statusCode,
      401,
    );
    assert.ok(!log.includes(key), 'the key is not in the server log');
  });
});
