// System mail (issue 7's password reset link, through the outbox): enqueued with
// enqueueSystemMail, delivered by the sender exactly once to a real SMTP peer and to the
// catcher, from the organisation's address with Auto-Submitted, with no customer, timeline
// event, Reply-To or attachment; bad input refused at enqueue with nothing written; after a
// crash it is settled like an outbox message; in /api/v1/messages only admins see it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { buildServer } from '../../src/http/server.ts';
import { createApiKey } from '../../src/ledger/api-keys.ts';
import { enqueueSystemMail } from '../../src/messages/outbox.ts';
import { createSender, drainOutbox } from '../../src/messages/sender/index.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { UserError } from '../../src/platform/errors.ts';
import { signIn } from '../../src/users/sessions.ts';
import { addUser } from '../../src/users/users.ts';
import { describeEachEngine } from '../support/db.ts';
import { movableClock, testConfig } from './support/sender-fixture.ts';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.ts';

const NOW = '2026-11-25T10:00:00Z';
const RESET = {
  to: 'jo@workspace.test',
  subject: 'Reset your Dunwell password',
  text: 'Open https://dunwell.example/app/reset#token=secret-token-1 within an hour.',
  html: '<p>Open <a href="https://dunwell.example/app/reset#token=secret-token-1">this link</a>.</p>',
  purpose: 'password-reset' as const,
};

