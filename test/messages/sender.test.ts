// The sender end to end against a real SMTP peer (smtp-server on loopback): the received MIME
// (recipients, headers, a DKIM signature that verifies, PDF attachments pdftotext can read,
// both body parts), what the outbox row records, threading of successive messages, R6's
// repeated paid check, header injection through every field, and the mail catcher with its
// API (list, get, raw .eml download).
//
// Calendar: today is Wed 2026-11-25 (UTC). INV-1 fell due 2026-11-01, INV-2 on 2026-11-10.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { createSender, drainOutbox } from '../../src/messages/sender/index.ts';
import { verifyPortalToken } from '../../src/portal/links.ts';
import { testApi } from '../http/support.ts';
import { describeEachEngine } from '../support/db.ts';
import { inspectPdf } from './support/pdf.ts';
import {
  addCustomer,
  addInvoice,
  dkimKeyOnDisk,
  movableClock,
  planMessage,
  testConfig,
} from './support/sender-fixture.ts';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.ts';

const TODAY = '2026-11-25';
const EVIL = '\r\nBcc: evil@attacker.test\r\nX-Injected: yes';

/** The PDF's text: pdftotext where installed (CI), else the documents suite's reader. */
function pdfText(bytes: Buffer): string {
  const inspected = inspectPdf(bytes);
  assert.ok(inspected.pages >= 1);
  return inspected.pageTexts.join('\n');
}

/** The header block of a raw message, unfolded, one header per entry. */
function headerLines(raw: Buffer): string[] {
  const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
  return head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}

