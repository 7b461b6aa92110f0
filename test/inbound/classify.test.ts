/**
 * Classification of our own fixtures (test/fixtures/inbound): replies in four languages with
 * their intent and promise date (message date Tue 10 March 2026), automatic replies with the
 * header conventions of Exchange, Zimbra and Gmail and vacation subjects in de/fr/es, and
 * broken input, which must give a clear result and never throw.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  classificationJson,
  classifyMessage,
  classifyRaw,
  detectIntent,
  parseMessage,
} from '../../src/inbound/index.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/inbound');
const load = (name: string) => classifyRaw(readFileSync(join(FIXTURES, name)));

describe('replies: intent and promise date', () => {
  const cases: [string, string, string | null][] = [
    ['en-promise', 'promise_to_pay', '2026-03-13'],
    ['de-promise', 'promise_to_pay', '2026-03-15'],
    ['fr-promise', 'promise_to_pay', '2026-03-20'],
    ['es-promise', 'promise_to_pay', '2026-03-13'],
    ['en-dispute', 'dispute', null],
    ['de-dispute', 'dispute', null],
    ['fr-dispute', 'dispute', null],
    ['es-dispute', 'dispute', null],
    ['en-paid', 'paid', null],
    ['de-paid', 'paid', null],
    ['fr-paid', 'paid', null],
    ['es-paid', 'paid', null],
    ['en-wrong-contact', 'wrong_contact', null],
    ['de-wrong-contact', 'wrong_contact', null],
    ['fr-wrong-contact', 'wrong_contact', null],
    ['es-wrong-contact', 'wrong_contact', null],
    ['en-question', 'question', null],
    ['de-question', 'question', null],
    ['fr-question', 'question', null],
    ['es-question', 'question', null],
    ['en-other', 'other', null],
  ];
  for (const [file, intent, date] of cases) {
    it(`${file} → ${intent}${date ? ` (${date})` : ''}`, async () => {
      const c = await load(`replies/${file}.eml`);
      assert.equal(c.kind, 'reply');
      assert.deepEqual(c.reply, { intent, promised_date: date });
      assert.deepEqual(c.thread, { message_id: `out-${file}@acme.example`, customer_external_id: null });
    });
  }

  it('reads only the new text: the quoted reminder does not count', async () => {
    const c = await load('replies/en-promise.eml');
    assert.ok(c.details.replyText?.startsWith('Hi,'));
    assert.ok(!c.details.replyText?.includes('overdue'));
  });

  it('a person answering an auto-reply is a reply, not an auto-reply', async () => {
    const c = await load('replies/en-reply-to-autoreply.eml');
    assert.equal(c.kind, 'reply');
    assert.deepEqual(c.reply, { intent: 'promise_to_pay', promised_date: '2026-03-11' });
  });

  it('precedence: a dispute wins over a conditional promise, "not paid yet" is not paid', () => {
    assert.equal(
      detectIntent('We will pay once you correct the wrong amount.', '2026-03-10').intent,
      'dispute',
    );
    assert.equal(
      detectIntent('We have not paid yet; we will pay by 20 March.', '2026-03-10').promisedDate,
      '2026-03-20',
    );
    assert.equal(
      detectIntent('Wir werden die Rechnung nächste Woche überweisen.', '2026-03-10').intent,
      'promise_to_pay',
    );
  });

  it('a promise without a message date keeps the date null', () => {
    assert.deepEqual(
      { ...detectIntent('We will pay next Friday.', null), evidence: null },
      { intent: 'promise_to_pay', promisedDate: null, evidence: null },
    );
  });
});

describe('auto-replies', () => {
  for (const file of [
    'exchange-oof',
    'zimbra-vacation',
    'gmail-vacation',
    'x-autoreply',
    'de-subject',
    'fr-subject',
    'es-subject',
    'en-subject',
  ]) {
    it(`${file} is an auto-reply`, async () => {
      const c = await load(`auto-replies/${file}.eml`);
      assert.equal(c.kind, 'auto_reply', JSON.stringify(c.details));
      assert.equal(c.reply, undefined);
      assert.equal(c.bounce, undefined);
    });
  }

  it('X-Auto-Response-Suppress alone does not make an ordinary Outlook reply automatic', async () => {
    const c = await load('auto-replies/exchange-suppress-plain-reply.eml');
    assert.equal(c.kind, 'reply');
    assert.deepEqual(c.reply, { intent: 'promise_to_pay', promised_date: '2026-03-20' });
  });
});

describe('bad input gets a clear result, never an exception', () => {
  it('malformed MIME (unclosed boundary, broken encodings, no date) is still read', async () => {
    const parsed = await parseMessage(readFileSync(join(FIXTURES, 'bad/malformed-mime.eml')));
    assert.equal(parsed.date, null);
    const c = classifyMessage(parsed);
    assert.equal(c.kind, 'reply');
    assert.equal(c.reply?.intent, 'promise_to_pay');
    assert.equal(c.reply?.promised_date, null, 'no message date, so no relative date');
  });

  it('an unknown charset is read as UTF-8 and says so', async () => {
    const parsed = await parseMessage(readFileSync(join(FIXTURES, 'bad/bad-charset.eml')));
    assert.ok(
      parsed.problems.some((p) => p.includes('unknown charset')),
      parsed.problems.join('; '),
    );
    const c = classifyMessage(parsed);
    assert.equal(c.kind, 'reply');
  });

  it('a delivery report that names no recipient is unknown, with the reason', async () => {
    const c = await load('bad/dsn-no-recipient.eml');
    assert.equal(c.kind, 'unknown');
    assert.ok(
      c.details.problems.some((p) => p.includes('names no recipient')),
      c.details.problems.join('; '),
    );
    assert.deepEqual(Object.keys(classificationJson('x.eml', c)), ['file', 'kind', 'thread']);
  });

  it('an empty file and binary garbage are unknown', async () => {
    for (const raw of [Buffer.alloc(0), Buffer.from([0, 255, 1, 254, 13, 10, 13, 10, 0, 0])]) {
      const c = await classifyRaw(raw);
      assert.equal(c.kind, 'unknown');
      assert.ok(c.details.problems.length > 0);
    }
  });

  it('a 25 MB message is classified (the body is read in bounded pieces)', async () => {
    const head =
      'From: Jane <jane@customer.example>\r\nTo: ar@acme.example\r\nSubject: Re: reminder\r\n' +
      'Date: Tue, 10 Mar 2026 09:15:00 +0100\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\n' +
      'We will pay next Friday.\r\n--big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n';
    const line = `${'A'.repeat(76)}\r\n`;
    const body = line.repeat(Math.ceil((25 * 1024 * 1024) / line.length));
    const raw = Buffer.from(`${head}${body}--big--\r\n`);
    const started = performance.now();
    const c = await classifyRaw(raw);
    const ms = performance.now() - started;
    console.log(`25 MB message classified in ${ms.toFixed(0)} ms`);
    assert.equal(c.kind, 'reply');
    assert.deepEqual(c.reply, { intent: 'promise_to_pay', promised_date: '2026-03-13' });
  });

  it('deeply nested multiparts stop at a depth limit with a problem noted', async () => {
    let body = 'Content-Type: text/plain\r\n\r\nWe will pay tomorrow.\r\n';
    for (let depth = 0; depth < 200; depth++) {
      body = `Content-Type: multipart/mixed; boundary="b${depth}"\r\n\r\n--b${depth}\r\n${body}--b${depth}--\r\n`;
    }
    const raw = Buffer.from(
      `From: Jane <jane@customer.example>\r\nSubject: nested\r\nDate: Tue, 10 Mar 2026 09:15:00 +0100\r\nMIME-Version: 1.0\r\n${body}`,
    );
    const parsed = await parseMessage(raw);
    assert.ok(
      parsed.problems.some((p) => p.includes('nesting deeper')),
      parsed.problems.join('; '),
    );
    assert.doesNotThrow(() => classifyMessage(parsed));
  });
});
