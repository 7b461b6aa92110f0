/**
 * Templates are user-editable (PRODUCT §10): they must not read files, the environment or
 * prototypes, run code, or hang. Each probe is a real attack string and each must fail with
 * a clear error (or render nothing sensitive), both when saving (validate) and when sending
 * (render).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePart, renderPart, TemplateError, withLoopLimit } from '../../src/messages/templates/engine.ts';
import { type MessageTemplate, renderMessage } from '../../src/messages/templates/render.ts';
import { validateTemplate } from '../../src/messages/templates/validate.ts';
import { buildVariables, SAMPLE_VARIABLE_INPUT } from '../../src/messages/templates/variables.ts';

const variables = buildVariables(SAMPLE_VARIABLE_INPUT);

function html(body: string): MessageTemplate {
  return { key: 'probe', language: 'en', subject: 'x', format: 'html', body, text: null, version: 1 };
}

async function renderError(body: string): Promise<TemplateError> {
  try {
    const out = await renderMessage(html(body), variables);
    assert.fail(`rendered instead of failing: ${out.html.slice(0, 200)}`);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `not a TemplateError: ${String(err)}`);
    return err;
  }
}

describe('sandbox: no file access', () => {
  for (const probe of [
    "{% include '/etc/passwd' %}",
    '{% include "../../../../etc/passwd" %}',
    "{% render '/etc/passwd' %}",
    "{% render 'reminder.en' %}",
    "{% layout '/etc/passwd' %}",
    "{% layout 'x' %}{% block a %}y{% endblock %}",
  ]) {
    it(`refuses ${probe}`, async () => {
      const err = await renderError(`<p>${probe}</p>`);
      assert.match(err.reason, /tag is not allowed in message templates/);
      const problems = await validateTemplate({ ...html(`<p>${probe}</p>`) });
      assert.equal(problems.length, 1);
      assert.match(problems[0]!.reason, /not allowed/);
    });
  }

  it('ignores mj-include in MJML (nothing from disk reaches the message)', async () => {
    const out = await renderMessage(
      {
        ...html(
          '<mjml><mj-body><mj-include path="/etc/passwd" /><mj-section><mj-column><mj-text>ok</mj-text></mj-column></mj-section></mj-body></mjml>',
        ),
        format: 'mjml',
      },
      variables,
    );
    assert.doesNotMatch(out.html, /root:/);
    assert.match(out.text, /^ok$/m);
  });
});

describe('sandbox: no prototypes, environment or code', () => {
  for (const probe of [
    '{{ customer.constructor }}',
    '{{ customer.constructor.constructor }}',
    "{{ customer['constructor'] }}",
    '{{ customer.__proto__ }}',
    '{{ invoices.__proto__.constructor }}',
    '{{ invoices.first.hasOwnProperty }}',
    '{{ customer.name.constructor }}',
    '{{ process.env.HOME }}',
    '{{ global.process }}',
    '{{ this }}',
    '{{ require }}',
  ]) {
    it(`refuses ${probe}`, async () => {
      const err = await renderError(probe);
      assert.match(err.reason, /unknown variable/);
      const problems = await validateTemplate(html(probe));
      assert.ok(problems.length >= 1, 'validation accepted it');
      assert.match(problems[0]!.reason, /unknown variable/);
    });
  }

  it('does not evaluate JavaScript-looking expressions', async () => {
    // Liquid has no expression language: this is an unknown variable, never a function call
    const err = await renderError("{{ customer.name.toString.call('x') }}");
    assert.match(err.reason, /unknown variable|expected|invalid/);
    const placeholder = ['$', '{process.env.HOME}'].join('');
    const out = await renderMessage(html(`{{ "${placeholder}" }}`), variables);
    assert.equal(out.html, placeholder);
  });

  it('refuses unknown filters', async () => {
    const problems = await validateTemplate(html('{{ customer.name | eval }}'));
    assert.match(problems[0]!.reason, /undefined filter: eval/);
  });
});

describe('sandbox: no hanging', () => {
  it('stops a loop over a huge range with a clear error', async () => {
    const started = Date.now();
    const err = await renderError('{% for i in (1..1000000000) %}{{ i }}{% endfor %}');
    assert.match(err.reason, /limit|memory/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('stops nested loops at the render limit', async () => {
    const started = Date.now();
    const parsed = parsePart(
      '{% for i in (1..5000) %}{% for j in (1..5000) %}x{% endfor %}{% endfor %}',
      'html',
    );
    await assert.rejects(
      renderPart(parsed, 'html', variables, 'en', { renderLimit: 300 }),
      (err: unknown) =>
        err instanceof TemplateError &&
        /rendering took longer than|loops ran more than|memory/.test(err.reason),
    );
    assert.ok(Date.now() - started < 10_000, 'the limit did not stop it in time');
  });

  it('caps the total loop iterations of a render independently of time', async () => {
    const parsed = parsePart(
      '{% for i in (1..3000) %}{% for j in (1..100) %}{{ j }}{% endfor %}{% endfor %}',
      'text',
    );
    const started = Date.now();
    await withLoopLimit(10_000, () =>
      assert.rejects(
        renderPart(parsed, 'text', variables, 'en', { renderLimit: 60_000 }),
        (err: unknown) =>
          err instanceof TemplateError &&
          /loops ran more than 10000 iterations/.test(err.reason) &&
          err.line === 1,
      ),
    );
    assert.ok(Date.now() - started < 10_000);
    // the default limit leaves room for real data: 30 000 iterations render
    const ok = parsePart(
      '{% for i in (1..300) %}{% for j in (1..100) %}{% endfor %}{% endfor %}done',
      'text',
    );
    assert.equal(await renderPart(ok, 'text', variables, 'en', { renderLimit: 60_000 }), 'done');
  });

  it('refuses a template source beyond the parse limit', () => {
    assert.throws(() => parsePart('x'.repeat(300_000), 'html'), /parse length limit|limit/);
  });
});
