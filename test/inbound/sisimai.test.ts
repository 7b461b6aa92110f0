/**
 * Bounce classification measured against sisimai's labelled sample set
 * (../shared/external/sisimai-bounces/labels.csv: one row per file and recipient index).
 * `feedback` rows must be complaints, `vacation` auto-replies, `delivered` delivery reports;
 * every other row compares the recipient's hard/soft and reason. Prints the confusion table,
 * the agreement figures and the throughput over the whole set.
 *
 * Floors: the issue's targets, ≥ 97 % hard/soft and ≥ 90 % reason agreement of labels
 * (reached: 97.8 % and 91.6 %; the misses left are listed in docs/mail-in-classification.md).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Classification, classifyRaw } from '../../src/inbound/index.ts';

const SISIMAI = join(import.meta.dirname, '../../../shared/external/sisimai-bounces');
const HARD_SOFT_FLOOR = 0.97;
const REASON_FLOOR = 0.9;

interface Label {
  file: string;
  index: number;
  reason: string;
  hard: boolean;
}

function readLabels(): Label[] {
  const lines = readFileSync(join(SISIMAI, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [file, index, , , , reason, hard] = line.split(',');
    return { file: file!, index: Number(index), reason: reason!, hard: hard === 'true' };
  });
}

/** What we answered for one label, in sisimai's words (`feedback`, `vacation`, `delivered` or a reason). */
function answered(c: Classification, label: Label): { reason: string; hard: boolean } {
  if (label.reason === 'feedback')
    return { reason: c.kind === 'complaint' ? 'feedback' : `kind:${c.kind}`, hard: false };
  if (label.reason === 'vacation')
    return { reason: c.kind === 'auto_reply' ? 'vacation' : `kind:${c.kind}`, hard: false };
  if (label.reason === 'delivered')
    return { reason: c.kind === 'delivered' ? 'delivered' : `kind:${c.kind}`, hard: false };
  const bounce = c.bounces?.[label.index - 1];
  if (!bounce)
    return { reason: `kind:${c.kind}${c.bounces ? `(${c.bounces.length} recipients)` : ''}`, hard: false };
  return { reason: bounce.reason, hard: bounce.type === 'hard' };
}

describe('sisimai bounces', { skip: existsSync(SISIMAI) ? false : `${SISIMAI} is absent` }, () => {
  it('agrees with sisimai on hard/soft and reason (prints the confusion table and throughput)', async () => {
    const labels = readLabels();
    const files = [...new Set(labels.map((l) => l.file))];
    const results = new Map<string, Classification>();
    const started = performance.now();
    for (const file of files) results.set(file, await classifyRaw(readFileSync(join(SISIMAI, 'eml', file))));
    const seconds = (performance.now() - started) / 1000;

    let hardSoft = 0;
    let reasons = 0;
    const confusion = new Map<string, Map<string, number>>();
    for (const label of labels) {
      const got = answered(results.get(label.file)!, label);
      if (got.hard === label.hard) hardSoft++;
      if (got.reason === label.reason) reasons++;
      const row = confusion.get(label.reason) ?? new Map<string, number>();
      row.set(got.reason, (row.get(got.reason) ?? 0) + 1);
      confusion.set(label.reason, row);
    }
    const lines = [...confusion.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([want, row]) => {
        const total = [...row.values()].reduce((s, n) => s + n, 0);
        const cells = [...row.entries()].sort((a, b) => b[1] - a[1]).map(([got, n]) => `${got}:${n}`);
        return `  ${want.padEnd(16)} ${String(row.get(want) ?? 0).padStart(3)}/${String(total).padEnd(3)}  ${cells.join(' ')}`;
      });
    const pct = (n: number) => (100 * n) / labels.length;
    console.log(`sisimai confusion (label → answers):\n${lines.join('\n')}`);
    console.log(
      `sisimai: ${labels.length} labels in ${files.length} files; hard/soft ${pct(hardSoft).toFixed(1)} % ` +
        `(floor ${HARD_SOFT_FLOOR * 100} %), reason ${pct(reasons).toFixed(1)} % (floor ${REASON_FLOOR * 100} %); ` +
        `${(files.length / seconds).toFixed(0)} messages/s (parse + classify)`,
    );
    assert.ok(hardSoft / labels.length >= HARD_SOFT_FLOOR, `hard/soft fell to ${pct(hardSoft).toFixed(1)} %`);
    assert.ok(reasons / labels.length >= REASON_FLOOR, `reason fell to ${pct(reasons).toFixed(1)} %`);
  });

  it('never calls an auto-reply or a non-bounce a bounce', async () => {
    const checks: [string, string][] = [
      ['not-bounce/is-not-bounce-01.eml', 'reply'],
      ['not-bounce/is-not-bounce-02.eml', 'reply'],
      ['unlabelled/rfc3834-06.eml', 'auto_reply'],
      ['eml/rfc3834-01.eml', 'auto_reply'],
    ];
    for (const [file, kind] of checks) {
      const c = await classifyRaw(readFileSync(join(SISIMAI, file)));
      assert.equal(c.kind, kind, file);
    }
  });

  it('lists every failed recipient of a multi-recipient report with its own reason', async () => {
    const c = await classifyRaw(readFileSync(join(SISIMAI, 'eml/rhost-aol-03.eml')));
    assert.equal(c.kind, 'bounce');
    assert.deepEqual(
      c.bounces?.map((b) => [b.recipient, b.status, b.reason, b.type]),
      [
        ['sabineko@example.jp', '5.2.2', 'mailboxfull', 'soft'],
        ['mikeneko@example.jp', '5.1.1', 'userunknown', 'hard'],
      ],
    );
    assert.deepEqual(c.bounce, c.bounces?.[0]);
  });

  it('reads the CRLF copies the same way as the LF originals', async () => {
    const crlf = readdirSync(join(SISIMAI, 'eml-crlf'));
    let same = 0;
    for (const file of crlf) {
      const a = await classifyRaw(readFileSync(join(SISIMAI, 'eml', file)));
      const b = await classifyRaw(readFileSync(join(SISIMAI, 'eml-crlf', file)));
      if (JSON.stringify([a.kind, a.bounces]) === JSON.stringify([b.kind, b.bounces])) same++;
      else console.log(`CRLF differs: ${file}`);
    }
    assert.equal(same, crlf.length);
  });
});