describeEachEngine('sender: system mail over SMTP', (db) => {
  let sink: SmtpSink;
  const clock = movableClock(NOW);
  before(async () => {
    sink = await startSmtpSink();
    await db().execute('UPDATE organisation SET name = $1', ['Northwind Supplies']);
  });
  after(async () => {
    await sink.close();
  });

  it('is delivered exactly once, from the organisation, with Auto-Submitted and nothing of a customer', async () => {
    const events = async () =>
      (await db().query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n;
    const eventsBefore = await events();
    const { id } = await enqueueSystemMail(db(), RESET);
    assert.ok(id > 0);
    const config = testConfig({ DUNWELL_SMTP_URL: sink.url, DUNWELL_REPLY_DOMAIN: 'reply.example.com' });
    const counts = await drainOutbox(db(), { clock, config });
    assert.deepEqual(counts, { sent: 1, failed: 0, cancelled: 0, retrying: 0, unknown: 0 });
    // a second drain finds nothing more to send
    assert.deepEqual(await drainOutbox(db(), { clock, config }), {
      sent: 0,
      failed: 0,
      cancelled: 0,
      retrying: 0,
      unknown: 0,
    });
    assert.equal(sink.messages.length, 1);
    const got = sink.messages[0]!;
    assert.deepEqual(got.to, ['jo@workspace.test']);
    assert.equal(got.from, 'billing@reply.example.com');
    const mail = await simpleParser(got.raw);
    assert.equal(mail.subject, RESET.subject);
    assert.equal(mail.text?.trim(), RESET.text);
    assert.match(String(mail.html), /token=secret-token-1/);
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(mail.headers.get('reply-to'), undefined, 'no reply token for system mail');
    assert.equal(mail.attachments.length, 0);
    assert.match(String(mail.from?.text), /Northwind Supplies/);

    const [row] = await db().query<{
      status: string;
      attempts: number;
      message_id: string;
      handed_over_at: Date | null;
    }>('SELECT status, attempts, message_id, handed_over_at FROM system_mail WHERE id = $1', [id]);
    assert.equal(row?.status, 'sent');
    assert.equal(row?.attempts, 1);
    assert.equal(row?.message_id, got.messageId);
    assert.ok(row?.handed_over_at, 'handed_over_at recorded before the SMTP transaction');
    const logged = await db().query<{ customer_id: number | null; outbox_message_id: number | null }>(
      'SELECT customer_id, outbox_message_id FROM outbound_mail WHERE system_mail_id = $1',
      [id],
    );
    assert.deepEqual(logged, [{ customer_id: null, outbox_message_id: null }]);
    assert.equal(await events(), eventsBefore, 'nothing on any timeline');
  });

  it('a plain-text system mail has no HTML part', async () => {
    const { html: _html, ...plain } = RESET;
    await enqueueSystemMail(db(), { ...plain, to: 'plain@workspace.test' });
    const config = testConfig({ DUNWELL_SMTP_URL: sink.url });
    const counts = await drainOutbox(db(), { clock, config });
    assert.equal(counts.sent, 1);
    const got = sink.messages.find((m) => m.to.includes('plain@workspace.test'))!;
    const mail = await simpleParser(got.raw);
    assert.equal(mail.html, false);
    assert.equal(mail.text?.trim(), RESET.text);
  });

  it('a 4xx is retried later with the same Message-ID; a 5xx fails it', async () => {
    const flaky = await startSmtpSink({
      onData: (_id, attempt, to) =>
        to.includes('hard@workspace.test') ? { reply: 550 } : attempt === 0 ? { reply: 451 } : 'accept',
    });
    try {
      const config = testConfig({ DUNWELL_SMTP_URL: flaky.url });
      const soft = await enqueueSystemMail(db(), { ...RESET, to: 'soft@workspace.test' });
      const hard = await enqueueSystemMail(db(), { ...RESET, to: 'hard@workspace.test' });
      const first = await drainOutbox(db(), { clock, config });
      assert.equal(first.retrying, 1);
      assert.equal(first.failed, 1);
      const status = async (id: number) =>
        (await db().query<{ status: string }>('SELECT status FROM system_mail WHERE id = $1', [id]))[0]!
          .status;
      assert.equal(await status(soft.id), 'planned');
      assert.equal(await status(hard.id), 'failed');
      clock.advance(60 * 60_000);
      const second = await drainOutbox(db(), { clock, config });
      assert.equal(second.sent, 1);
      assert.equal(await status(soft.id), 'sent');
      const ids = flaky.attempts.filter((a) => a !== null);
      assert.equal(new Set(ids).size, 2, 'the retry kept its Message-ID');
      assert.equal(flaky.messages.length, 1);
    } finally {
      await flaky.close();
    }
  });

  it('after a crash: handed over and not logged → unknown; never handed over → planned, then sent once', async () => {
    const handed = await enqueueSystemMail(db(), { ...RESET, to: 'handed@workspace.test' });
    const never = await enqueueSystemMail(db(), { ...RESET, to: 'never@workspace.test' });
    const crashAt = new Date(clock.now().getTime() - 60 * 60_000).toISOString();
    await db().execute(
      `UPDATE system_mail SET status = 'sending', status_changed_at = $2,
              handed_over_at = CASE WHEN id = $1 THEN $2::timestamptz END
        WHERE id IN ($1, $3)`,
      [handed.id, crashAt, never.id],
    );
    const config = testConfig({ DUNWELL_SMTP_URL: sink.url });
    const before = sink.messages.length;
    const counts = await drainOutbox(db(), { clock, config, leaseMs: 60_000 });
    assert.equal(counts.unknown, 1);
    assert.equal(counts.sent, 1);
    const rows = await db().query<{ id: number; status: string }>(
      'SELECT id, status FROM system_mail WHERE id IN ($1, $2) ORDER BY id',
      [handed.id, never.id],
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      ['unknown', 'sent'],
    );
    assert.deepEqual(
      sink.messages.slice(before).map((m) => m.to),
      [['never@workspace.test']],
    );
  });

  it('two senders draining at once send it exactly once (SKIP LOCKED)', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++)
      ids.push((await enqueueSystemMail(db(), { ...RESET, to: `u${i}@many.test` })).id);
    const config = testConfig({ DUNWELL_SMTP_URL: sink.url });
    const a = createSender(db(), { clock, config, batchSize: 2 });
    const b = createSender(db(), { clock, config, batchSize: 2 });
    try {
      const [ca, cb] = await Promise.all([a.drain(), b.drain()]);
      assert.equal(ca.sent + cb.sent, 12);
    } finally {
      await a.close();
      await b.close();
    }
    const counts = new Map<string, number>();
    for (const m of sink.messages) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    for (let i = 0; i < 12; i++) assert.equal(counts.get(`u${i}@many.test`), 1, `u${i}`);
  });
});

