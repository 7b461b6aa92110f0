/**
 * The IMAP source against a real Dovecot (started once for this file; .ci/dovecot): messages
 * APPENDed, polled, stored, processed and moved to Dunwell/Processed; UIDs tracked so a
 * second round reads nothing twice; a poller that crashes mid-batch (after storing a message,
 * before processing it) loses nothing and processes nothing twice; the serve loop picks up
 * new mail announced by IDLE. Locally skipped when Dovecot is absent; DUNWELL_REQUIRE_IMAP=1
 * (CI) makes that a failure.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { type IntakeDeps, pollOnce, startImapLoop } from '../../src/inbound/intake/index.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { describeEachEngine } from '../support/db.ts';
import { type Dovecot, dovecotSkip, startDovecot } from './support/dovecot.ts';
import { bounceMessage, replyMessage } from './support/messages.ts';

const skip = dovecotSkip();
if (skip) console.log(`# ${skip}`);

let dovecot: Dovecot | undefined;
let imap: ImapFlow | undefined;

before(async () => {
  if (skip) return;
  dovecot = await startDovecot();
  imap = await dovecot.client();
});
after(async () => {
  await imap?.logout().catch(() => undefined);
  await dovecot?.stop();
});

function deps(db: Db): IntakeDeps {
  return {
    db,
    clock: fixedClock('2026-03-15T10:00:00Z'),
    reply: { localPart: 'ar', domain: 'reply.acme.example' },
  };
}

/** Messages in a folder, read on a fresh connection (a selected mailbox's counts can be stale). */
async function count(folder: string): Promise<number> {
  const c = await dovecot!.client();
  try {
    const status = await c.status(folder, { messages: true });
    return status === false ? -1 : (status.messages ?? 0);
  } finally {
    await c.logout();
  }
}

async function emptyFolders(): Promise<void> {
  for (const folder of ['INBOX', 'Dunwell/Processed']) {
    const exists = (await imap!.list()).some((m) => m.path === folder);
    if (!exists) continue;
    const lock = await imap!.getMailboxLock(folder);
    try {
      if (imap!.mailbox && imap!.mailbox.exists > 0) await imap!.messageDelete('1:*');
    } finally {
      lock.release();
    }
  }
}

const reply = (n: number) =>
  replyMessage({
    from: 'Jane <jane@customer.example>',
    messageId: `imap-${n}@customer.example`,
    inReplyTo: 'out-1@acme.example',
    body: `Hello,\r\n\r\ncould you send invoice INV-1001 again (${n})?\r\n\r\nJane`,
  });

