// The sender against a fault-injecting SMTP peer: 421/450/451/452 and dropped connections and
// stalls are retried with backoff until accepted, each message reaching the server exactly
// once; a 550, 552 or 554 fails the message at once with a "check contact" task; a recipient
// refused at RCPT leaves the others delivered and opens a task; a message past its attempt
// limit fails; a server whose TLS certificate cannot be trusted (STARTTLS or TLS from the
// first byte) never receives the message in clear: it is retried, then failed with a task;
// and a message left in `sending` by a crash becomes `unknown` (or `sent` when our own log
// shows it was handed over) — never sent again by itself.
//
// Calendar: every message is planned for Wed 2026-11-25; the clock starts at 10:00 UTC and
// the test moves it past each retry delay (base 1 s, doubling).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createSender, drainOutbox, type RetryPolicy } from '../../src/messages/sender/index.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { describeEachEngine } from '../support/db.ts';
import { addCustomer, addInvoice, movableClock, planMessage, testConfig } from './support/sender-fixture.ts';
import { type SinkAction, type SinkOptions, startSmtpSink } from './support/smtp-sink.ts';

const TODAY = '2026-11-25';
const RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 10_000 };

async function oneMessage(db: Db, key: string, to = [`ap@${key}.test`]): Promise<number> {
  const c = await addCustomer(
    db,
    key,
    `Customer ${key}`,
    to.map((email) => ({ name: 'AP', email })),
  );
  const inv = await addInvoice(db, c, `INV-${key}`, '2026-11-01', 100_00);
  return planMessage(db, {
    customerId: c,
    template: 'past-due',
    plannedFor: TODAY,
    to: to.map((email) => ({ name: 'AP', email })),
    invoices: [inv],
  });
}

async function statusOf(db: Db, id: number) {
  const [row] = await db.query<{ status: string; attempts: number; last_error: string | null }>(
    'SELECT status, attempts, last_error FROM outbox_messages WHERE id = $1',
    [id],
  );
  return row!;
}

/** Drains until nothing is left to retry, moving the clock past each backoff; returns the rounds' counts. */
async function drainWithRetries(db: Db, sinkOptions: SinkOptions, rounds = 6) {
  const sink = await startSmtpSink(sinkOptions);
  const clock = movableClock(`${TODAY}T10:00:00Z`);
  const config = testConfig({ DUNWELL_SMTP_URL: sink.url });
  const all = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const counts = await drainOutbox(db, {
        clock,
        config,
        retry: RETRY,
        // SMTP behaviour is under test here, not rendering: no render thread to start per round
        renderThreads: 0,
        smtp: { socketTimeoutMs: 400, connectionTimeoutMs: 2000, maxConnections: 2 },
      });
      all.push(counts);
      if (counts.retrying === 0) break;
      clock.advance(RETRY.maxDelayMs);
    }
  } finally {
    await sink.close();
  }
  return { sink, rounds: all };
}