describeEachEngine('sender: system mail refused at enqueue', (db) => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a header in the address', { to: 'jo@workspace.test\r\nBcc: evil@attacker.test' }, /"to"/],
    ['no address', { to: 'not an address' }, /"to"/],
    ['two addresses', { to: 'a@x.test, b@x.test' }, /"to"/],
    ['a header in the subject', { subject: 'Reset\r\nBcc: evil@attacker.test' }, /"subject".*one line/],
    ['an empty subject', { subject: '  ' }, /"subject"/],
    ['an empty body', { text: '' }, /"text"/],
    ['an unknown purpose', { purpose: 'newsletter' }, /"purpose"/],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses ${what} with a clear error and writes nothing`, async () => {
      await assert.rejects(
        enqueueSystemMail(db(), { ...RESET, ...change } as typeof RESET),
        (err: unknown) => err instanceof UserError && message.test(err.message),
      );
      const [n] = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM system_mail');
      assert.equal(n?.n, 0);
    });
  }
  it('the table refuses CR/LF even from a writer that skips the check', async () => {
    await assert.rejects(
      db().execute(
        `INSERT INTO system_mail (purpose, to_address, subject, text_body) VALUES ('password-reset', $1, 's', 't')`,
        ['a@x.test\r\nBcc: b@y.test'],
      ),
    );
  });
});

describeEachEngine('sender: system mail in the catcher is for admins only', (db) => {
  let app: FastifyInstance;
  const headers: Record<string, Record<string, string>> = {};
  let systemItem = 0;
  before(async () => {
    app = await buildServer({ db: db(), clock: fixedClock(NOW) });
    for (const role of ['admin', 'collector', 'viewer'] as const) {
      await addUser(db(), { email: `${role}@example.com`, role, password: 'catcher password 1234' });
      const s = await signIn(
        db(),
        { email: `${role}@example.com`, password: 'catcher password 1234', client: role },
        new Date(NOW),
      );
      headers[role] = { cookie: `dunwell_session=${s.token}` };
    }
    headers.apikey = { authorization: `Bearer ${(await createApiKey(db(), 'catcher')).key}` };
    await enqueueSystemMail(db(), RESET);
    const counts = await drainOutbox(db(), { clock: movableClock(NOW), config: testConfig({}) });
    assert.equal(counts.sent, 1);
    const [row] = await db().query<{ id: number }>(
      'SELECT id FROM outbound_mail WHERE system_mail_id IS NOT NULL',
    );
    systemItem = row!.id;
  });
  after(async () => {
    await app.close();
  });
  const get = (url: string, who: string) => app.inject({ method: 'GET', url, headers: headers[who]! });

  for (const who of ['admin', 'apikey']) {
    it(`${who}: listed, readable and downloadable, once`, async () => {
      const list = await get('/api/v1/messages', who);
      assert.equal(list.statusCode, 200, list.body);
      const items = (list.json() as { items: Record<string, unknown>[] }).items;
      const system = items.filter((i) => i.kind === 'system');
      assert.equal(system.length, 1);
      assert.equal(system[0]!.id, systemItem);
      assert.equal(system[0]!.outbox_id, null);
      assert.equal(system[0]!.customer_external_id, null);
      assert.deepEqual(system[0]!.to, ['jo@workspace.test']);
      assert.equal((await get(`/api/v1/messages/${systemItem}`, who)).statusCode, 200);
      const raw = await get(`/api/v1/messages/${systemItem}/raw`, who);
      assert.equal(raw.statusCode, 200);
      assert.match(raw.body, /secret-token-1/);
    });
  }
  for (const who of ['collector', 'viewer']) {
    it(`${who}: not listed, 404 for its id and its .eml`, async () => {
      const list = await get('/api/v1/messages', who);
      assert.equal(list.statusCode, 200, list.body);
      const items = (list.json() as { items: Record<string, unknown>[] }).items;
      assert.deepEqual(
        items.filter((i) => i.kind === 'system' || i.id === systemItem),
        [],
      );
      assert.equal((await get(`/api/v1/messages/${systemItem}`, who)).statusCode, 404);
      const raw = await get(`/api/v1/messages/${systemItem}/raw`, who);
      assert.equal(raw.statusCode, 404);
      assert.doesNotMatch(raw.body, /secret-token/);
    });
  }
});
