/**
 * The intake on a real database (both engines): stored first, then threaded (Reply-To token,
 * In-Reply-To/References, sender among contacts, else unassigned) and applied — bounces,
 * soft bounces counted to hard, complaints, auto-replies, replies with R9 pause, task and a
 * proposal a collector accepts — every effect on the timeline and undoable. Bad input gets
 * a processing result, never an exception; a failed message is kept and retried.
 *
 * Calendar: the clock is 2026-03-15 10:00 UTC (organisation time zone UTC); INV-1001 was due
 * 2026-02-28; reply_pause_days is the built-in 5, so a reply pauses dunning until 2026-03-20.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import fc from 'fast-check';
import {
  acceptInbound,
  assignInbound,
  getInbound,
  type IntakeDeps,
  listInbound,
  receiveInbound,
  retryInbound,
  undoInbound,
} from '../../src/inbound/intake/index.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { describeEachEngine } from '../support/db.ts';
import { autoReplyMessage, bounceMessage, complaintMessage, replyMessage } from './support/messages.ts';

const NOW = '2026-03-15T10:00:00Z';
const enc = (s: string) => new TextEncoder().encode(s);

function deps(db: Db, now = NOW): IntakeDeps {
  return { db, clock: fixedClock(now), reply: { localPart: 'ar', domain: 'reply.acme.example' } };
}

async function seed(db: Db): Promise<void> {
  await db.exec(`
    INSERT INTO customers (external_id, name) VALUES ('C1', 'Customer One'), ('C2', 'Customer Two'), ('C3', 'Customer Three');
    INSERT INTO contacts (external_id, customer_id, name, email)
      SELECT 'K1', id, 'Jane', 'Jane@Customer.example' FROM customers WHERE external_id = 'C1';
    INSERT INTO contacts (external_id, customer_id, name, email)
      SELECT 'K2', id, 'Bob', 'bob@two.example' FROM customers WHERE external_id = 'C2';
    INSERT INTO contacts (external_id, customer_id, name, email)
      SELECT 'K3', id, 'Soft', 'soft@three.example' FROM customers WHERE external_id = 'C3';
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'I1', id, 'INV-1001', '2026-01-29', '2026-02-28', 'EUR', 125000 FROM customers WHERE external_id = 'C1';
    INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'I2', id, 'INV-2001', '2026-01-29', '2026-02-28', 'EUR', 5000 FROM customers WHERE external_id = 'C2';
    INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for,
                                 status, message_id, reply_token)
      SELECT id, 'standard', 'past-due', 'past-due', 'en', true, '2026-03-09', 'sent', '<out-1@acme.example>', 'tok1C1'
        FROM customers WHERE external_id = 'C1';
    INSERT INTO outbox_message_invoices (message_id, invoice_id, position, step_key, open_balance)
      SELECT m.id, i.id, 0, 'past-due', 125000 FROM outbox_messages m, invoices i
       WHERE m.reply_token = 'tok1C1' AND i.number = 'INV-1001';
    INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for,
                                 status, message_id, reply_token)
      SELECT id, 'standard', 'past-due', 'past-due', 'en', true, '2026-03-09', 'sent', '<out-2@acme.example>', 'tok2C2'
        FROM customers WHERE external_id = 'C2';
  `);
}

async function one<T>(db: Db, sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await db.query<Record<string, unknown>>(sql, params);
  return row as T;
}

async function timeline(db: Db, customer: string): Promise<string[]> {
  const rows = await db.query<{ action: string }>(
    `SELECT a.action FROM audit_log a JOIN customers c ON c.id = a.customer_id WHERE c.external_id = $1 ORDER BY a.id`,
    [customer],
  );
  return rows.map((r) => r.action);
}

describeEachEngine('inbound intake', (getDb) => {
  before(async () => seed(getDb()));

  it('a promise reply threads by In-Reply-To, pauses dunning (R9), makes a task and a promise proposal; accept and undo', async () => {
    const db = getDb();
    const raw = replyMessage({
      from: 'Jane <jane@customer.example>',
      messageId: 'r1@customer.example',
      inReplyTo: 'out-1@acme.example',
      body: 'Hi,\r\n\r\nwe will pay invoice INV-1001 next Friday.\r\n\r\nJane',
    });
    const r = await receiveInbound(deps(db), {
      raw: enc(raw),
      source: 'file',
      sourceRef: 'r1.eml',
      actor: 'cli',
    });
    assert.equal(r.status, 'processed');
    assert.equal(r.kind, 'reply');
    assert.equal(r.customer_external_id, 'C1');
    assert.equal(r.thread_method, 'in_reply_to');
    assert.deepEqual(r.classification?.thread, {
      message_id: 'out-1@acme.example',
      customer_external_id: 'C1',
    });
    assert.deepEqual(r.classification?.reply, { intent: 'promise_to_pay', promised_date: '2026-03-13' });
    assert.deepEqual(
      r.effects.map((e) => e.kind),
      ['reply_paused', 'task_created'],
    );
    assert.deepEqual(r.proposal, { type: 'promise', invoices: ['INV-1001'], promised_date: '2026-03-13' });
    const c1 = await one<{ reply_paused_until: string }>(
      db,
      `SELECT reply_paused_until FROM customers WHERE external_id = 'C1'`,
    );
    assert.equal(c1.reply_paused_until, '2026-03-20');
    const task = await one<{ kind: string; title: string }>(
      db,
      `SELECT kind, title FROM tasks t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = 'C1'`,
    );
    assert.equal(task.kind, 'reply');
    assert.match(task.title, /promises to pay \(by 2026-03-13\)/);

    // The promise date lies before today (a late reply): the collector accepts with a date.
    await assert.rejects(acceptInbound(deps(db), { id: r.id, actor: 'cli' }), /in the past/);
    const accepted = await acceptInbound(deps(db), { id: r.id, actor: 'cli', promisedDate: '2026-03-27' });
    assert.equal(accepted.proposal_status, 'accepted');
    const promise = await one<{ promised_date: string; status: string }>(
      db,
      `SELECT promised_date, status FROM promises`,
    );
    assert.deepEqual(promise, { promised_date: '2026-03-27', status: 'open' });
    await assert.rejects(acceptInbound(deps(db), { id: r.id, actor: 'cli' }), /already accepted/);

    const undone = await undoInbound(deps(db), { id: r.id, actor: 'cli' });
    assert.ok(undone.effects.every((e) => e.undone));
    assert.equal((await db.query('SELECT 1 FROM promises')).length, 0);
    assert.equal((await db.query(`SELECT 1 FROM tasks WHERE kind = 'reply'`)).length, 0);
    const after = await one<{ reply_paused_until: string | null }>(
      db,
      `SELECT reply_paused_until FROM customers WHERE external_id = 'C1'`,
    );
    assert.equal(after.reply_paused_until, null);
    await assert.rejects(undoInbound(deps(db), { id: r.id, actor: 'cli' }), /already undone/);
    const events = await timeline(db, 'C1');
    for (const action of [
      'inbound.reply',
      'customer.reply_paused',
      'task.created',
      'promise.created',
      'inbound.proposal_accepted',
      'inbound.undone',
    ])
      assert.ok(events.includes(action), `timeline lacks ${action}: ${events.join(', ')}`);
  });

  it('the same message twice is stored once', async () => {
    const db = getDb();
    const raw = enc(replyMessage({ from: 'x@nowhere.example', messageId: 'dup@x', body: 'Hello there' }));
    const a = await receiveInbound(deps(db), { raw, source: 'api', sourceRef: 'k', actor: 'api:k' });
    const b = await receiveInbound(deps(db), { raw, source: 'api', sourceRef: 'k', actor: 'api:k' });
    assert.equal(a.duplicate, false);
    assert.equal(b.duplicate, true);
    assert.equal(a.id, b.id);
    const n = await one<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM inbound_messages WHERE message_id = 'dup@x'`,
    );
    assert.equal(n.n, 1);
  });

  it('threads by the Reply-To token first, then by the sender; unknown senders are unassigned until assigned', async () => {
    const db = getDb();
    // Token: sent to ar+tok2C2@…, from an address no contact has, no In-Reply-To.
    const byToken = await receiveInbound(deps(db), {
      raw: enc(
        replyMessage({
          from: 'someone@elsewhere.example',
          to: 'Acme AR <ar+tok2C2@reply.acme.example>',
          messageId: 't1@elsewhere',
          body: 'Can you send me a copy of the invoice?',
        }),
      ),
      source: 'file',
      sourceRef: 't1',
      actor: 'cli',
    });
    assert.equal(byToken.thread_method, 'token');
    assert.equal(byToken.customer_external_id, 'C2');
    assert.deepEqual(byToken.classification?.thread, {
      message_id: 'out-2@acme.example',
      customer_external_id: 'C2',
    });
    // A token on another domain is not ours.
    const otherDomain = await receiveInbound(deps(db), {
      raw: enc(
        replyMessage({
          from: 'nobody@elsewhere.example',
          to: 'ar+tok2C2@other.example',
          messageId: 't2@elsewhere',
          body: 'Can you send me a copy of the invoice?',
        }),
      ),
      source: 'file',
      sourceRef: 't2',
      actor: 'cli',
    });
    assert.equal(otherDomain.customer_external_id, null);
    // Sender: Bob is C2's contact (case-insensitive address match).
    const bySender = await receiveInbound(deps(db), {
      raw: enc(
        replyMessage({ from: 'BOB@two.example', messageId: 's1@two', body: 'We have already paid this.' }),
      ),
      source: 'file',
      sourceRef: 's1',
      actor: 'cli',
    });
    assert.equal(bySender.thread_method, 'sender');
    assert.equal(bySender.customer_external_id, 'C2');

    const unassigned = await listInbound(db, { status: 'unassigned' });
    assert.ok(unassigned.some((m) => m.id === otherDomain.id));
    assert.ok(!unassigned.some((m) => m.id === bySender.id));
    assert.ok(otherDomain.notes.some((n) => /unassigned/.test(n)));
    assert.equal(otherDomain.effects.length, 0);

    const assigned = await assignInbound(deps(db), {
      id: otherDomain.id,
      customerExternalId: 'C2',
      actor: 'cli',
    });
    assert.equal(assigned.customer_external_id, 'C2');
    assert.equal(assigned.thread_method, 'manual');
    // C2 is already paused until 2026-03-20 by the earlier replies: only the task is new.
    assert.deepEqual(
      assigned.effects.map((e) => e.kind),
      ['task_created'],
    );
    assert.ok(!(await listInbound(db, { status: 'unassigned' })).some((m) => m.id === otherDomain.id));
    await assert.rejects(
      assignInbound(deps(db), { id: otherDomain.id, customerExternalId: 'NOPE', actor: 'cli' }),
      /no customer with external id NOPE/,
    );
  });

  it('a hard bounce marks the address bounced (R7 stops using it) with a check_contact task; undo restores it', async () => {
    const db = getDb();
    const r = await receiveInbound(deps(db), {
      raw: enc(
        bounceMessage({
          recipient: 'jane@customer.example',
          status: '5.1.1',
          diagnostic: '550 5.1.1 <jane@customer.example>: Recipient address rejected: User unknown',
          messageId: 'b1@mx',
          originalMessageId: 'out-1@acme.example',
          originalReplyTo: 'ar+tok1C1@reply.acme.example',
        }),
      ),
      source: 'file',
      sourceRef: 'b1',
      actor: 'cli',
    });
    assert.equal(r.kind, 'bounce');
    assert.equal(r.thread_method, 'token');
    assert.equal(r.customer_external_id, 'C1');
    assert.deepEqual(
      r.effects.map((e) => e.kind),
      ['contact_bounced', 'task_created'],
    );
    const k1 = await one<{ email_status: string }>(
      db,
      `SELECT email_status FROM contacts WHERE external_id = 'K1'`,
    );
    assert.equal(k1.email_status, 'bounced');
    const task = await one<{ kind: string; title: string }>(
      db,
      `SELECT kind, title FROM tasks WHERE kind = 'check_contact' ORDER BY id DESC LIMIT 1`,
    );
    assert.match(task.title, /jane@customer\.example: hard bounce 5\.1\.1 \(userunknown\)/);
    assert.ok((await timeline(db, 'C1')).includes('contact.bounced'));

    await undoInbound(deps(db), { id: r.id, actor: 'cli' });
    const restored = await one<{ email_status: string }>(
      db,
      `SELECT email_status FROM contacts WHERE external_id = 'K1'`,
    );
    assert.equal(restored.email_status, 'ok');
  });

  it('soft bounces are counted; the third in 14 days counts as hard, older ones do not', async () => {
    const db = getDb();
    const soft = (n: number, now: string) =>
      receiveInbound(deps(db, now), {
        raw: enc(
          bounceMessage({
            recipient: 'soft@three.example',
            status: '4.2.2',
            diagnostic: '452 4.2.2 <soft@three.example>: Mailbox full',
            messageId: `soft${n}@mx`,
          }),
        ),
        source: 'file',
        sourceRef: `soft${n}`,
        actor: 'cli',
      });
    const status = async () =>
      (await one<{ email_status: string }>(db, `SELECT email_status FROM contacts WHERE external_id = 'K3'`))
        .email_status;
    // 2026-02-20 is more than 14 days before 2026-03-14: it does not count.
    await soft(1, '2026-02-20T10:00:00Z');
    const second = await soft(2, '2026-03-10T10:00:00Z');
    assert.equal(second.customer_external_id, 'C3');
    assert.deepEqual(
      second.effects.map((e) => e.kind),
      ['soft_bounce'],
    );
    await soft(3, '2026-03-12T10:00:00Z');
    assert.equal(await status(), 'ok');
    const fourth = await soft(4, '2026-03-14T10:00:00Z');
    assert.deepEqual(
      fourth.effects.map((e) => e.kind),
      ['soft_bounce', 'contact_bounced', 'task_created'],
    );
    assert.equal(await status(), 'bounced');
    assert.ok(fourth.notes.some((n) => /soft bounce 3 in 14 days, treated as a hard bounce/.test(n)));
  });

  it('a complaint suppresses the address; an auto-reply is timeline only, with its return date', async () => {
    const db = getDb();
    const complaint = await receiveInbound(deps(db), {
      raw: enc(complaintMessage({ recipient: 'bob@two.example', messageId: 'c1@isp' })),
      source: 'file',
      sourceRef: 'c1',
      actor: 'cli',
    });
    assert.equal(complaint.kind, 'complaint');
    assert.equal(complaint.customer_external_id, 'C2');
    assert.deepEqual(
      complaint.effects.map((e) => e.kind),
      ['contact_complained'],
    );
    const k2 = await one<{ email_status: string }>(
      db,
      `SELECT email_status FROM contacts WHERE external_id = 'K2'`,
    );
    assert.equal(k2.email_status, 'complained');

    const tasksBefore = await one<{ n: number }>(db, 'SELECT count(*)::int AS n FROM tasks');
    const auto = await receiveInbound(deps(db), {
      raw: enc(
        autoReplyMessage({
          from: 'jane@customer.example',
          messageId: 'a1@c',
          inReplyTo: 'out-1@acme.example',
        }),
      ),
      source: 'file',
      sourceRef: 'a1',
      actor: 'cli',
    });
    assert.equal(auto.kind, 'auto_reply');
    assert.equal(auto.customer_external_id, 'C1');
    assert.equal(auto.effects.length, 0);
    assert.equal((await one<{ n: number }>(db, 'SELECT count(*)::int AS n FROM tasks')).n, tasksBefore.n);
    const event = await one<{ data: { return_date: string | null } }>(
      db,
      `SELECT data FROM audit_log WHERE action = 'inbound.auto_reply' AND entity_id = $1`,
      [String(auto.id)],
    );
    assert.equal(event.data.return_date, '2026-03-20');
  });

  it('bad input gets a processing result: malformed MIME, a DSN with no recipient, a bounce for an address never mailed, 25 MB', async () => {
    const db = getDb();
    const malformed = await receiveInbound(deps(db), {
      raw: enc(
        'Subject: broken\r\nContent-Type: multipart/mixed; boundary="never"\r\n\r\n--nev\r\ngarbage\x00\xff',
      ),
      source: 'file',
      sourceRef: 'bad1',
      actor: 'cli',
    });
    assert.equal(malformed.status, 'processed');
    assert.equal(malformed.kind, 'unknown');
    assert.equal(malformed.customer_external_id, null);

    const dsn = [
      'From: MAILER-DAEMON@mx.example',
      'To: billing@acme.example',
      'Subject: Delivery Status Notification (Failure)',
      'Message-ID: <dsn-none@mx>',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="X"',
      '',
      '--X',
      'Content-Type: text/plain',
      '',
      'Delivery failed.',
      '--X',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example',
      '',
      '--X--',
      '',
    ].join('\r\n');
    const noRecipient = await receiveInbound(deps(db), {
      raw: enc(dsn),
      source: 'file',
      sourceRef: 'dsn',
      actor: 'cli',
    });
    assert.equal(noRecipient.status, 'processed');
    assert.equal(noRecipient.kind, 'unknown');
    assert.ok(
      noRecipient.notes.some((n) => /no recipient/.test(n)),
      noRecipient.notes.join('; '),
    );

    const stranger = await receiveInbound(deps(db), {
      raw: enc(
        bounceMessage({
          recipient: 'never@mailed.example',
          status: '5.1.1',
          diagnostic: '550 5.1.1 User unknown',
          messageId: 'b-stranger@mx',
        }),
      ),
      source: 'file',
      sourceRef: 'stranger',
      actor: 'cli',
    });
    assert.equal(stranger.kind, 'bounce');
    assert.equal(stranger.effects.length, 0);
    assert.ok(stranger.notes.some((n) => /never@mailed\.example: no contact has this address/.test(n)));

    const body = 'x'.repeat(76);
    const big = `From: big@nowhere.example\r\nSubject: big\r\nMessage-ID: <big@x>\r\n\r\n${`${body}\r\n`.repeat(
      Math.floor((25 * 1024 * 1024 - 200) / 78),
    )}`;
    const large = await receiveInbound(deps(db), {
      raw: enc(big),
      source: 'api',
      sourceRef: 'big',
      actor: 'api:k',
    });
    assert.equal(large.status, 'processed');
    assert.ok(
      (await one<{ size: number }>(db, 'SELECT size FROM inbound_messages WHERE id = $1', [large.id])).size >
        25e6,
    );
  });

  it('any bytes in: stored and given a result, never an exception (fast-check mutations of a bounce)', async () => {
    const db = getDb();
    const seedBytes = enc(
      bounceMessage({
        recipient: 'jane@customer.example',
        status: '5.1.1',
        diagnostic: '550 5.1.1 User unknown',
        messageId: 'fuzz@mx',
        originalReplyTo: 'ar+tok1C1@reply.acme.example',
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(seedBytes.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }),
        fc.nat(seedBytes.length),
        async (edits, cut) => {
          const bytes = seedBytes.slice(0, Math.max(1, cut));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          const r = await receiveInbound(deps(db), {
            raw: bytes,
            source: 'api',
            sourceRef: 'fuzz',
            actor: 'fuzz',
          });
          assert.ok(r.status === 'processed' || r.status === 'failed');
          assert.equal((await getInbound(db, r.id)).id, r.id);
        },
      ),
      { numRuns: 25, seed: 20261125 },
    );
  });

  it('a processing failure keeps the message (failed, with the reason) and retry processes it', async () => {
    const db = getDb();
    // Make every effect write fail, as a broken database would.
    await db.exec(`
      CREATE FUNCTION intake_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'disk full (test)'; END $$;
      CREATE TRIGGER intake_test_refuse BEFORE INSERT ON inbound_effects FOR EACH ROW EXECUTE FUNCTION intake_test_refuse();
    `);
    const raw = replyMessage({
      from: 'bob@two.example',
      messageId: 'fail@two',
      body: 'The price on INV-2001 is wrong, we agreed a lower price.',
    });
    const r = await receiveInbound(deps(db), { raw: enc(raw), source: 'file', sourceRef: 'f', actor: 'cli' });
    assert.equal(r.status, 'failed');
    assert.match(r.failure ?? '', /disk full \(test\)/);
    assert.equal(r.effects.length, 0);
    assert.equal((await db.query(`SELECT 1 FROM tasks WHERE title LIKE '%disputes%'`)).length, 0);
    await db.exec('DROP TRIGGER intake_test_refuse ON inbound_effects; DROP FUNCTION intake_test_refuse();');

    const retried = await retryInbound(deps(db), r.id, 'cli');
    assert.equal(retried.status, 'processed');
    assert.equal(retried.attempts, 2);
    assert.equal(retried.customer_external_id, 'C2');
    assert.equal(retried.proposal?.type, 'dispute');
    const accepted = await acceptInbound(deps(db), { id: r.id, actor: 'cli' });
    assert.equal(accepted.proposal_status, 'accepted');
    const inv = await one<{ disputed: boolean }>(
      db,
      `SELECT disputed FROM invoices WHERE number = 'INV-2001'`,
    );
    assert.equal(inv.disputed, true);
    await undoInbound(deps(db), { id: r.id, actor: 'cli' });
    const again = await one<{ disputed: boolean }>(
      db,
      `SELECT disputed FROM invoices WHERE number = 'INV-2001'`,
    );
    assert.equal(again.disputed, false);
    await assert.rejects(retryInbound(deps(db), r.id, 'cli'), /already processed/);
    assert.equal((await getInbound(db, r.id)).status, 'processed');
  });
});