describeEachEngine('sender: SMTP delivery', (db) => {
  let sink: SmtpSink;
  const dkim = dkimKeyOnDisk();
  const clock = movableClock(`${TODAY}T10:00:00Z`);
  let acme: number;
  let inv1: number;
  let inv2: number;
  const config = () =>
    testConfig({
      DUNWELL_SMTP_URL: sink.url,
      DUNWELL_REPLY_DOMAIN: 'reply.example.com',
      DUNWELL_DKIM_DOMAIN: 'example.com',
      DUNWELL_DKIM_SELECTOR: 'dw1',
      DUNWELL_DKIM_KEY_FILE: dkim.keyFile,
    });
  const resolver = async (name: string, type: string) => {
    if (name === 'dw1._domainkey.example.com' && type === 'TXT') return [[dkim.txt]];
    const err = Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
    throw err;
  };

  before(async () => {
    sink = await startSmtpSink();
    await db().execute(`UPDATE organisation SET name = $1`, [`Northwind Supplies${EVIL}`]);
    acme = await addCustomer(db(), 'C-1', `Acme Büro GmbH${EVIL}`, [
      { name: `Jo Müller${EVIL}`, email: 'ap@acme.test' },
    ]);
    inv1 = await addInvoice(db(), acme, 'INV-1', '2026-11-01', 123_45);
    inv2 = await addInvoice(db(), acme, 'INV-2', '2026-11-10', 99_00);
  });
  after(async () => {
    await sink.close();
  });

  it('sends a due message: recipients, headers, DKIM that verifies, PDFs, both parts, and records it', async () => {
    const id = await planMessage(db(), {
      customerId: acme,
      template: 'past-due',
      plannedFor: TODAY,
      to: [{ name: `Jo Müller${EVIL}`, email: 'ap@acme.test' }],
      cc: [
        { name: `Finance${EVIL}`, email: 'finance@acme.test' },
        { name: 'broken', email: 'x@acme.test\r\nBcc: evil@attacker.test' },
      ],
      invoices: [inv1, inv2],
      attach: ['invoice', 'statement'],
    });
    // not due yet: tomorrow's message stays planned
    const tomorrow = await planMessage(db(), {
      customerId: acme,
      template: 'reminder',
      plannedFor: '2026-11-26',
      to: [{ name: 'Jo', email: 'ap@acme.test' }],
      invoices: [inv2],
    });
    // rendered in a worker thread (render-pool.ts): the same bytes as in the sender's thread
    const logs: string[] = [];
    const counts = await drainOutbox(db(), {
      clock,
      config: config(),
      renderThreads: 1,
      log: (l) => logs.push(l),
    });
    assert.deepEqual(logs, []);
    assert.deepEqual(counts, { sent: 1, failed: 0, cancelled: 0, retrying: 0, unknown: 0 });
    assert.equal(sink.messages.length, 1);
    const got = sink.messages[0]!;
    assert.deepEqual(got.to.sort(), ['ap@acme.test', 'finance@acme.test']);
    assert.equal(got.from, 'billing@reply.example.com');

    // no field could add a header line of its own
    const lines = headerLines(got.raw);
    assert.ok(!lines.some((l) => /^(bcc|x-injected):/i.test(l)), lines.join('\n'));
    // the names went in as text of their own header (From/To/Cc/Subject), never as a header
    assert.ok(
      lines.some((l) => /^From: "?Northwind Supplies Bcc: evil@attacker\.test X-Injected: yes"? </.test(l)),
    );
    assert.ok(!got.to.includes('evil@attacker.test'));

    const mail = await simpleParser(got.raw);
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
    const replyTo = mail.replyTo?.value[0]?.address ?? '';
    assert.match(replyTo, /^ar\+[0-9a-f]{32}@reply\.example\.com$/);
    assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : null, 'ap@acme.test');
    assert.match(mail.from?.text ?? '', /Northwind Supplies/);
    assert.ok(mail.subject && !/[\r\n]/.test(mail.subject));
    // the past-due subject carries the organisation's name: its CR/LF became spaces
    assert.match(mail.subject ?? '', /– Northwind Supplies Bcc: evil@attacker\.test X-Injected: yes$/);
    assert.match(mail.text ?? '', /INV-1/);
    assert.match(String(mail.html), /INV-2/);
    assert.equal(mail.inReplyTo, undefined);
    // the portal link is signed for this customer and verifies
    const token = /\/portal\/([A-Za-z0-9._-]+)/.exec(String(mail.html))?.[1];
    assert.ok(token, 'a signed portal link in the HTML part');
    const verified0 = await verifyPortalToken(db(), token, new Date(), {
      publicUrl: 'http://127.0.0.1:3000',
      secretKey: null,
    });
    assert.equal(verified0.check.ok && verified0.check.claims.customerId, acme);

    const verified = await dkimVerify(got.raw, { resolver });
    assert.equal(verified.results.length, 1);
    assert.equal(verified.results[0]!.status.result, 'pass', JSON.stringify(verified.results[0]!.status));

    const names = mail.attachments.map((a) => a.filename);
    assert.deepEqual(names, ['INV-1.pdf', 'INV-2.pdf', `statement-${TODAY}.pdf`]);
    for (const a of mail.attachments) assert.equal(a.content.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.match(pdfText(mail.attachments[0]!.content), /INV-1/);
    const statement = pdfText(mail.attachments[2]!.content);
    assert.match(statement, /Acme B/);
    // (the organisation name with CR/LF wraps the header block; the number may sit lines below)
    assert.match(statement, /Customer number[\s\S]*\bC-1\b/);
    // INV-1 and INV-2 were issued in October: the November statement carries them in its
    // opening balance and aging (123.45 + 99.00)
    assert.match(statement, /222\.45/);
    assert.match(pdfText(mail.attachments[1]!.content), /INV-2/);

    const [row] = await db().query<Record<string, unknown>>(
      `SELECT status, subject, html_body, text_body, template_version, attachment_files, mime_size, message_id,
              reply_token, attempts, sent_at FROM outbox_messages WHERE id = $1`,
      [id],
    );
    assert.equal(row!.status, 'sent');
    assert.equal(row!.subject, mail.subject);
    assert.equal(row!.message_id, mail.messageId);
    assert.equal(`ar+${row!.reply_token}@reply.example.com`, replyTo);
    assert.equal(row!.mime_size, got.raw.length);
    assert.equal(row!.template_version, 0);
    assert.equal(row!.attempts, 1);
    assert.match(String(row!.text_body), /INV-1/);
    assert.match(String(row!.html_body), /INV-2/);
    assert.deepEqual(
      (row!.attachment_files as { name: string; sha256: string }[]).map((f) => [f.name, f.sha256]),
      mail.attachments.map((a) => [a.filename, createHash('sha256').update(a.content).digest('hex')]),
    );
    const [logged] = await db().query<{ raw: Buffer; transport: string }>(
      'SELECT raw, transport FROM outbound_mail WHERE outbox_message_id = $1',
      [id],
    );
    assert.equal(logged!.transport, 'smtp');
    assert.ok(Buffer.from(logged!.raw).equals(got.raw), 'the log holds exactly what the server accepted');
    const events = await db().query<{ action: string }>(
      `SELECT action FROM audit_log WHERE entity = 'outbox_message' AND entity_id = $1 ORDER BY id`,
      [String(id)],
    );
    assert.deepEqual(
      events.map((e) => e.action),
      ['message.sending', 'message.sent'],
    );
    const [pending] = await db().query<{ status: string }>(
      'SELECT status FROM outbox_messages WHERE id = $1',
      [tomorrow],
    );
    assert.equal(pending!.status, 'planned');
  });

  it('the next message to the same customer answers the previous one (In-Reply-To, References)', async () => {
    clock.advance(24 * 3600_000); // Thu 2026-11-26: the reminder is due
    const counts = await drainOutbox(db(), { clock, config: config() });
    assert.equal(counts.sent, 1);
    const [first, second] = sink.messages.map((m) => m.raw);
    const a = await simpleParser(first!);
    const b = await simpleParser(second!);
    assert.equal(b.inReplyTo, a.messageId);
    assert.equal(b.references, a.messageId);
    assert.notEqual(b.messageId, a.messageId);
    assert.notEqual(b.replyTo?.value[0]?.address, a.replyTo?.value[0]?.address);
  });

  it('R6 before sending: a paid invoice is dropped from its message; a message left empty is cancelled', async () => {
    const inv3 = await addInvoice(db(), acme, 'INV-3', '2026-11-12', 50_00);
    const inv4 = await addInvoice(db(), acme, 'INV-4', '2026-11-13', 60_00);
    const partly = await planMessage(db(), {
      customerId: acme,
      template: 'past-due',
      plannedFor: '2026-11-26',
      to: [{ name: 'Jo', email: 'ap@acme.test' }],
      invoices: [inv3, inv4],
    });
    const emptied = await planMessage(db(), {
      customerId: acme,
      template: 'past-due',
      plannedFor: '2026-11-26',
      to: [{ name: 'Jo', email: 'ap@acme.test' }],
      invoices: [inv3],
    });
    await db().execute(`UPDATE invoices SET status = 'paid' WHERE id = $1`, [inv3]);
    const counts = await drainOutbox(db(), { clock, config: config() });
    assert.deepEqual(counts, { sent: 1, failed: 0, cancelled: 1, retrying: 0, unknown: 0 });
    const last = await simpleParser(sink.messages.at(-1)!.raw);
    assert.match(last.text ?? '', /INV-4/);
    assert.doesNotMatch(last.text ?? '', /INV-3/);
    const rows = await db().query<{ id: number; status: string; cancel_reason: string | null }>(
      'SELECT id, status, cancel_reason FROM outbox_messages WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[partly, emptied]],
    );
    assert.deepEqual(rows, [
      { id: partly, status: 'sent', cancel_reason: null },
      { id: emptied, status: 'cancelled', cancel_reason: 'paid' },
    ]);
    const [dropped] = await db().query<{ data: { invoices: string[] } }>(
      `SELECT data FROM audit_log WHERE action = 'message.invoices_dropped' AND entity_id = $1`,
      [String(partly)],
    );
    assert.deepEqual(dropped!.data.invoices, ['INV-3']);
  });

  it('a message with no deliverable To address fails with a "check contact" task, without reaching SMTP', async () => {
    const before = sink.attempts.length;
    const id = await planMessage(db(), {
      customerId: acme,
      template: 'reminder',
      plannedFor: '2026-11-26',
      to: [{ name: 'Jo', email: 'ap@acme.test>\r\nBcc: evil@attacker.test' }],
      invoices: [inv2],
    });
    const counts = await drainOutbox(db(), { clock, config: config() });
    assert.equal(counts.failed, 1);
    assert.equal(sink.attempts.length, before);
    const [task] = await db().query<{ kind: string; title: string }>(
      `SELECT kind, title FROM tasks WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`,
      [acme],
    );
    assert.equal(task!.kind, 'check_contact');
    assert.ok(!/[\r\n]/.test(task!.title));
    const [row] = await db().query<{ status: string }>('SELECT status FROM outbox_messages WHERE id = $1', [
      id,
    ]);
    assert.equal(row!.status, 'failed');
  });

  it('a message whose template does not exist fails with a task naming it, without reaching SMTP', async () => {
    const before = sink.attempts.length;
    const id = await planMessage(db(), {
      customerId: acme,
      template: 'no-such-template',
      plannedFor: '2026-11-26',
      to: [{ name: 'Jo', email: 'ap@acme.test' }],
      invoices: [inv2],
    });
    const counts = await drainOutbox(db(), { clock, config: config() });
    assert.equal(counts.failed, 1);
    assert.equal(sink.attempts.length, before);
    const [row] = await db().query<{ status: string; last_error: string }>(
      'SELECT status, last_error FROM outbox_messages WHERE id = $1',
      [id],
    );
    assert.equal(row!.status, 'failed');
    assert.match(row!.last_error, /no "no-such-template" template/);
    const [task] = await db().query<{ kind: string; title: string }>(
      `SELECT kind, title FROM tasks WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`,
      [acme],
    );
    assert.equal(task!.kind, 'other');
    assert.match(task!.title, /no-such-template/);
  });

  it('two senders draining at once send every message exactly once (SKIP LOCKED)', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await addCustomer(db(), `P-${i}`, `Parallel ${i}`, [
        { name: 'AP', email: `ap${i}@p${i}.test` },
      ]);
      const inv = await addInvoice(db(), c, `P-INV-${i}`, '2026-11-01', 10_00 + i);
      ids.push(
        await planMessage(db(), {
          customerId: c,
          template: 'past-due',
          plannedFor: '2026-11-26',
          to: [{ name: 'AP', email: `ap${i}@p${i}.test` }],
          invoices: [inv],
        }),
      );
    }
    const before = sink.messages.length;
    // one of them renders in a worker thread (render-pool.ts), the other in its own thread
    const a = createSender(db(), { clock, config: config(), batchSize: 3, concurrency: 2, renderThreads: 1 });
    const b = createSender(db(), { clock, config: config(), batchSize: 3, concurrency: 2 });
    const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
    await a.close();
    await b.close();
    assert.equal(ra.sent + rb.sent, 12);
    assert.ok(ra.sent > 0 && rb.sent > 0, `both sent some: ${ra.sent} and ${rb.sent}`);
    assert.equal(sink.messages.length - before, 12);
    for (const [messageId, n] of sink.deliveriesById())
      assert.equal(n, 1, `${messageId} delivered ${n} times`);
    const statuses = await db().query<{ status: string }>(
      'SELECT DISTINCT status FROM outbox_messages WHERE id = ANY($1::bigint[])',
      [ids],
    );
    assert.deepEqual(statuses, [{ status: 'sent' }]);
  });

  it('names an invoice attachment safely whatever the invoice number holds (no path, no quote)', async () => {
    const c = await addCustomer(db(), 'PATH-1', 'Path Tricks Ltd', [{ name: 'AP', email: 'ap@path.test' }]);
    const inv = await addInvoice(db(), c, '../../etc/"x', '2026-11-01', 50_00);
    await planMessage(db(), {
      customerId: c,
      template: 'past-due',
      plannedFor: TODAY,
      to: [{ name: 'AP', email: 'ap@path.test' }],
      invoices: [inv],
      attach: ['invoice'],
    });
    await drainOutbox(db(), { clock, config: config() });
    const got = sink.messages.filter((m) => m.to.includes('ap@path.test'));
    assert.equal(got.length, 1);
    const mail = await simpleParser(got[0]!.raw);
    assert.deepEqual(
      mail.attachments.map((a) => a.filename),
      ['etc_x.pdf'],
    );
  });
});

