import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultPublicUrlToListener, describeConfig, loadConfig } from '../../src/platform/config.ts';

const empty = () => mkdtempSync(join(tmpdir(), 'dunwell-config-'));

describe('config', () => {
  it('defaults to the catcher, no DKIM, no IMAP', () => {
    const config = loadConfig({}, empty());
    assert.equal(config.smtp, null);
    assert.equal(config.dkim, null);
    assert.equal(config.imapUrl, null);
    assert.equal(config.publicUrl, 'http://127.0.0.1:3000');
    assert.equal(config.replyLocalPart, 'ar');
  });

  it('reads a YAML file and lets the environment win', () => {
    const dir = empty();
    writeFileSync(
      join(dir, 'dunwell.config.yaml'),
      'smtpUrl: smtp://u:secret@mail.example.com:587\nreplyDomain: Example.COM\n',
    );
    const config = loadConfig({ DUNWELL_REPLY_DOMAIN: 'reply.example.org' }, dir);
    assert.equal(config.smtp?.url.hostname, 'mail.example.com');
    assert.equal(config.smtp?.secure, false);
    assert.equal(config.replyDomain, 'reply.example.org');
    assert.doesNotMatch(JSON.stringify(describeConfig(config)), /:secret@/);
  });

  it('names the setting and its source in every error', () => {
    const dir = empty();
    assert.throws(
      () => loadConfig({ DUNWELL_SMTP_URL: 'http://x' }, dir),
      /DUNWELL_SMTP_URL must start with smtp:\/\//,
    );
    assert.throws(() => loadConfig({ DUNWELL_DKIM_DOMAIN: 'example.com' }, dir), /DKIM needs all three/);
    assert.throws(() => loadConfig({ DUNWELL_MAIL_FROM: 'a@b.c\r\nBcc: x@y.z' }, dir), /must be one line/);
    writeFileSync(join(dir, 'dunwell.config.json'), '{"smtpURL": "smtp://x"}');
    assert.throws(() => loadConfig({}, dir), /unknown setting "smtpURL"/);
  });

  it('points links at the listening address when no public URL is configured', () => {
    const env: NodeJS.ProcessEnv = {};
    defaultPublicUrlToListener(env, '0.0.0.0', 3999);
    assert.equal(env.DUNWELL_PUBLIC_URL, 'http://127.0.0.1:3999');
    const set: NodeJS.ProcessEnv = { DUNWELL_PUBLIC_URL: 'https://ar.example.com' };
    defaultPublicUrlToListener(set, '127.0.0.1', 3999);
    assert.equal(set.DUNWELL_PUBLIC_URL, 'https://ar.example.com');
    const ephemeral: NodeJS.ProcessEnv = {};
    defaultPublicUrlToListener(ephemeral, '127.0.0.1', 0);
    assert.equal(ephemeral.DUNWELL_PUBLIC_URL, undefined);
  });
});
