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
import { judgeRecipients } from '../../src/inbound/bounce.ts';
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

describe('intent rules in each language (message date Tue 10 March 2026)', () => {
  const cases: [string, string, string | null][] = [
    ['We will transfer the amount by 15 March.', 'promise_to_pay', '2026-03-15'],
    ['Payment will be made next Friday.', 'promise_to_pay', '2026-03-13'],
    ['We never received the goods, so we will not pay this invoice.', 'dispute', null],
    ['The invoice is missing our PO number, please reissue it.', 'dispute', null],
    ['This was paid on 2 March, please find the remittance advice attached.', 'paid', null],
    ['I no longer work at Acme, please contact accounts@acme.example instead.', 'wrong_contact', null],
    ['Could you send me a copy of invoice 1042?', 'question', null],
    ['Thanks, noted.', 'other', null],
    ['Wir zahlen am 15.03.', 'promise_to_pay', '2026-03-15'],
    ['Die Zahlung erfolgt nächsten Freitag.', 'promise_to_pay', '2026-03-13'],
    ['Der Betrag ist falsch, wir haben einen Rabatt vereinbart.', 'dispute', null],
    ['Wir zahlen nicht, die Ware fehlt.', 'dispute', null],
    ['Die Rechnung wurde bereits am 2. März bezahlt.', 'paid', null],
    ['Ich bin nicht mehr zuständig, bitte wenden Sie sich an die Buchhaltung.', 'wrong_contact', null],
    ['Können Sie mir die Rechnung noch einmal schicken?', 'question', null],
    ['Nous réglerons la facture le 15 mars.', 'promise_to_pay', '2026-03-15'],
    ['Le paiement sera effectué vendredi prochain.', 'promise_to_pay', '2026-03-13'],
    ["Nous n'avons jamais reçu la marchandise.", 'dispute', null],
    ['Cette facture a déjà été payée le 2 mars.', 'paid', null],
    [
      'Je ne suis pas la bonne personne, merci de contacter notre service comptabilité.',
      'wrong_contact',
      null,
    ],
    ['Pourriez-vous nous envoyer un duplicata de la facture ?', 'question', null],
    ['Pagaremos el 15 de marzo.', 'promise_to_pay', '2026-03-15'],
    ['Realizaremos el pago el próximo viernes.', 'promise_to_pay', '2026-03-13'],
    ['No hemos recibido la mercancía.', 'dispute', null],
    ['La factura ya fue pagada el 2 de marzo.', 'paid', null],
    ['Ya no trabajo en la empresa, por favor contacte con contabilidad.', 'wrong_contact', null],
    ['¿Podrían enviarme una copia de la factura?', 'question', null],
  ];
  it('reads promises (with their date), disputes, payments, wrong contacts and questions', () => {
    for (const [text, intent, date] of cases) {
      const r = detectIntent(text, '2026-03-10');
      assert.deepEqual([r.intent, r.promisedDate], [intent, date], `${text} (${r.evidence})`);
    }
  });
});

describe('bounce reasons from the words of the MTA', () => {
  const judge = (diagnostic: string, status: string | null = null, recipient = 'jane@customer.example') =>
    judgeRecipients([{ recipient, status, action: 'failed', diagnostic, diagnosticType: 'smtp' }], '')[0]!;
  const cases: [string, string | null, string, 'hard' | 'soft'][] = [
    // "User unknown" in answer to RCPT TO or with x.1.x is the address; after DATA or with no
    // command and a generic status it is a filter in front of the mailbox (sisimai: filtered).
    [
      '550 5.1.1 <jane@customer.example>: Recipient address rejected: User unknown',
      '5.1.1',
      'userunknown',
      'hard',
    ],
    ['>>> RCPT TO:<jane@customer.example>\n<<< 550 User unknown', null, 'userunknown', 'hard'],
    ['>>> DATA\n<<< 550 User unknown', null, 'filtered', 'soft'],
    ['550 user unknown', '5.0.0', 'filtered', 'soft'],
    ['550 Requested action not taken: mailbox unavailable', '5.5.0', 'userunknown', 'hard'],
    ['User jane (jane@customer.example) not listed in Domino Directory', null, 'userunknown', 'hard'],
    // A precise code in the text beats a report's generic 5.0.0.
    ['550 5.1.1 <jane@customer.example>... User Unknown', '5.0.0', 'userunknown', 'hard'],
    ['550 5.7.1 550 User Unknown: jane@customer.example', '5.0.0', 'filtered', 'soft'],
    ['postmaster@customer.example: Domain does not exist', null, 'hostunknown', 'hard'],
    ['an MX or SRV record indicated no SMTP service', null, 'notaccept', 'hard'],
    ['452 4.3.2 Connection rate limit exceeded.', '4.3.2', 'toomanyconn', 'soft'],
    ['550 Ip frequency limited, Blocked IP 192.0.2.22', null, 'toomanyconn', 'soft'],
    [
      '550 5.1.1 <jane@customer.example> - 203.0.113.9 has sent to too many recipients this hour',
      '5.1.1',
      'speeding',
      'soft',
    ],
    ['554 Mail from someone@example.net rejected for policy reasons.', '5.0.0', 'policyviolation', 'soft'],
    ['550 Unauthenticated senders not allowed', '5.0.0', 'securityerror', 'soft'],
    [
      '550-5.7.1 Messages with multiple addresses in From: are not accepted',
      '5.7.1',
      'notcompliantrfc',
      'soft',
    ],
    ['550 5.7.0 <me@example.org>... Please use the smtp server of your ISP', '5.7.0', 'blocked', 'soft'],
    ["Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)", '4.4.1', 'networkerror', 'soft'],
    ['550 5.7.9 Rejected', '5.7.9', 'securityerror', 'soft'],
  ];
  for (const [diagnostic, status, reason, type] of cases) {
    it(`${diagnostic.replace(/\s+/g, ' ').slice(0, 70)} → ${reason}/${type}`, () => {
      const b = judge(diagnostic, status);
      assert.deepEqual([b.reason, b.type], [reason, type]);
    });
  }

  it("a receiving provider's own codes decide (Orange, au, Yahoo)", () => {
    assert.equal(
      judge('550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]', '5.2.0', 'x@wanadoo.fr').reason,
      'spamdetected',
    );
    assert.equal(judge('550 : User unknown', '5.0.0', 'x@ezweb.ne.jp').reason, 'filtered');
    assert.equal(judge('550 <x@ezweb.ne.jp>: User unknown', '5.0.0', 'x@ezweb.ne.jp').reason, 'userunknown');
    assert.equal(
      judge(
        "554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0]",
        '5.0.0',
        'x@yahoo.com',
      ).reason,
      'userunknown',
    );
  });
});

describe('complaints', () => {
  it("Apple Mail's unsubscribe message is an opt-out complaint from its sender", async () => {
    const raw = Buffer.from(
      'From: jane@customer.example\r\nTo: opt-out-1@acme.example\r\nSubject: unsubscribe\r\n' +
        'Date: Tue, 10 Mar 2026 09:15:00 +0000\r\nAuto-Submitted: auto-replied\r\nX-Apple-Unsubscribe: true\r\n' +
        'Content-Type: text/plain\r\n\r\nApple Mail sent this email to unsubscribe from the message "Reminder".\r\n',
    );
    const c = await classifyRaw(raw);
    assert.equal(c.kind, 'complaint');
    assert.deepEqual(
      [c.details.feedbackType, c.details.complainedRecipients],
      ['opt-out', ['jane@customer.example']],
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
