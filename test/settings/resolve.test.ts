// The effective configuration (pure): deploy-time settings first, then the saved ones, then
// defaults; server URLs built from saved parts survive any character in a user name or
// password and read back the same through the transports' own parsers.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { imapSettings } from '../../src/inbound/intake/imap.ts';
import { type ConfigKey, deploySettingSources, loadConfig } from '../../src/platform/config.ts';
import { checkLogo, lockedFields, resolveConfig, resolveStripe } from '../../src/settings/index.ts';

const NOWHERE = '/nonexistent-dunwell-dir';
const keyFile = (pem: string) => `/keys/${pem.length}.pem`;

it('overlays saved values on the defaults', () => {
  const base = loadConfig({}, NOWHERE);
  const saved = new Map<string, unknown>([
    ['smtp.host', 'mail.example.com'],
    ['smtp.port', 465],
    ['smtp.security', 'tls'],
    ['smtp.username', 'ar@example.com'],
    ['smtp.password', 'p@ss:w/rd %41'],
    ['smtp.from', 'AR <ar@example.com>'],
    ['organisation.reply_domain', 'reply.example.com'],
    ['dkim.domain', 'example.com'],
    ['dkim.selector', 's1'],
    ['dkim.private_key', 'PEM'],
    ['imap.host', '2001:db8::1'],
    ['imap.username', 'in box'],
    ['imap.password', 'x?y#z'],
    ['imap.mailbox', 'Dunwell Replies'],
    ['portal.public_url', 'https://ar.example.com'],
  ]);
  const config = resolveConfig(base, new Map(), saved, keyFile);
  assert.equal(config.smtp?.secure, true);
  assert.equal(config.smtp?.url.protocol, 'smtps:');
  assert.equal(config.smtp?.url.hostname, 'mail.example.com');
  assert.equal(config.smtp?.url.port, '465');
  assert.equal(decodeURIComponent(config.smtp?.url.username ?? ''), 'ar@example.com');
  assert.equal(decodeURIComponent(config.smtp?.url.password ?? ''), 'p@ss:w/rd %41');
  assert.equal(config.mailFrom, 'AR <ar@example.com>');
  assert.equal(config.replyDomain, 'reply.example.com');
  assert.deepEqual(config.dkim, { domain: 'example.com', selector: 's1', keyFile: '/keys/3.pem' });
  assert.equal(config.publicUrl, 'https://ar.example.com');
  const imap = imapSettings(config.imapUrl ?? new URL('imap://x'));
  assert.deepEqual(imap, {
    host: '[2001:db8::1]',
    port: 993,
    secure: true,
    user: 'in box',
    pass: 'x?y#z',
    mailbox: 'Dunwell Replies',
  });
  // nothing saved: the defaults
  const none = resolveConfig(base, new Map(), new Map(), keyFile);
  assert.equal(none.smtp, null);
  assert.equal(none.dkim, null);
  assert.equal(none.imapUrl, null);
  assert.equal(none.publicUrl, 'http://127.0.0.1:3000');
});

it('lets deploy-time settings win, field group by field group', () => {
  const env = {
    DUNWELL_SMTP_URL: 'smtp://deploy.example.com:2525',
    DUNWELL_PUBLIC_URL: 'https://deploy.example.com',
  };
  const base = loadConfig(env, NOWHERE);
  const deploy = deploySettingSources(env, NOWHERE);
  assert.deepEqual([...deploy.keys()].sort(), ['publicUrl', 'smtpUrl']);
  const saved = new Map<string, unknown>([
    ['smtp.host', 'saved.example.com'],
    ['smtp.from', 'saved@example.com'],
    ['portal.public_url', 'https://saved.example.com'],
  ]);
  const config = resolveConfig(base, deploy, saved, keyFile);
  assert.equal(config.smtp?.url.hostname, 'deploy.example.com');
  assert.equal(config.mailFrom, 'saved@example.com', 'DUNWELL_MAIL_FROM is not set: the saved From applies');
  assert.equal(config.publicUrl, 'https://deploy.example.com');
  assert.deepEqual(lockedFields('smtp', deploy, env), {
    host: 'DUNWELL_SMTP_URL',
    port: 'DUNWELL_SMTP_URL',
    security: 'DUNWELL_SMTP_URL',
    username: 'DUNWELL_SMTP_URL',
    password: 'DUNWELL_SMTP_URL',
  });
  // serve's default public URL (its listening address) is not a deploy-time choice
  const listener = { DUNWELL_PUBLIC_URL: 'http://127.0.0.1:3000', DUNWELL_PUBLIC_URL_IS_LISTENER: '1' };
  const fromListener = deploySettingSources(listener, NOWHERE);
  assert.equal(fromListener.has('publicUrl' as ConfigKey), false);
  assert.equal(
    resolveConfig(loadConfig(listener, NOWHERE), fromListener, saved, keyFile).publicUrl,
    'https://saved.example.com',
  );
});

it('takes Stripe from the environment, else from saved keys when turned on', () => {
  const saved = new Map<string, unknown>([
    ['payments.enabled', true],
    ['payments.stripe_secret_key', 'sk_test_saved'],
    ['payments.stripe_webhook_secret', 'whsec_saved'],
  ]);
  assert.deepEqual(resolveStripe({}, saved), { secretKey: 'sk_test_saved', webhookSecret: 'whsec_saved' });
  assert.equal(resolveStripe({}, new Map([...saved, ['payments.enabled', false]])), null);
  assert.deepEqual(
    resolveStripe({ DUNWELL_STRIPE_SECRET_KEY: 'sk_env', DUNWELL_STRIPE_WEBHOOK_SECRET: 'whsec_env' }, saved),
    { secretKey: 'sk_env', webhookSecret: 'whsec_env' },
  );
  assert.equal(
    resolveStripe({ DUNWELL_STRIPE_SECRET_KEY: 'sk_env' }, saved),
    null,
    'half a deploy-time pair',
  );
});

it('accepts only real PNG and JPEG logos within the size limit', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]);
  assert.equal(checkLogo(`data:image/png;base64,${png.toString('base64')}`), null);
  assert.equal(checkLogo(`data:image/jpeg;base64,${jpeg.toString('base64')}`), null);
  assert.match(checkLogo(`data:image/png;base64,${jpeg.toString('base64')}`) ?? '', /not a PNG/);
  assert.match(
    checkLogo(`data:image/svg+xml;base64,${png.toString('base64')}`) ?? '',
    /must be a PNG or JPEG/,
  );
  const big = Buffer.concat([png, Buffer.alloc(200 * 1024)]);
  assert.match(checkLogo(`data:image/png;base64,${big.toString('base64')}`) ?? '', /at most 200 KiB/);
});
