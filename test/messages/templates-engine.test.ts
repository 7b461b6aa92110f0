import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatDate,
  formatMoney,
  parsePart,
  renderPart,
  TemplateError,
} from '../../src/messages/templates/engine.ts';
import {
  chooseLanguage,
  compileMjml,
  type MessageTemplate,
  messageLocale,
  renderMessage,
  subjectLine,
} from '../../src/messages/templates/render.ts';
import { htmlToText } from '../../src/messages/templates/text.ts';
import { buildVariables, SAMPLE_VARIABLE_INPUT } from '../../src/messages/templates/variables.ts';

const NBSP = '\u00a0';
const NNBSP = '\u202f';

function template(over: Partial<MessageTemplate>): MessageTemplate {
  return {
    key: 'test',
    language: 'en',
    subject: 'Hello',
    format: 'html',
    body: '<p>x</p>',
    text: null,
    version: 1,
    ...over,
  };
}

const variables = buildVariables(SAMPLE_VARIABLE_INPUT);

async function render(source: string, part: 'html' | 'text' | 'subject' = 'text', locale = 'en') {
  return renderPart(parsePart(source, part), part, variables, locale);
}

describe('money and dates by language', () => {
  it('formats money with Intl for each language', () => {
    assert.equal(formatMoney('1234.50', 'EUR', 'de'), `1.234,50${NBSP}€`);
    assert.equal(formatMoney('1234.50', 'EUR', 'en'), '€1,234.50');
    assert.equal(formatMoney('1234.50', 'EUR', 'fr'), `1${NNBSP}234,50${NBSP}€`);
    // Spanish groups thousands only from five digits
    assert.equal(formatMoney('1234.50', 'EUR', 'es'), `1234,50${NBSP}€`);
    assert.equal(formatMoney('12345.50', 'EUR', 'es'), `12.345,50${NBSP}€`);
    assert.equal(formatMoney('1500', 'JPY', 'en'), '¥1,500');
    assert.equal(formatMoney('-5.25', 'USD', 'en'), '-$5.25');
  });

  it('formats decimal strings exactly, with no float rounding', () => {
    assert.equal(formatMoney('9007199254740993.01', 'EUR', 'en'), '€9,007,199,254,740,993.01');
    assert.equal(formatMoney('0.10', 'KWD', 'en'), `KWD${NBSP}0.100`);
  });

  it('refuses what is not an amount or a currency', () => {
    assert.throws(() => formatMoney('12,50', 'EUR', 'de'), /not an amount/);
    assert.throws(() => formatMoney('1.00', 'EURO', 'de'), /not an ISO 4217/);
  });

  it('formats calendar dates in each language without shifting the day', () => {
    assert.equal(formatDate('2026-03-09', 'en'), 'March 9, 2026');
    assert.equal(formatDate('2026-03-09', 'en-GB'), '9 March 2026');
    assert.equal(formatDate('2026-03-09', 'de'), '9. März 2026');
    assert.equal(formatDate('2026-03-09', 'fr'), '9 mars 2026');
    assert.equal(formatDate('2026-03-09', 'es'), '9 de marzo de 2026');
    assert.equal(formatDate('2026-12-31', 'de', 'short'), '31.12.26');
  });

  it('offers money and date as template filters that follow the locale', async () => {
    const source =
      '{{ invoices.first.balance | money: invoices.first.currency }} {{ invoices.first.due_date | date }}';
    assert.equal(await render(source, 'text', 'de'), `1.234,50${NBSP}€ 9. Februar 2026`);
    assert.equal(await render(source, 'text', 'en'), '€1,234.50 February 9, 2026');
    assert.equal(await render('{{ step.date | date: "short" }}', 'text', 'fr'), '15/03/2026');
  });

  it('uses a regional customer language only within the template language', () => {
    assert.equal(messageLocale('de', 'de-AT'), 'de-AT');
    assert.equal(messageLocale('de', 'fr'), 'de');
    assert.equal(messageLocale('en', null), 'en');
    assert.equal(messageLocale('en', 'en-gb'), 'en-GB');
  });
});

describe('language fallback: customer → organisation → English', () => {
  const available = ['en', 'de', 'fr', 'es'];
  it('takes the customer language when there is a template in it', () => {
    assert.equal(chooseLanguage(available, 'fr', 'de'), 'fr');
  });
  it('falls back to the organisation language', () => {
    assert.equal(chooseLanguage(available, 'it', 'de'), 'de');
    assert.equal(chooseLanguage(available, null, 'es'), 'es');
  });
  it('falls back to English last', () => {
    assert.equal(chooseLanguage(available, 'it', 'nl'), 'en');
    assert.equal(chooseLanguage(['de', 'en'], undefined, undefined), 'en');
  });
  it('tries the primary language of a regional code before moving on', () => {
    assert.equal(chooseLanguage(available, 'de-AT', 'fr'), 'de');
    assert.equal(chooseLanguage(['de-AT', 'en'], 'de-AT', 'fr'), 'de-AT');
  });
  it('finds nothing when not even English exists', () => {
    assert.equal(chooseLanguage(['fr'], 'de', 'es'), null);
  });
});

