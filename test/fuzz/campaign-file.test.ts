/**
 * Fuzzing the campaign file parser (src/campaigns/definition.ts; issue 8, fuzz suite): the
 * shipped campaigns.yaml and a JSON version of it, damaged at the byte and line level and
 * spliced with YAML hazards (alias bombs, tags, anchors, deep nesting, duplicate keys, huge
 * numbers), plus generated campaign documents whose fields take random and near-miss values.
 *
 * Each file either parses into campaigns or throws one UserError whose one-line message starts
 * with the file name (and names the campaign, step and field when there is one), within the
 * per-case bound. Runs: DUNWELL_FUZZ_RUNS (CI default 300).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CAMPAIGNS_PATH, parseCampaignFile } from '../../src/campaigns/definition.ts';
import { UserError } from '../../src/platform/errors.ts';
import { assertClearError, fuzzParameters, fuzzRuns, mutate, mutation, show, Tally } from './support.ts';

const RUNS = fuzzRuns(300);
const FILE = 'campaigns.yaml';
const WHERE = /^campaigns\.yaml: /;

const yaml = readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8');
/** The shipped file as JSON (YAML 1.2 reads JSON too): a second seed with other syntax. */
const json = JSON.stringify(parseYaml(yaml), null, 2);

const SPLICES = [
  '\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
  '\n  - *undefined_alias\n',
  '!!js/function "function () { return process.env }"',
  '!!python/object/apply:os.system ["id"]',
  '<<: *x',
  '\n__proto__: { polluted: true }\n',
  '\n  constructor: { prototype: { polluted: true } }\n',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
  '{'.repeat(5000),
  '\nsettings:\n  send_at: "09:00"\n',
  'offset_days: 99999999999999999999999999',
  'offset_days: 1e400',
  'offset_days: .nan',
  'offset_days: -.inf',
  'offset_days: 0x7fffffff',
  'send_at: "24:00"',
  'send_on: [sun, sun, funday]',
  'holidays: [XX-YY, "", "../../etc/passwd"]',
  'task: "{% include \'/etc/passwd\' %}"',
  'task: "{{ customer.constructor }}"',
  'template: ../../etc/passwd',
  'currency_in: [EURO, "", null]',
  'min_open_balance: "-1"',
  'max_open_balance: "1e309"',
  'split_percent: 100',
  '\t',
  '\u0000',
  '\uFEFF',
  '%YAML 9.9\n---\n',
  '\n...\n---\n',
  "'unterminated",
  '"unterminated',
  '? complex key\n: value\n',
];

const values = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0, -0, 1.5, 1e21, Number.MAX_SAFE_INTEGER + 2, -7, 365_000),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    'late-1',
    'reminder',
    'mon',
    '09:00',
    'invoice',
    'statement',
    'EUR',
    'US',
    'task',
    'email',
    '',
  ),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom('mon', 'sat', 'invoice', 'billing', 'EUR', 'high', 'key-account', 1, null), {
    maxLength: 4,
  }),
);
const stepFields = fc.constantFrom(
  'key',
  'offset_days',
  'repeat_every_days',
  'until_offset_days',
  'action',
  'template',
  'attach',
  'cc',
  'task',
  'variant',
  'extra',
);
const campaignFields = fc.constantFrom(
  'key',
  'name',
  'priority',
  'trigger',
  'day_of_month',
  'audience',
  'send_on',
  'send_at',
  'min_days_between',
  'catch_up_days',
  'holidays',
  'nonsense',
);
const step = fc
  .tuple(
    fc.record({
      key: fc.constantFrom('a', 'b', 'late-1', 'A!'),
      offset_days: fc.integer({ min: -40, max: 90 }),
    }),
    fc.dictionary(stepFields, values, { maxKeys: 4 }),
  )
  .map(([base, extra]) => ({ ...base, template: 'reminder', ...extra }));
const campaign = fc
  .tuple(
    fc.record({ key: fc.constantFrom('c1', 'c2', 'c1', 'BAD KEY'), steps: fc.array(step, { maxLength: 4 }) }),
    fc.dictionary(campaignFields, values, { maxKeys: 3 }),
  )
  .map(([base, extra]) => ({ ...base, ...extra }));
const generated = fc
  .record(
    {
      settings: fc.dictionary(
        fc.constantFrom('max_emails_per_customer_per_week', 'send_at', 'send_on', 'holidays', 'bogus'),
        values,
        { maxKeys: 3 },
      ),
      campaigns: fc.oneof(fc.array(campaign, { maxLength: 3 }), values),
    },
    { requiredKeys: [] },
  )
  .chain((doc) => fc.constantFrom(JSON.stringify(doc), JSON.stringify(doc, null, 1)));

describe('fuzz: campaign files', () => {
  it('the seeds parse (so mutations start from valid files)', () => {
    assert.ok(parseCampaignFile(yaml, FILE).campaigns.length >= 3);
    assert.ok(parseCampaignFile(json, FILE).campaigns.length >= 3);
  });

  // found by this suite: an alias bomb escaped as the yaml package's ReferenceError, and deep
  // nesting said "Maximum call stack size exceeded"
  it('refuses an alias bomb and deep nesting with a clear error', () => {
    const bomb = `${yaml}\n${SPLICES[0]}`;
    assert.throws(
      () => parseCampaignFile(bomb, FILE),
      (e: unknown) =>
        e instanceof UserError && /^campaigns\.yaml: not usable YAML \(Excessive alias count/.test(e.message),
    );
    assert.throws(
      () => parseCampaignFile(`${'['.repeat(5000)}`, FILE),
      (e: unknown) =>
        e instanceof UserError &&
        /^campaigns\.yaml: line 1, column \d+: not valid YAML or JSON/.test(e.message) &&
        !/call stack/.test(e.message),
    );
  });

  // found by this suite's long mode: an unknown field's name was echoed whole (a 200 000-character
  // key made a 200 000-character message)
  it('names an unknown field in one short line, however long or odd the name', () => {
    for (const name of ['x'.repeat(200_000), 'a\nb\r\nc']) {
      assert.throws(
        () => parseCampaignFile(JSON.stringify({ campaigns: [], [name]: 1 }), FILE),
        (e: unknown) =>
          e instanceof UserError &&
          /^campaigns\.yaml: unknown field "/.test(e.message) &&
          e.message.length < 200 &&
          !/[\r\n]/.test(e.message),
      );
    }
  });

  it(`parses or refuses ${RUNS} damaged and generated campaign files, each with one clear error`, async () => {
    const tally = new Tally();
    const input = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(yaml, json), mutation(SPLICES)) },
      { weight: 2, arbitrary: generated.map((text) => [text, { kind: 'none' as const }] as const) },
    );
    await fc.assert(
      fc.asyncProperty(input, async ([seed, m]) => {
        const text = mutate(seed, m);
        const label = show(m, text);
        await tally.time(
          () => label,
          () => {
            try {
              const parsed = parseCampaignFile(text, FILE);
              assert.ok(Array.isArray(parsed.campaigns), label);
              for (const c of parsed.campaigns) assert.ok(c.steps.length > 0, label);
              tally.accepted++;
            } catch (err) {
              assertClearError(err, [UserError], WHERE, label);
              tally.refused++;
            }
          },
        );
        assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
      }),
      fuzzParameters(RUNS),
    );
    tally.report('campaign files');
    if (RUNS >= 100)
      assert.ok(tally.accepted > 0 && tally.refused > 0, 'the inputs must exercise both outcomes');
  });
});
