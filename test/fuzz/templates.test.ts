/**
 * Fuzzing the template compiler and validator (src/messages/templates/; issue 8, fuzz suite).
 * Templates are generated from pieces of Liquid — known and unknown variables, standard and
 * unknown filters with random arguments, tags (if, unless, case, for, tablerow, assign,
 * capture, cycle, increment, raw, comment, liquid), broken delimiters, prototype names and
 * refused tags — inside HTML or MJML, and template files (front matter plus parts) are
 * damaged at the byte level.
 *
 * Properties, each case within the per-case bound:
 * - validateTemplate never throws; every problem names its part, a line and column inside
 *   the part's text, and a one-line reason;
 * - a template the validator accepts renders with the sample variables (what is saved can be
 *   sent), and its subject is one line;
 * - parseTemplateFile accepts a file or throws one TemplateFileError naming the file, line
 *   and column.
 * Runs: DUNWELL_FUZZ_RUNS (CI default 150; each case may compile MJML).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TemplateError } from '../../src/messages/templates/engine.ts';
import {
  parseTemplateFile,
  serializeTemplateFile,
  TemplateFileError,
} from '../../src/messages/templates/files.ts';
import { type MessageTemplate, renderMessage } from '../../src/messages/templates/render.ts';
import { validateTemplate } from '../../src/messages/templates/validate.ts';
import { buildVariables, SAMPLE_VARIABLE_INPUT } from '../../src/messages/templates/variables.ts';
import { assertClearError, fuzzParameters, fuzzRuns, mutate, mutation, show, Tally } from './support.ts';

const RUNS = fuzzRuns(150);
const variables = buildVariables(SAMPLE_VARIABLE_INPUT);

const anyVariable = fc.constantFrom(
  'customer.name',
  'customer.external_id',
  'organisation.name',
  'contact.email',
  'invoices.size',
  'invoices.first.number',
  'invoices[0].amount',
  'totals.first.open',
  'portal_url',
  'step.date',
  'inv.number',
  'inv.balance',
  'forloop.index',
  'x',
  'customer.nam',
  'customer.constructor',
  'customer.__proto__',
  'invoices.__proto__.constructor',
  "customer['constructor']",
  'process.env.HOME',
  'this',
  'global',
  'nil',
  'empty',
  'true',
  '"text"',
  "'it''s'",
  '42',
  '-1.5',
  '(1..3)',
  '(1..100000000)',
);
/** Mostly variables that exist, so that a fair share of templates is valid and gets rendered. */
const variable = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'customer.name',
      'organisation.name',
      'contact.email',
      'invoices.size',
      'portal_url',
      '"text"',
      '3',
    ),
  },
  { weight: 2, arbitrary: anyVariable },
);
const filterName = fc.constantFrom(
  'upcase',
  'downcase',
  'size',
  'first',
  'last',
  'join',
  'split',
  'map',
  'where',
  'sort',
  'reverse',
  'uniq',
  'append',
  'prepend',
  'replace',
  'slice',
  'truncate',
  'escape',
  'strip_html',
  'default',
  'plus',
  'times',
  'divided_by',
  'modulo',
  'round',
  'date',
  'money',
  'json',
  'url_encode',
  'newline_to_br',
  'eval',
  'require',
  'constructor',
  '__proto__',
);
const filterArg = fc.oneof(
  variable,
  fc.constantFrom(
    '"EUR"',
    '"long"',
    '"bogus"',
    '"constructor"',
    '"__proto__"',
    '","',
    '0',
    '-1',
    '1e308',
    '2147483648',
  ),
);
const filter = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      'upcase',
      'downcase',
      'size',
      'escape',
      'strip_html',
      'default: "x"',
      'append: "-"',
      'truncate: 8',
      'url_encode',
      'strip',
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(filterName, fc.array(filterArg, { maxLength: 2 }))
      .map(([name, args]) => (args.length ? `${name}: ${args.join(', ')}` : name)),
  },
);
const output = fc
  .tuple(
    variable,
    fc.array(filter, { maxLength: 3 }),
    fc.constantFrom('{{', '{{-'),
    fc.constantFrom('}}', '-}}'),
  )
  .map(([v, fs, open, close]) => `${open} ${[v, ...fs].join(' | ')} ${close}`);
