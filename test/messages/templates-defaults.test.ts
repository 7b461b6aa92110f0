/**
 * The 40 shipped templates (10 keys × en, de, fr, es): each is valid, renders for one and for
 * several invoices, and matches its snapshot (subject, text and HTML) for a fixed variable
 * set. Snapshots live in test/messages/__snapshots__/KEY.LANG.snap; after an intended change,
 * regenerate them with UPDATE_SNAPSHOTS=1 and review the diff.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_TEMPLATE_KEYS,
  DEFAULT_TEMPLATE_LANGUAGES,
  loadDefaultTemplates,
} from '../../src/messages/defaults/templates/index.ts';
import { renderMessage } from '../../src/messages/templates/render.ts';
import { validateTemplate } from '../../src/messages/templates/validate.ts';
import {
  buildVariables,
  SAMPLE_VARIABLE_INPUT,
  type VariableInput,
} from '../../src/messages/templates/variables.ts';

const SNAPSHOTS = join('test', 'messages', '__snapshots__');
const update = process.env.UPDATE_SNAPSHOTS === '1';

function fixedVariables(language: string, over: Partial<VariableInput> = {}) {
  return buildVariables({
    ...SAMPLE_VARIABLE_INPUT,
    customer: { ...SAMPLE_VARIABLE_INPUT.customer, language },
    ...over,
  });
}

const templates = loadDefaultTemplates();

describe('default templates', () => {
  it('ship every key in every language, and nothing else', () => {
    const have = templates.map((t) => `${t.key}.${t.language}`).sort();
    const want = DEFAULT_TEMPLATE_KEYS.flatMap((k) =>
      DEFAULT_TEMPLATE_LANGUAGES.map((l) => `${k}.${l}`),
    ).sort();
    assert.deepEqual(have, want);
  });

  for (const t of templates) {
    const id = `${t.key}.${t.language}`;
    it(`${id} is valid and matches its snapshot`, async () => {
      assert.deepEqual(await validateTemplate(t), []);
      const out = await renderMessage({ ...t, version: 1 }, fixedVariables(t.language));
      const snapshot = `subject: ${out.subject}\n\n--- text ---\n${out.text}\n\n--- html ---\n${out.html}\n`;
      const file = join(SNAPSHOTS, `${id}.snap`);
      if (update) {
        mkdirSync(SNAPSHOTS, { recursive: true });
        writeFileSync(file, snapshot);
      } else {
        assert.ok(existsSync(file), `no snapshot ${file}; run with UPDATE_SNAPSHOTS=1 to create it`);
        assert.equal(
          snapshot,
          readFileSync(file, 'utf8'),
          `${id} differs from ${file} (UPDATE_SNAPSHOTS=1 to accept)`,
        );
      }
      // what every message must carry
      assert.match(out.html, /href="https:\/\/example\.com\/portal"/, 'portal button');
      assert.match(out.text, /<https:\/\/example\.com\/portal>/, 'portal link in the text part');
      assert.ok(out.text.includes('Nordlicht Logistik GmbH'), 'signed with the organisation');
      assert.doesNotMatch(out.subject, /[\r\n]|\{\{|\{%/);
      // two currencies are totalled separately (EUR 1 714,50, USD 2 500,00), never summed (4 214,50)
      assert.doesNotMatch(out.text, /4[.,\u202f\u00a0 ]?214[.,]50/);
      if (t.key !== 'promise-confirmation' && t.key !== 'promise-broken' && t.key !== 'dispute-received') {
        assert.match(out.text, /1[.,\u202f]?714[.,]50/, 'EUR total');
        assert.match(out.text, /2[.,\u202f]?500[.,]00/, 'USD total');
      }
      assert.ok(
        out.text.includes('INV-2026-0107') && out.text.includes('INV-2026-0150'),
        'lists the invoices',
      );
    });
  }

  it('render in the singular for one invoice, in every language', async () => {
    const one = { invoices: SAMPLE_VARIABLE_INPUT.invoices.slice(0, 1) };
    for (const t of templates) {
      const out = await renderMessage({ ...t, version: 1 }, fixedVariables(t.language, one));
      assert.ok(out.text.includes('INV-2026-0107'), `${t.key}.${t.language}`);
      assert.doesNotMatch(out.text, /INV-2026-0150/);
    }
  });

  it('render without a contact name and, for welcome and statement, without invoices', async () => {
    for (const t of templates) {
      const noContact = { contact: null };
      const out = await renderMessage({ ...t, version: 1 }, fixedVariables(t.language, noContact));
      assert.ok(out.text.length > 200, `${t.key}.${t.language}`);
      if (t.key === 'welcome' || t.key === 'statement') {
        const empty = await renderMessage({ ...t, version: 1 }, fixedVariables(t.language, { invoices: [] }));
        assert.doesNotMatch(empty.text, /INV-/);
      }
    }
  });

  it('format money and dates in the language of the template', async () => {
    const pastDue = (language: string) =>
      templates.find((t) => t.key === 'past-due' && t.language === language)!;
    const de = await renderMessage({ ...pastDue('de'), version: 1 }, fixedVariables('de'));
    assert.ok(de.text.includes('1.234,50\u00a0€') && de.text.includes('9. Februar 2026'));
    const fr = await renderMessage({ ...pastDue('fr'), version: 1 }, fixedVariables('fr'));
    assert.ok(fr.text.includes('1\u202f234,50\u00a0€') && fr.text.includes('9 février 2026'));
    const es = await renderMessage({ ...pastDue('es'), version: 1 }, fixedVariables('es'));
    assert.ok(es.text.includes('1234,50\u00a0€') && es.text.includes('9 de febrero de 2026'));
    const en = await renderMessage({ ...pastDue('en'), version: 1 }, fixedVariables('en'));
    assert.ok(en.text.includes('€1,234.50') && en.text.includes('February 9, 2026'));
  });
});
