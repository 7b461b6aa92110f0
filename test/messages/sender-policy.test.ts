// The sender's pure decisions: legal status changes, what an SMTP outcome means, the backoff
// schedule, the per-domain rate limit, and single-line header values and addresses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OUTBOX_STATUSES } from '../../src/messages/outbox.ts';
import {
  canTransition,
  DomainRateLimiter,
  decideFailure,
  oneLine,
  type RetryPolicy,
  retryDelayMs,
} from '../../src/messages/sender/index.ts';
import { nextReferences, safeAddress } from '../../src/messages/sender/policy.ts';

const POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 3_600_000 };
const NOW = new Date('2026-11-25T10:00:00Z');

describe('sender policy', () => {
  it('status changes: sent, failed and cancelled are final; unknown waits for a person', () => {
    assert.ok(canTransition('planned', 'sending'));
    assert.ok(canTransition('sending', 'sent'));
    assert.ok(canTransition('sending', 'unknown'));
    assert.ok(canTransition('unknown', 'planned'));
    assert.ok(!canTransition('planned', 'sent'), 'nothing is sent without passing through sending');
    assert.ok(!canTransition('unknown', 'sending'), 'an unknown message is never picked up by itself');
    for (const final of ['sent', 'failed', 'cancelled'] as const) {
      for (const to of OUTBOX_STATUSES) assert.ok(!canTransition(final, to), `${final} → ${to}`);
    }
  });

  it('5xx fails at once; 4xx and network errors retry with doubling delays until the limit', () => {
    assert.deepEqual(decideFailure({ responseCode: 550, message: '5.1.1 no such user' }, 1, NOW, POLICY), {
      kind: 'failed',
      permanent: true,
      reason: '550 5.1.1 no such user',
    });
    const retry = decideFailure({ responseCode: 451, message: 'later' }, 1, NOW, POLICY);
    assert.equal(retry.kind, 'retry');
    assert.equal(retry.kind === 'retry' && retry.at.getTime() - NOW.getTime(), 60_000);
    const network = decideFailure({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }, 3, NOW, POLICY);
    assert.equal(network.kind === 'retry' && network.at.getTime() - NOW.getTime(), 240_000);
    assert.deepEqual(decideFailure({ responseCode: 421, message: 'bye' }, 5, NOW, POLICY), {
      kind: 'failed',
      permanent: false,
      reason: '421 bye',
    });
    // a refused password is our configuration, not the customer's address
    assert.equal(
      decideFailure({ responseCode: 535, code: 'EAUTH', message: 'auth' }, 1, NOW, POLICY).kind,
      'retry',
    );
  });

  it('backoff never shrinks and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        const d = retryDelayMs(n, POLICY);
        return d >= retryDelayMs(n - 1, POLICY) && d <= POLICY.maxDelayMs && d >= POLICY.baseDelayMs;
      }),
    );
  });

  it('rate limit: at most N per domain in any minute, the next slot when the window frees', () => {
    const limiter = new DomainRateLimiter(2);
    const at = (s: number) => new Date(NOW.getTime() + s * 1000);
    assert.equal(limiter.reserve(['a.test'], at(0)), null);
    assert.equal(limiter.reserve(['a.test', 'b.test'], at(10)), null);
    assert.deepEqual(limiter.reserve(['a.test'], at(20)), at(60));
    assert.equal(limiter.reserve(['b.test'], at(20)), null, 'other domains are not held up');
    assert.equal(limiter.reserve(['a.test'], at(60)), null);
    assert.equal(new DomainRateLimiter(0).reserve(['a.test'], at(0)), null, '0 = unlimited');
  });

  it('header values are one line whatever they contain', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => !/[\r\n\u2028\u2029\u0085]/.test(oneLine(s))),
    );
    assert.equal(oneLine('Acme\r\nBcc: x@y.test'), 'Acme Bcc: x@y.test');
  });

  it('addresses: only a plain local@domain passes; anything that could leave the field does not', () => {
    assert.equal(safeAddress(' ap@acme.test '), 'ap@acme.test');
    for (const bad of [
      'ap@acme.test\r\nBcc: x@y.test',
      'a b@acme.test',
      '<ap@acme.test>',
      'ap@',
      'x@y',
      'a,b@c.test',
    ]) {
      assert.equal(safeAddress(bad), null, bad);
    }
  });

  it('References carry the chain and the previous Message-ID, the newest ten', () => {
    assert.equal(nextReferences(null, '<a@x>'), '<a@x>');
    assert.equal(nextReferences('<a@x> <b@x>', '<c@x>'), '<a@x> <b@x> <c@x>');
    const long = Array.from({ length: 12 }, (_, i) => `<m${i}@x>`).join(' ');
    const next = nextReferences(long, '<new@x>').split(' ');
    assert.equal(next.length, 10);
    assert.equal(next.at(-1), '<new@x>');
    assert.equal(nextReferences('garbage\r\nBcc: y', '<a@x>'), '<a@x>');
  });
});