describe('rendering', () => {
  it('collapses line breaks in the subject to one space (no header injection)', async () => {
    assert.equal(subjectLine('Hello\r\nBcc: victim@example.com'), 'Hello Bcc: victim@example.com');
    const evil = buildVariables({
      ...SAMPLE_VARIABLE_INPUT,
      customer: { ...SAMPLE_VARIABLE_INPUT.customer, name: 'ACME\r\nBcc: x@example.com\n\nbody' },
    });
    const out = await renderMessage(
      template({ subject: 'Invoices for {{ customer.name }}\n{% if true %}\r\n!{% endif %}' }),
      evil,
    );
    assert.equal(out.subject, 'Invoices for ACME Bcc: x@example.com body !');
    assert.doesNotMatch(out.subject, /[\r\n]/);
  });

  it('escapes values in the HTML part, not in the subject or text part', async () => {
    const v = buildVariables({
      ...SAMPLE_VARIABLE_INPUT,
      customer: { ...SAMPLE_VARIABLE_INPUT.customer, name: '<b>Smith & "Sons"</b>' },
    });
    const out = await renderMessage(
      template({
        subject: '{{ customer.name }}',
        body: '<p>{{ customer.name }}</p>',
        text: '{{ customer.name }}',
      }),
      v,
    );
    assert.equal(out.html, '<p>&lt;b&gt;Smith &amp; &#34;Sons&#34;&lt;/b&gt;</p>');
    assert.equal(out.subject, '<b>Smith & "Sons"</b>');
    assert.equal(out.text, '<b>Smith & "Sons"</b>');
  });

  it('derives the text part from the HTML when none is written', async () => {
    const out = await renderMessage(
      template({
        body: `<html><head><style>p{color:red}</style></head><body>
          <div style="display:none">preview line</div>
          <p>Dear {{ contact.name }},</p><p>Line one<br>line two &amp; more</p>
          <table><tr><th>Invoice</th><th align="right">Open</th></tr>
          {% for invoice in invoices %}<tr><td>{{ invoice.number }}</td><td align="right">{{ invoice.balance | money: invoice.currency }}</td></tr>{% endfor %}
          </table>
          <a href="{{ portal_url }}">Pay now</a></body></html>`,
      }),
      variables,
    );
    assert.equal(
      out.text,
      [
        'Dear Zoë Núñez,',
        '',
        'Line one',
        'line two & more',
        '',
        'Invoice             Open',
        'INV-2026-0107  €1,234.50',
        'INV-2026-0142    €480.00',
        'INV-2026-0150  $2,500.00',
        '',
        'Pay now <https://example.com/portal>',
      ].join('\n'),
    );
  });

  it('keeps a written text part as written', async () => {
    const out = await renderMessage(
      template({ text: 'Hi {{ contact.name }}\n\nTotal {{ totals.size }}\n' }),
      variables,
    );
    assert.equal(out.text, 'Hi Zoë Núñez\n\nTotal 2');
  });

  it('compiles MJML once per template version and renders Liquid inside it', async () => {
    const body =
      '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ customer.name }}</mj-text>' +
      '<mj-button href="{{ portal_url }}">Pay</mj-button></mj-column></mj-section></mj-body></mjml>';
    const t = template({ format: 'mjml', body, key: 'mjml-once', version: 7 });
    const first = await renderMessage(t, variables);
    assert.match(first.html, /Hello Łódź Café &amp; Señor Müller S\.L\./);
    assert.match(first.html, /href="https:\/\/example\.com\/portal"/);
    // a cached version renders without compiling: time it against a fresh compile
    const started = performance.now();
    for (let i = 0; i < 20; i++) await renderMessage(t, variables);
    const cachedMs = (performance.now() - started) / 20;
    const compileStarted = performance.now();
    await compileMjml(`${body}<!-- ${Math.random()} -->`);
    const compileMs = performance.now() - compileStarted;
    assert.ok(
      cachedMs < compileMs,
      `cached render ${cachedMs.toFixed(2)} ms vs compile ${compileMs.toFixed(2)} ms`,
    );
  });

  it('reports an unknown variable at render time with its place', async () => {
    await assert.rejects(
      renderMessage(template({ body: '<p>\n  {{ customer.nmae }}</p>' }), variables),
      (err: unknown) =>
        err instanceof TemplateError &&
        err.part === 'html' &&
        err.line === 2 &&
        err.column === 6 &&
        /unknown variable "customer\.nmae"/.test(err.reason),
    );
  });
});

describe('htmlToText', () => {
  it('drops head, scripts and comments and decodes entities', () => {
    assert.equal(
      htmlToText(
        '<!doctype html><html><head><title>T</title></head><body><script>x()</script><!-- c --><p>A&nbsp;&euro;&#8364;&#x20AC; &lt;b&gt;</p></body></html>',
      ),
      `A${NBSP}€€€ <b>`,
    );
  });
  it('treats presentation tables as layout and lists items', () => {
    assert.equal(
      htmlToText(
        '<table role="presentation"><tr><td>One</td></tr><tr><td><ul><li>a</li><li>b</li></ul></td></tr></table>',
      ),
      'One\n\n- a\n- b',
    );
  });
});
