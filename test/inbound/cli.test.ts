/**
 * `dunwell inbound FILE… --classify-only --json`: one compact JSON object per file, per line,
 * in argument order, with exactly PRODUCT §6's keys; unreadable files give an error object
 * and exit 1; no file at all is a usage error (exit 2).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/inbound');
const SISIMAI = join(ROOT, '../shared/external/sisimai-bounces/eml');

function dunwell(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin/dunwell'), args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ALLOWED_KEYS = new Set(['file', 'kind', 'bounce', 'bounces', 'reply', 'thread', 'error']);

describe('dunwell inbound --classify-only', () => {
  it('prints one §6 object per file, in order; a missing file is an error object and exit 1', () => {
    const files = [
      join(FIXTURES, 'replies/de-promise.eml'),
      join(FIXTURES, 'does-not-exist.eml'),
      join(FIXTURES, 'auto-replies/zimbra-vacation.eml'),
      join(FIXTURES, 'bad/dsn-no-recipient.eml'),
    ];
    const r = dunwell('inbound', ...files, '--classify-only', '--json');
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => l.file),
      files,
    );
    assert.deepEqual(lines[0], {
      file: files[0],
      kind: 'reply',
      reply: { intent: 'promise_to_pay', promised_date: '2026-03-15' },
      thread: { message_id: 'out-de-promise@acme.example', customer_external_id: null },
    });
    assert.equal(lines[1]!.kind, 'unknown');
    assert.match(String(lines[1]!.error), /does-not-exist\.eml: file not found/);
    assert.deepEqual(Object.keys(lines[1]!), ['file', 'kind', 'error']);
    assert.deepEqual(lines[2], {
      file: files[2],
      kind: 'auto_reply',
      thread: { message_id: 'out-zimbra-vacation@acme.example', customer_external_id: null },
    });
    assert.deepEqual(lines[3], { file: files[3], kind: 'unknown', thread: null });
    assert.match(r.stderr, /cannot read .*does-not-exist\.eml: file not found/);
  });

  it('needs at least one file (exit 2); storing without --classify-only is covered by intake-cli.test.ts', () => {
    const r = dunwell('inbound', '--classify-only');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /at least one FILE\.eml/);
    assert.equal(r.stdout, '');
  });

  it('classifies the whole sisimai set in the §6 shape', {
    skip: existsSync(SISIMAI) ? false : `${SISIMAI} is absent`,
  }, () => {
    const files = readdirSync(SISIMAI)
      .sort()
      .map((f) => join(SISIMAI, f));
    const r = dunwell('inbound', ...files, '--classify-only', '--json');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, files.length);
    lines.forEach((line, i) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      assert.equal(o.file, files[i]);
      for (const key of Object.keys(o)) assert.ok(ALLOWED_KEYS.has(key), `unexpected key ${key}`);
      if (o.kind === 'bounce') {
        const bounces = o.bounces as { type: string; recipient: string; status: string; reason: string }[];
        assert.ok(bounces.length > 0);
        assert.deepEqual(o.bounce, bounces[0]);
        for (const b of bounces) {
          assert.deepEqual(Object.keys(b), ['type', 'recipient', 'status', 'reason']);
          assert.match(b.status, /^[245]\.\d{1,3}\.\d{1,3}$/);
          assert.ok(b.type === 'hard' || b.type === 'soft');
        }
      } else {
        assert.equal(o.bounce, undefined);
        assert.equal(o.bounces, undefined);
      }
      if (o.kind !== 'reply') assert.equal(o.reply, undefined);
    });
  });
});
