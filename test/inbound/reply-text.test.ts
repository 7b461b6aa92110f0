/**
 * The new text of a reply, measured on talon's fixtures (../shared/external/talon-replies):
 * ours (stripQuotedText) against email-reply-parser used as a whole-body extractor. Both
 * figures are printed; ours must match ≥ 90 % of the labels.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import EmailReplyParser from 'email-reply-parser';
import { dropNonTextElements } from '../../src/inbound/html.ts';
import { parseMessage } from '../../src/inbound/parse.ts';
import { htmlToText, replyBody, stripQuotedText, stripSignature } from '../../src/inbound/reply-text.ts';

const TALON = join(import.meta.dirname, '../../../shared/external/talon-replies');

interface TalonLabel {
  file: string;
  kind: string;
  expected_reply_text: string;
  comparison: string;
}

describe('reply text on talon-replies', { skip: existsSync(TALON) ? false : `${TALON} is absent` }, () => {
  it('extracts the new text for ≥ 90 % of the labelled replies (and prints both extractors)', async () => {
    const labels = JSON.parse(readFileSync(join(TALON, 'labels.json'), 'utf8')) as TalonLabel[];
    let ours = 0;
    let library = 0;
    const misses: string[] = [];
    for (const label of labels) {
      const loose = label.comparison.includes('whitespace');
      const norm = (s: string) => (loose ? s.replace(/\s+/g, ' ').trim() : s.trim());
      const path = join(TALON, label.file);
      const body = label.file.endsWith('.html')
        ? htmlToText(readFileSync(path, 'utf8'))
        : replyBody(await parseMessage(readFileSync(path)));
      const mine = stripQuotedText(body);
      const theirs = new EmailReplyParser().read(body).getVisibleText();
      if (norm(mine) === norm(label.expected_reply_text)) ours++;
      else misses.push(`${label.file}: ${JSON.stringify(mine.slice(0, 120))}`);
      if (norm(theirs) === norm(label.expected_reply_text)) library++;
    }
    const pct = (n: number) => ((100 * n) / labels.length).toFixed(1);
    console.log(
      `talon replies: ours ${ours}/${labels.length} (${pct(ours)} %), email-reply-parser ${library}/${labels.length} (${pct(library)} %)`,
    );
    if (misses.length) console.log(`misses:\n  ${misses.join('\n  ')}`);
    assert.ok(ours / labels.length >= 0.9, `only ${ours}/${labels.length} replies extracted`);
  });

  it('finds the signatures of talon’s signature cases', () => {
    const cases = JSON.parse(
      readFileSync(join(TALON, 'signature/stripped_signature_cases.json'), 'utf8'),
    ) as {
      id: string;
      body: string;
      expected_signature: string;
    }[];
    let agree = 0;
    for (const c of cases) {
      const kept = stripSignature(c.body);
      const removed = c.body.slice(kept.length).trim();
      // A case agrees when what we remove is the expected signature (or nothing when none).
      if (removed.replace(/\s+/g, ' ') === c.expected_signature.trim().replace(/\s+/g, ' ')) agree++;
    }
    console.log(`talon signatures: ${agree}/${cases.length} cut exactly as labelled`);
    assert.ok(agree >= 1);
  });
});

describe('stripQuotedText', () => {
  it('cuts the quote headers of the four languages and Outlook header blocks', () => {
    const cases: [string, string][] = [
      [
        'Wir zahlen am Freitag.\n\nAm 12.03.2026 um 10:00 schrieb Buchhaltung <ar@example.com>:\n> Erinnerung',
        'Wir zahlen am Freitag.',
      ],
      [
        'Nous réglerons demain.\n\nLe mar. 10 mars 2026 à 09:00, AR <ar@example.com> a écrit :\n> Relance',
        'Nous réglerons demain.',
      ],
      [
        'Pagaremos el lunes.\n\nEl mar, 10 mar 2026 a las 9:00, AR (<ar@example.com>) escribió:\n> Recordatorio',
        'Pagaremos el lunes.',
      ],
      [
        'Paid yesterday.\n\n-----Original Message-----\nFrom: AR\nSent: Monday\nTo: me\nSubject: Reminder',
        'Paid yesterday.',
      ],
      [
        'Bezahlt.\n\nVon: AR <ar@example.com>\nGesendet: Montag, 9. März 2026\nAn: Kunde\nBetreff: Mahnung\n\nText',
        'Bezahlt.',
      ],
      [
        'Vale.\n________________________________\nDe: AR <ar@example.com>\nEnviado: lunes\nPara: Cliente',
        'Vale.',
      ],
    ];
    for (const [input, expected] of cases) assert.equal(stripQuotedText(input), expected);
  });

  it('keeps a reply that only mentions "wrote" in passing', () => {
    const text = 'On second thought, the amount I wrote down was wrong.\nPlease check invoice 42.';
    assert.equal(stripQuotedText(text), text);
  });

  it('turns HTML into text: comments, styles and scripts dropped, blockquotes quoted', () => {
    const html =
      '<html><head><title>t</title><style>p{color:red}</style></head><body><!-- hidden -->' +
      '<p>We will pay on Friday.</p><script>alert(1)</script><blockquote>Reminder &amp; invoice</blockquote></body></html>';
    assert.equal(htmlToText(html), 'We will pay on Friday.\n\n> Reminder & invoice');
    assert.equal(dropNonTextElements('a<!-- x -->b<STYLE>c</style >d<script>e'), 'a b d<script>e');
    assert.equal(dropNonTextElements('a<!-- never closed <p>b'), 'a ');
  });

  it('reads hostile HTML (unclosed tags, comments, styles by the thousand) in linear time', () => {
    for (const unit of ['<', '<a ', '<div ', '<style ', '<!--', '<head <title ']) {
      const started = performance.now();
      htmlToText(`<p>${unit.repeat(60_000 / unit.length)}</p>`);
      const ms = performance.now() - started;
      assert.ok(ms < 1000, `${JSON.stringify(unit)}: ${ms.toFixed(0)} ms`);
    }
  });
});
