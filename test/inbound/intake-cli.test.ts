/**
 * `dunwell inbound`: FILE… --json stores and processes each file and prints one JSON line per
 * file; --classify-only --json keeps the PRODUCT §6 shape and, with a store, resolves the
 * thread's customer from the outbox; list --unassigned; accept / undo / retry errors. The
 * command runs in-process on the suite's database (both engines); one spawn of bin/dunwell
 * checks the real entry end to end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, it } from 'node:test';
import { createContext } from '../../src/cli/command.ts';
import inboundCommand from '../../src/cli/commands/inbound.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { UsageError, UserError } from '../../src/platform/errors.ts';
import { createPostgresDatabase, describeEachEngine } from '../support/db.ts';
import { bounceMessage, replyMessage } from './support/messages.ts';

const ROOT = join(import.meta.dirname, '../..');
const ENV = { DUNWELL_NOW: '2026-03-15T10:00:00Z', DUNWELL_REPLY_DOMAIN: 'reply.acme.example' };

/** Runs `dunwell inbound …` in-process against `db`; returns exit code and output. */
async function run(db: Db, dbTarget: string, args: string[], json = true) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const ctx = {
    ...createContext(args, { json, db: dbTarget }, { stdout, stderr, env: ENV }),
    db: async () => db,
  };
  let code: number;
  try {
    code = (await inboundCommand.run(ctx)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) code = 2;
    else if (e instanceof UserError) code = 1;
    else throw e;
    err += (e as Error).message;
  }
  return { code, stdout: out, stderr: err };
}

const SEED = `
  INSERT INTO customers (external_id, name) VALUES ('C1', 'Customer One');
  INSERT INTO contacts (external_id, customer_id, name, email)
    SELECT 'K1', id, 'Jane', 'jane@customer.example' FROM customers;
  INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for,
                               status, message_id, reply_token)
    SELECT id, 'standard', 'past-due', 'past-due', 'en', true, '2026-03-09', 'sent', '<out-1@acme.example>', 'tokCLI'
      FROM customers;
`;

const dir = mkdtempSync(join(tmpdir(), 'dunwell-intake-cli-'));
const files = {
  reply: join(dir, 'reply.eml'),
  bounce: join(dir, 'bounce.eml'),
  stranger: join(dir, 'stranger.eml'),
};
writeFileSync(
  files.reply,
  replyMessage({
    from: 'someone@else.example',
    to: 'ar+tokCLI@reply.acme.example',
    messageId: 'cli-1@else.example',
    body: 'Hi,\r\n\r\nplease send the invoice again.\r\n\r\nBest',
  }),
);
writeFileSync(
  files.bounce,
  bounceMessage({
    recipient: 'jane@customer.example',
    status: '5.1.1',
    diagnostic: '550 5.1.1 User unknown',
    messageId: 'cli-b@mx',
    originalMessageId: 'out-1@acme.example',
  }),
);
writeFileSync(files.stranger, replyMessage({ from: 'x@y.example', messageId: 'cli-s@y', body: 'Hello?' }));
after(() => rmSync(dir, { recursive: true, force: true }));

describeEachEngine('dunwell inbound (store)', (getDb, engine) => {
  // A target that "exists" for --classify-only: a PostgreSQL URL (the db is injected anyway).
  const target = engine === 'postgres' ? 'postgres://injected/test' : 'postgres://injected/pglite';
  before(async () => getDb().exec(SEED));

  it('--classify-only resolves the thread from the store; storing prints one line per file', async () => {
    const db = getDb();
    const classified = await run(db, target, [files.reply, '--classify-only']);
    assert.equal(classified.code, 0, classified.stderr);
    assert.deepEqual(JSON.parse(classified.stdout), {
      file: files.reply,
      kind: 'reply',
      reply: { intent: 'question', promised_date: null },
      thread: { message_id: 'out-1@acme.example', customer_external_id: 'C1' },
    });
    assert.equal(
      (await db.query('SELECT 1 FROM inbound_messages')).length,
      0,
      'classify-only stores nothing',
    );

    const stored = await run(db, target, [
      files.reply,
      files.bounce,
      files.stranger,
      files.reply,
      join(dir, 'nope.eml'),
    ]);
    assert.equal(stored.code, 1, 'a missing file makes the exit code 1');
    const lines = stored.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.file, l.status, l.kind, l.customer_external_id, l.thread_method, l.duplicate]),
      [
        [files.reply, 'processed', 'reply', 'C1', 'token', false],
        [files.bounce, 'processed', 'bounce', 'C1', 'in_reply_to', false],
        [files.stranger, 'processed', 'reply', null, null, false],
        [files.reply, 'processed', 'reply', 'C1', 'token', true],
        [join(dir, 'nope.eml'), 'error', undefined, undefined, undefined, undefined],
      ],
    );
    assert.match(String(lines[4]!.error), /nope\.eml: file not found/);
    assert.deepEqual(
      (lines[1]!.effects as { kind: string }[]).map((e) => e.kind),
      ['contact_bounced', 'task_created'],
    );

    const unassigned = await run(db, target, ['list', '--unassigned']);
    assert.equal(unassigned.code, 0, unassigned.stderr);
    assert.deepEqual(
      (JSON.parse(unassigned.stdout) as { id: number; from: string }[]).map((m) => [m.id, m.from]),
      [[lines[2]!.id, 'x@y.example']],
    );
    const accept = await run(db, target, ['accept', String(lines[0]!.id)]);
    assert.equal(accept.code, 1);
    assert.match(accept.stderr, /proposes no promise or dispute/);
    const retry = await run(db, target, ['retry', String(lines[0]!.id)]);
    assert.equal(retry.code, 1);
    assert.match(retry.stderr, /already processed/);
    const bad = await run(db, target, ['undo', 'abc']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /"abc" is not a number/);
    const undo = await run(db, target, ['undo', String(lines[1]!.id)], false);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /Undone: task \d+ removed; contact jane@customer\.example is ok again/);
  });
});

// On PostgreSQL when there is one (CI): creating an embedded store in a child costs ~10 s.
it('bin/dunwell stores a message end to end (one spawn)', async () => {
  const pg = process.env.TEST_DATABASE_URL ? await createPostgresDatabase() : null;
  try {
    const target = pg?.url ?? join(dir, 'data');
    const r = spawnSync(join(ROOT, 'bin/dunwell'), ['inbound', files.stranger, '--json', '--db', target], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...ENV, DUNWELL_DB: '', DUNWELL_CONFIG: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(line.status, 'processed');
    assert.equal(line.customer_external_id, null);
    assert.ok((line.notes as string[]).some((n) => /unassigned/.test(n)));
  } finally {
    await pg?.drop();
  }
});
