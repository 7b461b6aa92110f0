import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  fileProblem,
  parseTemplateFile,
  serializeTemplateFile,
  TemplateFileError,
  templateFileName,
} from '../../src/messages/templates/files.ts';
import type { TemplateSource } from '../../src/messages/templates/render.ts';
import { formatProblem, validateTemplate } from '../../src/messages/templates/validate.ts';

function source(over: Partial<TemplateSource>): TemplateSource {
  return {
    key: 'reminder',
    language: 'de',
    subject: 'Hallo',
    format: 'html',
    body: '<p>x</p>',
    text: null,
    ...over,
  };
}

describe('template validation', () => {
  it('accepts every documented variable path', async () => {
    const body = `{{ organisation.name }} {{ organisation.address }} {{ organisation.logo_url }} {{ organisation.language }}
{{ organisation.currency }} {{ customer.external_id }} {{ customer.name }} {{ customer.language }} {{ customer.currency }}
{{ customer.payment_terms_days }} {{ contact.name }} {{ contact.email }} {{ contact.role }} {{ portal_url }} {{ statement_url }}
{{ step.key }} {{ step.campaign }} {{ step.template }} {{ step.date | date }} {{ step.respond_by | date }}
{{ invoices.size }} {{ invoices.first.number }} {{ invoices.last.due_date }} {{ invoices[0].balance }} {{ totals.first.open }}
{% for invoice in invoices %}{{ invoice.number }} {{ invoice.issue_date }} {{ invoice.due_date }} {{ invoice.amount }}
{{ invoice.balance }} {{ invoice.currency }} {{ invoice.days_overdue }} {{ invoice.pdf_url }} {{ invoice.po_number }}
{{ invoice.promised_date }} {{ invoice.promised_amount }} {{ invoice.dispute_reason }}{% endfor %}
{% for total in totals %}{{ total.currency }} {{ total.open | money: total.currency }} {{ total.overdue }} {{ total.count }}{% endfor %}
{% assign n = invoices.size %}{{ n }} {{ customer.name.size }}`;
    assert.deepEqual(await validateTemplate(source({ body })), []);
  });

  it('names part, line and column of an unknown variable', async () => {
    const problems = await validateTemplate(
      source({ body: '<p>\n\n\n\n\n\n\n\n\n\n\n    {{ custmer.name }}</p>' }),
    );
    assert.deepEqual(problems.map(formatProblem), [
      'reminder.de html line 12, column 8: unknown variable "custmer.name"',
    ]);
  });

  it('catches unknown fields of known variables, statically and inside loops', async () => {
    const statically = await validateTemplate(source({ subject: 'Re: {{ customer.nmae }}' }));
    assert.equal(
      formatProblem(statically[0]!),
      'reminder.de subject line 1, column 8: unknown variable "customer.nmae"',
    );
    const inLoop = await validateTemplate(
      source({ body: '{% for inv in invoices %}\n  {{ inv.numbr }}{% endfor %}' }),
    );
    assert.equal(inLoop.length, 1);
    assert.equal(inLoop[0]!.line, 2);
    assert.match(inLoop[0]!.reason, /unknown variable "inv\.numbr"/);
    const listField = await validateTemplate(source({ text: '{{ invoices.total }}' }));
    assert.equal(
      formatProblem(listField[0]!),
      'reminder.de text line 1, column 4: unknown variable "invoices.total"',
    );
  });

  it('reports syntax errors and unknown filters with their place', async () => {
    const syntax = await validateTemplate(source({ body: '<p>ok</p>\n{% if invoices.size > 1 %}\nmany' }));
    assert.equal(syntax[0]!.part, 'html');
    assert.equal(syntax[0]!.line, 2);
    assert.match(syntax[0]!.reason, /not closed/);
    const filter = await validateTemplate(source({ text: 'a\n {{ customer.name | shout }}' }));
    assert.equal(formatProblem(filter[0]!), 'reminder.de text line 2, column 2: undefined filter: shout');
  });

  it('refuses a money filter without a currency and a bad date style when rendering the sample', async () => {
    const money = await validateTemplate(source({ body: '{{ invoices.first.amount | money }}' }));
    assert.match(money[0]!.reason, /money needs a currency/);
    const style = await validateTemplate(source({ body: '{{ step.date | date: "%Y" }}' }));
    assert.match(style[0]!.reason, /date style must be one of/);
  });

  it('refuses Liquid that MJML would drop between components', async () => {
    const body = `<mjml><mj-body>
  {% for invoice in invoices %}
  <mj-section><mj-column><mj-text>{{ invoice.number }}</mj-text></mj-column></mj-section>
  {% endfor %}
</mj-body></mjml>`;
    const problems = await validateTemplate(source({ format: 'mjml', body }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.line, 2);
    assert.equal(problems[0]!.column, 3);
    assert.match(problems[0]!.reason, /MJML drops "\{% for invoice in invoices %\}"/);
  });

  it('reports MJML errors with their line', async () => {
    const problems = await validateTemplate(
      source({
        format: 'mjml',
        body: '<mjml><mj-body>\n<mj-section><mj-column>\n<mj-txt>x</mj-txt></mj-column></mj-section></mj-body></mjml>',
      }),
    );
    assert.equal(problems[0]!.line, 3);
    assert.match(problems[0]!.reason, /MJML: Element mj-txt doesn't exist/);
  });

  it('refuses bad keys, languages and empty parts', async () => {
    assert.match((await validateTemplate(source({ key: 'Past Due' })))[0]!.reason, /not a template key/);
    assert.match((await validateTemplate(source({ language: 'german' })))[0]!.reason, /not a language code/);
    assert.match((await validateTemplate(source({ subject: '  ' })))[0]!.reason, /subject is empty/);
  });
});

describe('template files', () => {
  const file = `---
subject: "Erinnerung {{ invoices.first.number }}"
text: |
  Guten Tag,

  bitte zahlen Sie {{ totals.first.open }}.
---
<mjml>
  <mj-body>
    <mj-section><mj-column><mj-text>{{ customer.name }}</mj-text></mj-column></mj-section>
  </mj-body>
</mjml>
`;

  it('reads key, language and format from the name and parts from the content', () => {
    const parsed = parseTemplateFile('reminder.de.mjml', file);
    assert.deepEqual(parsed.template, {
      key: 'reminder',
      language: 'de',
      format: 'mjml',
      subject: 'Erinnerung {{ invoices.first.number }}',
      text: 'Guten Tag,\n\nbitte zahlen Sie {{ totals.first.open }}.\n',
      body: '<mjml>\n  <mj-body>\n    <mj-section><mj-column><mj-text>{{ customer.name }}</mj-text></mj-column></mj-section>\n  </mj-body>\n</mjml>\n',
    });
  });

  it('maps problems to file lines and columns, for each part', async () => {
    const broken = file
      .replace('{{ invoices.first.number }}', '{{ invoices.first.numbr }}')
      .replace('{{ totals.first.open }}', '{{ totals.frist.open }}')
      .replace('{{ customer.name }}', '{{ custmer.name }}');
    const parsed = parseTemplateFile('reminder.de.mjml', broken);
    const problems = (await validateTemplate(parsed.template)).map(
      (p) => fileProblem('dir/reminder.de.mjml', parsed, p).message,
    );
    assert.deepEqual(problems, [
      'dir/reminder.de.mjml line 2, column 25: unknown variable "invoices.first.numbr" (subject)',
      'dir/reminder.de.mjml line 10, column 40: unknown variable "custmer.name"',
      'dir/reminder.de.mjml line 6, column 23: unknown variable "totals.frist.open" (text)',
    ]);
  });

  it('refuses wrong names, missing front matter and unknown fields with a place', () => {
    assert.throws(() => parseTemplateFile('reminder.mjml', file), /KEY\.LANGUAGE\.mjml/);
    assert.throws(() => parseTemplateFile('reminder.de.txt', file), /KEY\.LANGUAGE\.mjml/);
    assert.throws(
      () => parseTemplateFile('reminder.de.mjml', '<mjml></mjml>'),
      /must start with a "---" line/,
    );
    assert.throws(() => parseTemplateFile('reminder.de.mjml', '---\nsubject: x\n<mjml>'), /not closed/);
    assert.throws(
      () => parseTemplateFile('reminder.de.mjml', '---\nsubject: x\nsubjet: y\n---\n<mjml/>'),
      (err: unknown) =>
        err instanceof TemplateFileError &&
        err.line === 3 &&
        err.column === 1 &&
        /unknown front matter field "subjet"/.test(err.reason),
    );
    assert.throws(() => parseTemplateFile('reminder.de.mjml', '---\ntext: x\n---\n<mjml/>'), /no "subject:"/);
    assert.throws(
      () => parseTemplateFile('reminder.de.mjml', '---\nsubject: [a\n---\nx'),
      (err: unknown) =>
        err instanceof TemplateFileError && err.line === 3 && /front matter: Flow sequence/.test(err.reason),
    );
  });

  it('round-trips any template through its file text', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'ß', ' ', '\n', ':', '"', "'", '#', '-', '{', '}', '|', '\t', 'é'),
    });
    fc.assert(
      fc.property(
        fc.record({
          key: fc.constantFrom('reminder', 'past-due', 'x1'),
          language: fc.constantFrom('en', 'de', 'fr-CA'),
          format: fc.constantFrom('mjml' as const, 'html' as const),
          subject: text.filter((s) => s.trim() !== ''),
          body: text,
          text: fc.option(text, { nil: null }),
        }),
        (t) => {
          const parsed = parseTemplateFile(templateFileName(t), serializeTemplateFile(t));
          assert.deepEqual(parsed.template, { ...t });
        },
      ),
      { numRuns: 1000 },
    );
  });
});
