/**
 * Fuzzing the parser and classifier with fast-check mutations of sisimai's sample bounces:
 * byte flips, truncation, duplicated headers and damaged MIME boundaries. Every mutant must
 * be classified (no exception) within 10 s, measured per message (a bound that catches
 * catastrophic backtracking, which takes minutes, without failing on a busy CI machine). 200 runs in CI;
 * DUNWELL_FUZZ_RUNS=20000 for a long run. A second test feeds inputs shaped to make
 * backtracking regular expressions blow up (long runs of address characters without an "@",
 * repeated rule words, huge lines), as bounces, replies and HTML.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyRaw } from '../../src/inbound/index.ts';

const SISIMAI = join(import.meta.dirname, '../../../shared/external/sisimai-bounces/eml');
const LIMIT_MS = Number(process.env.DUNWELL_FUZZ_CASE_MS ?? '') || 10_000;
const RUNS = Number(process.env.DUNWELL_FUZZ_RUNS ?? '') || 200;

type Mutation =
  | { kind: 'flip'; positions: number[]; values: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate-headers'; times: number }
  | { kind: 'damage-boundary'; replacement: string }
  | { kind: 'splice'; at: number; text: string };

function mutate(raw: Buffer, m: Mutation): Buffer {
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(raw);
      m.positions.forEach((p, i) => {
        if (out.length > 0) out[Math.floor(p * out.length) % out.length] = m.values[i] ?? 0;
      });
      return out;
    }
    case 'truncate':
      return raw.subarray(0, Math.floor(m.at * raw.length));
    case 'duplicate-headers': {
      const text = raw.toString('latin1');
      const end = text.search(/\r?\n\r?\n/);
      const head = end > 0 ? text.slice(0, end) : text;
      return Buffer.from(`${`${head}\n`.repeat(m.times)}${text}`, 'latin1');
    }
    case 'damage-boundary': {
      const text = raw.toString('latin1');
      const boundary = /boundary="?([^";\r\n]+)"?/i.exec(text)?.[1];
      if (!boundary) return raw;
      return Buffer.from(text.split(`--${boundary}`).join(`--${m.replacement}`), 'latin1');
    }
    case 'splice': {
      const at = Math.floor(m.at * raw.length);
      return Buffer.concat([raw.subarray(0, at), Buffer.from(m.text, 'latin1'), raw.subarray(at)]);
    }
  }
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    positions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
    values: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 40, maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('duplicate-headers' as const), times: fc.integer({ min: 2, max: 30 }) }),
  fc.record({
    kind: fc.constant('damage-boundary' as const),
    replacement: fc.oneof(fc.constant(''), fc.constant('--'), fc.string({ maxLength: 20 })),
  }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(
      fc.constant('\r\n--\r\nContent-Type: multipart/mixed; boundary=""\r\n\r\n'),
      fc.constant('Final-Recipient: rfc822;\r\nStatus: 9.9.9\r\nAction: failed\r\n\r\n'),
      fc.constant('=?utf-8?B?////?= =?x-bad?Q?=ZZ?='),
      fc.constant('Content-Type: message/delivery-status\r\n\r\n'),
      fc.string({ maxLength: 200 }),
    ),
  }),
);

describe('fuzz: mutated sisimai bounces', {
  skip: existsSync(SISIMAI) ? false : `${SISIMAI} is absent`,
}, () => {
  it('classifies every mutant without throwing, each within the time bound', async () => {
    const files = readdirSync(SISIMAI).sort();
    // 20 files spread over the set (different MTA families).
    const step = Math.max(1, Math.floor(files.length / 20));
    const samples = files
      .filter((_, i) => i % step === 0)
      .slice(0, 20)
      .map((f) => readFileSync(join(SISIMAI, f)));
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: samples.length - 1 }), mutation, async (which, m) => {
        const raw = mutate(samples[which]!, m);
        const started = performance.now();
        const c = await classifyRaw(raw);
        const ms = performance.now() - started;
        slowest = Math.max(slowest, ms);
        assert.ok(ms < LIMIT_MS, `took ${ms.toFixed(0)} ms`);
        assert.ok(['bounce', 'auto_reply', 'complaint', 'delivered', 'reply', 'unknown'].includes(c.kind));
        if (c.kind === 'bounce') assert.ok((c.bounces?.length ?? 0) > 0 && c.bounce === c.bounces?.[0]);
      }),
      { numRuns: RUNS },
    );
    console.log(`fuzz: ${RUNS} mutants, slowest ${slowest.toFixed(0)} ms`);
  });
});

describe('pathological input cannot make a pattern backtrack for long', () => {
  const runs: Record<string, string> = {
    'address characters without an @': '5.1.'.repeat(15_000),
    'a 60 000-character address': `${'a'.repeat(30_000)}@${'a'.repeat(30_000)}`,
    'dotted labels': `${'a.'.repeat(15_000)}@${'a-'.repeat(15_000)}`,
    'one long line of digits': '1'.repeat(60_000),
    'rule words repeated': 'account sender user mailbox domain '.repeat(2_000),
    'sign-off lines': 'abc. x skrev x\n'.repeat(4_000),
    'quote attributions': 'On Mon, 1 Jan 2026 someone '.repeat(2_000),
    'date words': 'next Friday by 15 March am 15.03. le 15 mars el 15 de marzo '.repeat(800),
    'brackets and colons': '(<[:'.repeat(15_000),
    'a thousand failed recipients': Array.from(
      { length: 1000 },
      (_, i) => `user${i}@host${i}.example.com: 550 5.1.1 user unknown ${'x'.repeat(60)}`,
    ).join('\n'),
    'unclosed tags and comments': '<a <!--<style <div '.repeat(3_000),
  };
  const wrap = (subject: string, type: string, body: string) =>
    Buffer.from(
      `From: someone@example.com\r\nTo: ar@example.org\r\nSubject: ${subject}\r\n` +
        `Date: Tue, 10 Mar 2026 10:00:00 +0000\r\nContent-Type: ${type}; charset=utf-8\r\n\r\n${body}\r\n`,
    );
  for (const [name, body] of Object.entries(runs)) {
    it(name, async () => {
      for (const [subject, type, text] of [
        ['Undelivered Mail Returned to Sender', 'text/plain', body],
        ['Re: invoice 1001', 'text/plain', body],
        ['Re: invoice 1001', 'text/html', `<p>${body}</p>`],
      ] as const) {
        const started = performance.now();
        const c = await classifyRaw(wrap(subject, type, text));
        const ms = performance.now() - started;
        assert.ok(ms < LIMIT_MS, `${name} as ${type} "${subject}": ${ms.toFixed(0)} ms`);
        assert.ok(['bounce', 'auto_reply', 'reply', 'unknown'].includes(c.kind), c.kind);
      }
    });
  }
});
