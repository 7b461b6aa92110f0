/**
 * The pure half of the intake (no database): which Reply-To tokens a message carries, and
 * which effects a classified message decides — soft bounces turning hard on the third in the
 * window, the R9 pause never shortened, proposals only with open invoices.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Classification } from '../../src/inbound/index.ts';
import { type ContactFact, decideEffects, replyTokens } from '../../src/inbound/intake/decide.ts';

const reply = { localPart: 'ar', domain: 'reply.acme.example' };

describe('replyTokens', () => {
  it('finds ar+<token>@reply-domain in address headers, ignores other domains and local parts', () => {
    assert.deepEqual(
      replyTokens(
        [
          '"Acme AR" <ar+Ab_9-x@reply.acme.example>, other@x.example',
          'ar+second@REPLY.ACME.EXAMPLE',
          'ar+foreign@other.example',
          'billing+nottoken@reply.acme.example',
          'car+nope@reply.acme.example',
        ],
        reply,
      ),
      ['Ab_9-x', 'second'],
    );
  });
  it('accepts any domain when no reply domain is configured', () => {
    assert.deepEqual(replyTokens(['ar+t1@anything.example'], { localPart: 'ar', domain: null }), ['t1']);
  });
});

const jane: ContactFact = { id: 7, customerId: 1, email: 'jane@customer.example', emailStatus: 'ok' };

function bounce(type: 'hard' | 'soft', status: string, reason: string): Classification {
  const b = { type, recipient: 'jane@customer.example', status, reason } as const;
  return {
    kind: 'bounce',
    bounce: b,
    bounces: [b],
    thread: null,
    details: { problems: [] },
  } as Classification;
}

const base = {
  messageId: 1,
  customer: { id: 1, replyPausedUntil: null },
  contactsByAddress: new Map([['jane@customer.example', [jane]]]),
  recentSoftBounces: new Map<string, number>(),
  today: '2026-03-15',
  replyPauseDays: 5,
  openInvoices: [] as string[],
  returnDate: null,
};

describe('decideEffects', () => {
  it('a hard bounce marks the contact and asks to check it', () => {
    const d = decideEffects({ ...base, classification: bounce('hard', '5.1.1', 'userunknown') });
    assert.deepEqual(
      d.effects.map((e) => e.type),
      ['contact_status', 'task'],
    );
  });

  it('soft bounces count; the third within the window is hard', () => {
    const soft = bounce('soft', '4.2.2', 'mailboxfull');
    const second = decideEffects({
      ...base,
      classification: soft,
      recentSoftBounces: new Map([['jane@customer.example', 1]]),
    });
    assert.deepEqual(
      second.effects.map((e) => e.type),
      ['soft_bounce'],
    );
    const third = decideEffects({
      ...base,
      classification: soft,
      recentSoftBounces: new Map([['jane@customer.example', 2]]),
    });
    assert.deepEqual(
      third.effects.map((e) => e.type),
      ['soft_bounce', 'contact_status', 'task'],
    );
  });

  it('a reply pauses until today + reply_pause_days, never shortens a longer pause, and proposes only with open invoices', () => {
    const c = {
      kind: 'reply',
      reply: { intent: 'promise_to_pay', promised_date: '2026-03-20' },
      thread: null,
      details: { problems: [], replyText: 'we pay on Friday', intentEvidence: 'en:promise_to_pay: "we pay"' },
    } as Classification;
    const d = decideEffects({ ...base, classification: c, openInvoices: ['INV-1'] });
    assert.deepEqual(d.effects[0], { type: 'reply_pause', customerId: 1, until: '2026-03-20' });
    assert.deepEqual(d.proposal, { type: 'promise', invoices: ['INV-1'], promised_date: '2026-03-20' });
    const longer = decideEffects({
      ...base,
      classification: c,
      customer: { id: 1, replyPausedUntil: '2026-04-01' },
    });
    assert.deepEqual(
      longer.effects.map((e) => e.type),
      ['task'],
    );
    assert.equal(longer.proposal, null);
    assert.ok(longer.notes.some((n) => /no open invoice/.test(n)));
    const unassigned = decideEffects({ ...base, classification: c, customer: null });
    assert.deepEqual(unassigned.effects, []);
    assert.ok(unassigned.notes.some((n) => /unassigned/.test(n)));
  });
});