describeEachEngine('sender: the built-in mail catcher and /api/v1/messages', (db) => {
  const clock = movableClock(`${TODAY}T10:00:00Z`);

  it('with no SMTP configured, messages are caught in the database and served as .eml', async () => {
    const c = await addCustomer(db(), 'C-9', 'Caught Ltd', [{ name: 'Ann', email: 'ann@caught.test' }]);
    const inv = await addInvoice(db(), c, 'INV-90', '2026-11-01', 42_00);
    const id = await planMessage(db(), {
      customerId: c,
      template: 'past-due',
      plannedFor: TODAY,
      to: [{ name: 'Ann', email: 'ann@caught.test' }],
      invoices: [inv],
      attach: ['invoice'],
    });
    const counts = await drainOutbox(db(), { clock, config: testConfig({}) });
    assert.deepEqual(counts, { sent: 1, failed: 0, cancelled: 0, retrying: 0, unknown: 0 });

    const api = await testApi(db());
    const list = await api.get('/api/v1/messages');
    assert.equal(list.status, 200, list.body);
    const body = list.json as { items: Record<string, unknown>[]; next_cursor: string | null };
    assert.equal(body.items.length, 1);
    const item = body.items[0]!;
    assert.equal(item.outbox_id, id);
    assert.equal(item.transport, 'catcher');
    assert.deepEqual(item.to, ['ann@caught.test']);
    assert.equal(item.customer_external_id, 'C-9');

    const one = await api.get(`/api/v1/messages/${item.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, item);
    const raw = await api.app.inject({
      method: 'GET',
      url: `/api/v1/messages/${item.id}/raw`,
      headers: api.auth,
    });
    assert.equal(raw.statusCode, 200);
    assert.match(String(raw.headers['content-type']), /^message\/rfc822/);
    assert.match(String(raw.headers['content-disposition']), /attachment; filename="message-\d+\.eml"/);
    const mail = await simpleParser(raw.rawPayload);
    assert.equal(mail.messageId, item.message_id);
    assert.deepEqual(
      mail.attachments.map((a) => a.filename),
      ['INV-90.pdf'],
    );
    assert.equal(mail.headers.get('reply-to'), undefined, 'no reply domain configured: no token Reply-To');
    assert.equal((await api.get('/api/v1/messages/999999')).status, 404);
    assert.equal((await api.get('/api/v1/messages/999999/raw')).status, 404);
    const unauth = await api.app.inject({ method: 'GET', url: `/api/v1/messages/${item.id}/raw` });
    assert.equal(unauth.statusCode, 401);
    await api.app.close();
  });
});