const text = fc.oneof(
  fc.constantFrom(
    'Dear ',
    '<p>',
    '</p>',
    '<b>x</b>',
    '&amp;',
    '\n',
    ' ',
    'Rechnung ',
    '€',
    '<script>',
    '{',
    '}',
    '%',
  ),
  fc.string({ maxLength: 12 }),
);

const node: fc.Memo<string> = fc.memo((depth) => {
  const leaf = fc.oneof({ weight: 3, arbitrary: text }, { weight: 3, arbitrary: output });
  if (depth <= 1) return leaf;
  const body = fc.array(node(depth - 1), { maxLength: 4 }).map((parts) => parts.join(''));
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    {
      weight: 1,
      arbitrary: fc
        .tuple(variable, body, body)
        .map(([c, a, b]) => `{% if ${c} %}${a}{% else %}${b}{% endif %}`),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(variable, body).map(([c, a]) => `{% unless ${c} == 1 %}${a}{% endunless %}`),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(variable, body).map(([c, a]) => `{% for inv in ${c} %}${a}{% endfor %}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('invoices', '(1..20)', '(1..1000000)'), body)
        .map(([c, a]) => `{% tablerow inv in ${c} cols: 2 %}${a}{% endtablerow %}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(variable, body)
        .map(([c, a]) => `{% case ${c} %}{% when 1, "a" %}${a}{% else %}x{% endcase %}`),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(variable, filter).map(([v, f]) => `{% assign a = ${v} | ${f} %}{{ a }}`),
    },
    { weight: 1, arbitrary: body.map((a) => `{% capture c %}${a}{% endcapture %}{{ c }}`) },
    { weight: 1, arbitrary: body.map((a) => `{% raw %}${a}{% endraw %}{% comment %}${a}{% endcomment %}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{% cycle "a", "b" %}',
        '{% increment n %}',
        '{% decrement n %}',
        '{% liquid\necho customer.name\n%}',
        '{% echo customer.name %}',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "{% include '/etc/passwd' %}",
        "{% render 'x' %}",
        "{% layout 'x' %}",
        '{% block a %}{% endblock %}',
        "{% liquid include '/etc/passwd' %}",
        '{% assign __proto__ = 1 %}',
        '{% assign constructor = "x" %}{{ constructor }}',
        '{% capture __proto__ %}x{% endcapture %}',
        '{{ invoices | map: "constructor" }}',
        '{{ invoices | where: "__proto__" }}',
        '{{ invoices | sort: "constructor" | first }}',
        '{% for i in (1..300) %}{% for j in (1..300) %}{% for k in (1..300) %}{% endfor %}{% endfor %}{% endfor %}',
        '{% assign s = "x" %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}',
        '{% if %}',
        '{% for %}',
        '{% endfor %}',
        '{{',
        '}}',
        '{% unknown_tag %}',
        '{% raw %}',
        '{{ customer.name | }}',
        '{{ | upcase }}',
        '{{ customer.name | money }}',
        '{{ invoices.first.due_date | date: "bogus" }}',
      ),
    },
  );
});

const body = fc.array(node(4), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
const template = fc
  .record({
    key: fc.constantFrom('reminder', 'past-due', 'x', 'reminder', 'Bad Key', '../x'),
    language: fc.constantFrom('en', 'de', 'fr-CA', 'en', 'english'),
    subject: fc.oneof(
      { weight: 1, arbitrary: body },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'Invoice {{ invoices.first.number }}',
          '',
          'a\r\nBcc: x@y.z',
          '{{ customer.name }}\n{{ organisation.name }}',
        ),
      },
    ),
    format: fc.constantFrom('html', 'html', 'html', 'mjml'),
    body,
    text: fc.option(body, { nil: null }),
  })
  .map((t) => ({
    ...t,
    body:
      t.format === 'mjml'
        ? `<mjml><mj-body><mj-section><mj-column><mj-text>${t.body}</mj-text></mj-column></mj-section></mj-body></mjml>`
        : t.body,
  }));

describe('fuzz: templates', () => {
  it(`validates ${RUNS} generated templates; what it accepts renders`, async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(template, async (t) => {
        const label = JSON.stringify(t).slice(0, 600);
        await tally.time(
          () => label,
          async () => {
            const problems = await validateTemplate(t);
            const parts = { subject: t.subject, html: t.body, text: t.text ?? '' };
            for (const p of problems) {
              assert.ok(['subject', 'html', 'text'].includes(p.part), label);
              assert.ok(p.line >= 1 && p.column >= 1, `position ${p.line}:${p.column}: ${label}`);
              // the line is inside the part's text (MJML problems point into the author's source)
              assert.ok(
                p.line <= parts[p.part].split('\n').length + 1,
                `line ${p.line} past the end: ${label}`,
              );
              assert.ok(
                p.reason.trim().length > 0 && !/[\r\n]/.test(p.reason),
                `reason ${JSON.stringify(p.reason)}: ${label}`,
              );
              assert.doesNotMatch(
                p.reason,
                /Cannot read propert|is not a function|is not iterable|Maximum call stack/,
                label,
              );
            }
            if (problems.length > 0) {
              tally.refused++;
              return;
            }
            const template: MessageTemplate = { ...t, version: 1 } as MessageTemplate;
            try {
              const out = await renderMessage(template, variables);
              assert.ok(!/[\r\n]/.test(out.subject), `subject has a line break: ${label}`);
              tally.accepted++;
            } catch (err) {
              // the validator accepted it: sending must not fail except on a limit it cannot foresee
              assert.ok(err instanceof TemplateError, `render threw ${String(err)}: ${label}`);
              assert.match(
                err.reason,
                /limit|took longer/,
                `validated but did not render (${err.message}): ${label}`,
              );
              tally.accepted++;
            }
          },
        );
      }),
      fuzzParameters(RUNS),
    );
    tally.report('templates');
    if (RUNS >= 100)
      assert.ok(tally.accepted > 0 && tally.refused > 0, 'the generator must exercise both outcomes');
  });

  it(`parses or refuses ${RUNS * 4} damaged template files with one TemplateFileError each`, async () => {
    const tally = new Tally();
    const seed = serializeTemplateFile({
      key: 'reminder',
      language: 'de',
      subject: 'Rechnung {{ invoices.first.number }}',
      format: 'html',
      body: '<p>Guten Tag {{ contact.name }},</p>\n{% for inv in invoices %}<p>{{ inv.number }}: {{ inv.balance | money: inv.currency }}</p>{% endfor %}',
      text: 'Guten Tag {{ contact.name }}',
    });
    assert.equal(parseTemplateFile('reminder.de.html', seed).template.key, 'reminder');
    const splices = [
      '---\n',
      '\n---\n',
      'subject: |\n  x\n',
      'subject: [1, 2]\n',
      'text: !!binary AAAA\n',
      '&a [*a]\n',
      '--- text ---\n',
      '\u0000',
      '\uFEFF',
      '\r',
    ];
    await fc.assert(
      fc.asyncProperty(
        mutation(splices),
        fc.constantFrom('reminder.de.html', 'reminder.de.mjml', 'x.en.html'),
        async (m, name) => {
          const content = mutate(seed, m);
          const label = `${name}: ${show(m, content)}`;
          await tally.time(
            () => label,
            () => {
              try {
                parseTemplateFile(name, content);
                tally.accepted++;
              } catch (err) {
                assertClearError(
                  err,
                  [TemplateFileError],
                  new RegExp(`^${name.replace(/\./g, '\\.')} line \\d+, column \\d+: `),
                  label,
                );
                tally.refused++;
              }
            },
          );
        },
      ),
      fuzzParameters(RUNS * 4),
    );
    tally.report('template files');
  });
});