describeEachEngine('inbound IMAP poller (Dovecot)', (getDb) => {
  before(async () => {
    if (skip) return;
    await emptyFolders();
    await getDb().exec(`
      INSERT INTO customers (external_id, name) VALUES ('C1', 'Customer One');
      INSERT INTO contacts (external_id, customer_id, name, email)
        SELECT 'K1', id, 'Jane', 'jane@customer.example' FROM customers;
      INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for,
                                   status, message_id, reply_token)
        SELECT id, 'standard', 'past-due', 'past-due', 'en', true, '2026-03-09', 'sent', '<out-1@acme.example>', 'tokA'
          FROM customers;
    `);
  });

  it('stores, processes and moves new mail; a second round reads nothing twice', { skip }, async () => {
    const db = getDb();
    await imap!.append('INBOX', reply(1));
    await imap!.append(
      'INBOX',
      bounceMessage({
        recipient: 'jane@customer.example',
        status: '5.1.1',
        diagnostic: '550 5.1.1 User unknown',
        messageId: 'imap-bounce@mx',
        originalReplyTo: 'ar+tokA@reply.acme.example',
      }),
    );
    await imap!.append('INBOX', 'Subject: no body, no headers to speak of\r\n\r\n\x00\xff--');
    const first = await pollOnce(deps(db), dovecot!.url);
    assert.equal(first.stored, 3);
    assert.equal(first.processed, 3);
    assert.equal(first.failed, 0);
    assert.equal(first.moved, 3);
    assert.equal(await count('INBOX'), 0);
    assert.equal(await count('Dunwell/Processed'), 3);
    const rows = await db.query<{
      kind: string;
      status: string;
      imap_uid: number;
      customer_id: number | null;
    }>(
      `SELECT kind, status, imap_uid, customer_id FROM inbound_messages WHERE source = 'imap' ORDER BY imap_uid`,
    );
    assert.deepEqual(
      rows.map((r) => [r.kind, r.status]),
      [
        ['reply', 'processed'],
        ['bounce', 'processed'],
        ['unknown', 'processed'],
      ],
    );
    const [k1] = await db.query<{ email_status: string }>(
      `SELECT email_status FROM contacts WHERE external_id = 'K1'`,
    );
    assert.equal(k1!.email_status, 'bounced');

    const second = await pollOnce(deps(db), dovecot!.url);
    assert.deepEqual([second.stored, second.processed, second.moved], [0, 0, 0]);
    assert.equal(second.last_uid, first.last_uid);

    // The same message delivered again (new UID, same content) is not stored twice.
    await imap!.append('INBOX', reply(1));
    const third = await pollOnce(deps(db), dovecot!.url);
    assert.deepEqual([third.stored, third.duplicates, third.moved], [0, 1, 1]);
    const [n] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM inbound_messages WHERE source = 'imap'`,
    );
    assert.equal(n!.n, 3);
  });

  it('a poller killed mid-batch loses nothing and processes nothing twice', { skip }, async () => {
    const db = getDb();
    const [{ n: before } = { n: 0 }] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM inbound_messages',
    );
    for (let i = 10; i < 15; i++) await imap!.append('INBOX', reply(i));
    class Crash extends Error {}
    await assert.rejects(
      pollOnce(deps(db), dovecot!.url, {
        afterStore: (_uid, index) => {
          if (index === 2) throw new Crash('killed after storing the third message');
        },
      }),
      Crash,
    );
    // Three stored (the third not processed yet); nothing moved; the rest still unread.
    const mid = await db.query<{ status: string }>(
      `SELECT status FROM inbound_messages WHERE message_id LIKE 'imap-1_@customer.example' ORDER BY id`,
    );
    assert.deepEqual(
      mid.map((r) => r.status),
      ['processed', 'processed', 'received'],
    );
    assert.equal(await count('INBOX'), 5);

    const resumed = await pollOnce(deps(db), dovecot!.url);
    assert.equal(resumed.stored, 2);
    assert.equal(resumed.processed, 3);
    assert.equal(resumed.moved, 5);
    assert.equal(await count('INBOX'), 0);
    const rows = await db.query<{ message_id: string; status: string; events: number }>(
      `SELECT m.message_id, m.status,
              (SELECT count(*)::int FROM audit_log a WHERE a.entity = 'inbound_message' AND a.entity_id = m.id::text
                 AND a.action = 'inbound.reply') AS events
         FROM inbound_messages m WHERE m.message_id LIKE 'imap-1_@customer.example' ORDER BY m.message_id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.message_id, r.status, r.events]),
      [10, 11, 12, 13, 14].map((i) => [`imap-${i}@customer.example`, 'processed', 1]),
    );
    const [{ n: total } = { n: 0 }] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM inbound_messages',
    );
    assert.equal(total, before + 5);
    const tasks = await db.query(`SELECT 1 FROM tasks WHERE kind = 'reply'`);
    assert.equal(tasks.length, 6, 'one reply task per reply (message 1 and 10–14)');
  });

  it('the serve loop takes in new mail announced by IDLE', { skip }, async () => {
    const db = getDb();
    const logs: string[] = [];
    const stop = startImapLoop({ ...deps(db), log: (l) => logs.push(l) }, dovecot!.url, {
      intervalMs: 30_000,
    });
    try {
      // Let the first round finish and the connection go idle, then deliver.
      await waitFor(
        async () => logs.length > 0 || (await db.query('SELECT 1 FROM inbound_mailboxes')).length > 0,
      );
      await new Promise((r) => setTimeout(r, 300));
      await imap!.append('INBOX', reply(20));
      await waitFor(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM inbound_messages WHERE message_id = 'imap-20@customer.example' AND status = 'processed'`,
            )
          ).length === 1,
      );
      await waitFor(async () => (await count('INBOX')) === 0);
    } finally {
      await stop();
    }
    assert.ok(
      logs.some((l) => /stored 1, processed 1/.test(l)),
      logs.join('\n'),
    );
  });
});

/** Polls a condition (the loop runs on its own schedule); fails after 15 s. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