describeEachEngine('sender: SMTP faults', (db) => {
  it('4xx replies, a dropped connection and a stall are retried until accepted, each message once', async () => {
    const ids = {
      busy: await oneMessage(db(), 'busy'),
      greylist: await oneMessage(db(), 'greylist'),
      dropped: await oneMessage(db(), 'dropped'),
      stalled: await oneMessage(db(), 'stalled'),
    };
    const faults: Record<string, SinkAction[]> = {
      busy: [{ reply: 421, text: '4.3.2 service shutting down' }],
      greylist: [
        { reply: 450, text: '4.2.0 greylisted, try later' },
        { reply: 451, text: '4.3.0 local error' },
      ],
      dropped: ['drop-mid-data'],
      stalled: ['stall'],
    };
    const { sink, rounds } = await drainWithRetries(db(), {
      // the n-th attempt of the message to ap@<key>.test gets faults[key][n], then acceptance
      onData: (_messageId, n, recipients) => faults[recipients[0]!.split(/[@.]/)[1]!]?.[n] ?? 'accept',
    });
    assert.ok(rounds.length >= 3, JSON.stringify(rounds));
    assert.equal(
      rounds.reduce((n, r) => n + r.sent, 0),
      4,
    );
    assert.equal(rounds.at(-1)!.retrying, 0);
    // every message reached the server exactly once, whatever happened on the way
    assert.equal(sink.messages.length, 4);
    for (const [messageId, n] of sink.deliveriesById())
      assert.equal(n, 1, `${messageId} accepted ${n} times`);
    // 1 + 1 + 2 + 1 + 1 failed attempts before the four successes
    assert.equal(sink.attempts.length, 4 + 5);
    for (const id of Object.values(ids)) assert.equal((await statusOf(db(), id)).status, 'sent');
    const attempts = await Promise.all(
      Object.values(ids).map(async (id) => (await statusOf(db(), id)).attempts),
    );
    assert.deepEqual(attempts.sort(), [2, 2, 2, 3]);
    const retries = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'message.retry_scheduled'`,
    );
    assert.equal(retries[0]!.n, 5);
  });

  it('550 fails the message at once and opens a "check contact" task', async () => {
    const id = await oneMessage(db(), 'gone');
    const { sink, rounds } = await drainWithRetries(db(), {
      onData: () => ({ reply: 550, text: '5.1.1 mailbox unavailable' }),
    });
    assert.deepEqual(rounds, [{ sent: 0, failed: 1, cancelled: 0, retrying: 0, unknown: 0 }]);
    assert.equal(sink.attempts.length, 1);
    const row = await statusOf(db(), id);
    assert.equal(row.status, 'failed');
    assert.match(row.last_error ?? '', /550 5\.1\.1 mailbox unavailable/);
    const tasks = await db().query<{ kind: string; title: string; invoice_ids: number[] }>(
      `SELECT t.kind, t.title, t.invoice_ids FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = 'gone'`,
    );
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]!.kind, 'check_contact');
    assert.match(tasks[0]!.title, /ap@gone\.test/);
    assert.equal(tasks[0]!.invoice_ids.length, 1);
  });

  it('452 is retried like the other 4xx; 552 and 554 fail at once with a "check contact" task', async () => {
    const ids = {
      full: await oneMessage(db(), 'full'),
      big: await oneMessage(db(), 'big'),
      spam: await oneMessage(db(), 'spam'),
    };
    const faults: Record<string, SinkAction[]> = {
      full: [{ reply: 452, text: '4.3.1 insufficient system storage' }],
      big: [{ reply: 552, text: '5.3.4 message size exceeds fixed limit' }],
      spam: [{ reply: 554, text: '5.7.1 message refused' }],
    };
    const { sink } = await drainWithRetries(db(), {
      onData: (_messageId, n, recipients) => faults[recipients[0]!.split(/[@.]/)[1]!]?.[n] ?? 'accept',
    });
    assert.equal(sink.messages.length, 1);
    assert.equal(sink.attempts.length, 4, 'full twice, big and spam once each');
    const full = await statusOf(db(), ids.full);
    assert.deepEqual([full.status, full.attempts], ['sent', 2]);
    for (const [key, code] of [
      ['big', 552],
      ['spam', 554],
    ] as const) {
      const row = await statusOf(db(), ids[key]);
      assert.equal(row.status, 'failed', key);
      assert.equal(row.attempts, 1, key);
      assert.match(row.last_error ?? '', new RegExp(`^${code} `));
      const tasks = await db().query<{ kind: string; title: string }>(
        `SELECT t.kind, t.title FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = $1`,
        [key],
      );
      assert.deepEqual(
        tasks.map((t) => t.kind),
        ['check_contact'],
        key,
      );
      assert.match(tasks[0]!.title, new RegExp(`ap@${key}\\.test`));
    }
  });

  for (const tls of ['starttls', 'implicit'] as const) {
    it(`a server whose certificate cannot be trusted (${tls === 'starttls' ? 'STARTTLS' : 'smtps://'}) never gets the message in clear`, async () => {
      const key = `tls-${tls}`;
      const id = await oneMessage(db(), key);
      const { sink, rounds } = await drainWithRetries(db(), { tls }, 8);
      assert.ok(sink.sessions.opened >= 1, 'the sender did connect');
      assert.equal(sink.sessions.dataInClear, 0, 'no message was sent without TLS');
      assert.equal(sink.attempts.length, 0);
      assert.equal(sink.messages.length, 0);
      // a TLS failure is treated like a network error: retried with backoff, then failed
      assert.equal(rounds.length, RETRY.maxAttempts);
      const row = await statusOf(db(), id);
      assert.equal(row.status, 'failed');
      assert.equal(row.attempts, RETRY.maxAttempts);
      assert.match(row.last_error ?? '', /certificate|TLS|self[- ]signed/i);
      const [task] = await db().query<{ kind: string; title: string }>(
        `SELECT t.kind, t.title FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = $1`,
        [key],
      );
      assert.equal(task!.kind, 'other');
    });
  }

  it('a recipient refused at RCPT TO: the others get the message, a task names the refused one', async () => {
    const id = await oneMessage(db(), 'half', ['ok@half.test', 'nobody@half.test']);
    const { sink } = await drainWithRetries(db(), { rejectRecipients: ['nobody@half.test'] });
    assert.equal(sink.messages.length, 1);
    assert.deepEqual(sink.messages[0]!.to, ['ok@half.test']);
    assert.equal((await statusOf(db(), id)).status, 'sent');
    const [task] = await db().query<{ kind: string; title: string }>(
      `SELECT t.kind, t.title FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = 'half'`,
    );
    assert.equal(task!.kind, 'check_contact');
    assert.match(task!.title, /nobody@half\.test/);
  });

  it('a message that keeps getting 4xx fails after the attempt limit (and a person is told)', async () => {
    const id = await oneMessage(db(), 'flaky');
    const { sink, rounds } = await drainWithRetries(
      db(),
      { onData: () => ({ reply: 451, text: '4.7.1 later' }) },
      8,
    );
    assert.equal(sink.messages.length, 0);
    assert.equal(sink.attempts.length, RETRY.maxAttempts);
    assert.equal(rounds.at(-1)!.failed, 1);
    const row = await statusOf(db(), id);
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, RETRY.maxAttempts);
    const [task] = await db().query<{ kind: string }>(
      `SELECT t.kind FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = 'flaky'`,
    );
    assert.equal(task!.kind, 'other');
  });

  it('the per-domain rate limit holds a message back until the minute has passed', async () => {
    const first = await oneMessage(db(), 'rate', ['a@limited.test']);
    const second = await oneMessage(db(), 'rate2', ['b@limited.test']);
    const sink = await startSmtpSink();
    const clock = movableClock(`${TODAY}T10:00:00Z`);
    const config = testConfig({ DUNWELL_SMTP_URL: sink.url, DUNWELL_SMTP_RATE_LIMIT_PER_DOMAIN: '1' });
    const sender = createSender(db(), { clock, config, concurrency: 1, renderThreads: 0 });
    try {
      const now = await sender.drain();
      assert.equal(now.sent, 1);
      assert.equal(now.retrying, 1);
      assert.equal(sink.messages.length, 1);
      const held = [await statusOf(db(), first), await statusOf(db(), second)].filter(
        (r) => r.status === 'planned',
      );
      assert.equal(held.length, 1);
      assert.equal(held[0]!.attempts, 0, 'waiting for the limit is not a failed attempt');
      clock.advance(30_000);
      assert.equal((await sender.drain()).sent, 0, 'still inside the minute');
      clock.advance(31_000);
      assert.equal((await sender.drain()).sent, 1);
    } finally {
      await sender.close();
      await sink.close();
    }
  });

  it('after a crash: handed over → unknown (never resent), logged → sent, never handed over → planned again', async () => {
    const interrupted = await oneMessage(db(), 'crash');
    const handedOver = await oneMessage(db(), 'crash2');
    const neverOffered = await oneMessage(db(), 'crash3');
    // A sender claimed all three and died: one during its SMTP hand-over, one after the
    // catcher stored it, one while it was still rendering (never offered to the server).
    const clock = movableClock(`${TODAY}T10:00:00Z`);
    await db().execute(
      `UPDATE outbox_messages SET status = 'sending', status_changed_at = $2, message_id = '<x@dunwell.invalid>',
              handed_over_at = $2
        WHERE id = ANY($1::bigint[])`,
      [[interrupted, handedOver], clock.now().toISOString()],
    );
    await db().execute(
      `UPDATE outbox_messages SET status = 'sending', status_changed_at = $2 WHERE id = $1`,
      [neverOffered, clock.now().toISOString()],
    );
    await db().execute(
      `INSERT INTO outbound_mail (outbox_message_id, customer_id, transport, message_id, envelope_from, envelope_to, subject, size, raw)
       SELECT id, customer_id, 'catcher', '<y@dunwell.invalid>', 'billing@example.invalid', '{ap@crash2.test}', 's', 3, '\\x616263'
         FROM outbox_messages WHERE id = $1`,
      [handedOver],
    );
    const sink = await startSmtpSink();
    const sender = createSender(db(), {
      clock,
      config: testConfig({ DUNWELL_SMTP_URL: sink.url }),
      leaseMs: 60_000,
      renderThreads: 0,
    });
    try {
      // within the lease: another sender may still be working on them
      assert.deepEqual(await sender.recover(), { unknown: 0, sent: 0, requeued: 0 });
      clock.advance(61_000);
      assert.deepEqual(await sender.recover(), { unknown: 1, sent: 1, requeued: 1 });
      const counts = await sender.drain();
      assert.equal(counts.sent, 1, 'the message never offered to the server is sent now');
    } finally {
      await sender.close();
      await sink.close();
    }
    assert.equal(sink.attempts.length, 1);
    assert.equal((await statusOf(db(), interrupted)).status, 'unknown');
    assert.equal((await statusOf(db(), handedOver)).status, 'sent');
    assert.equal((await statusOf(db(), neverOffered)).status, 'sent');
    const [event] = await db().query<{ action: string }>(
      `SELECT action FROM audit_log WHERE entity = 'outbox_message' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [String(interrupted)],
    );
    assert.equal(event!.action, 'message.unknown');
  });
});
