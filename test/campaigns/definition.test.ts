/**
 * Campaign files: parsing, defaults, every validation message (file, campaign, step and
 * field named), the JSON Schema, the shipped defaults and the YAML export round trip.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  campaignJsonSchema,
  DEFAULT_CAMPAIGNS_PATH,
  exportCampaignFile,
  parseCampaignFile,
} from '../../src/campaigns/definition.ts';
import { UserError } from '../../src/platform/errors.ts';

const step = (s: string) => `campaigns:\n  - key: standard\n    steps:\n      - ${s}\n`;
const camp = (c: string) =>
  `campaigns:\n  - key: standard\n    ${c}\n    steps: [ { key: due, offset_days: 0, template: due-today } ]\n`;
const F = 'campaigns.yaml: ';
const C = `${F}campaign "standard": `;
const S = (key: string) => `${F}campaign "standard", step "${key}": `;
const HOLIDAY_HINT = 'is not a known holiday calendar; use a country code ("US") or country-region ("DE-BY")';

/** [what, file text, the exact error message]. */
const INVALID: [string, string, string][] = [
  [
    'broken YAML',
    'campaigns: [ {',
    `${F}line 1, column 15: not valid YAML or JSON (Flow map in block collection must be sufficiently indented and end with a })`,
  ],
  [
    'a repeated YAML key',
    'campaigns: []\ncampaigns: []',
    `${F}line 2, column 1: not valid YAML or JSON (Map keys must be unique)`,
  ],
  ['an empty file', '', `${F}the file is empty; it must have a "campaigns:" list`],
  ['a list at the top', '- a\n- b', `${F}must be a mapping with a campaigns list`],
  ['no campaigns', 'settings: {}', `${F}campaigns is required`],
  ['an unknown top-level field', 'campaigns: []\nextra: 1', `${F}unknown field "extra"`],
  [
    'a campaign that is not a mapping',
    'campaigns: [ 3 ]',
    `${F}campaign #1: must be a mapping with key and steps`,
  ],
  [
    'a campaign without key',
    'campaigns: [ { steps: [ { key: a, offset_days: 0, template: t } ] } ]',
    `${F}campaign #1: key is required`,
  ],
  [
    'a bad campaign key',
    'campaigns: [ { key: "Bad Key", steps: [ { key: a, offset_days: 0, template: t } ] } ]',
    `${F}campaign "Bad Key": key must be lower-case letters, digits, "-" or "_" (e.g. "late-1")`,
  ],
  [
    'duplicate campaign keys',
    'campaigns:\n  - { key: a, steps: [ { key: a, offset_days: 0, template: t } ] }\n  - { key: a, steps: [ { key: a, offset_days: 0, template: t } ] }',
    `${F}campaign "a": key is used by another campaign in this file; keys must be distinct`,
  ],
  ['no steps', 'campaigns: [ { key: a, steps: [] } ]', `${F}campaign "a": steps must list at least one step`],
  ['missing steps', 'campaigns: [ { key: a } ]', `${F}campaign "a": steps is required`],
  ['an unknown campaign field', camp('colour: red'), `${C}unknown field "colour"`],
  ['a priority that is not a number', camp('priority: high'), `${C}priority must be a whole number`],
  [
    'an unknown weekday',
    camp('send_on: [mon, funday]'),
    `${C}send_on[1] must be one of sun, mon, tue, wed, thu, fri, sat`,
  ],
  ['no weekday', camp('send_on: []'), `${C}send_on must name at least one weekday`],
  ['a weekday twice', camp('send_on: [mon, mon]'), `${C}send_on lists a weekday twice`],
  ['send_at not HH:MM', camp('send_at: "9am"'), `${C}send_at must be a time "HH:MM" between 00:00 and 23:59`],
  ['send_at 24:00', camp('send_at: "24:00"'), `${C}send_at must be a time "HH:MM" between 00:00 and 23:59`],
  ['min_days_between 0', camp('min_days_between: 0'), `${C}min_days_between must be a positive whole number`],
  ['negative catch_up_days', camp('catch_up_days: -1'), `${C}catch_up_days must be a whole number ≥ 0`],
  ['an unknown holiday country', camp('holidays: [XX]'), `${C}holidays[0] "XX" ${HOLIDAY_HINT}`],
  ['an unknown holiday region', camp('holidays: [DE-XX]'), `${C}holidays[0] "DE-XX" ${HOLIDAY_HINT}`],
  [
    'an unknown trigger',
    camp('trigger: birthday'),
    `${C}trigger must be customer_created, statement_monthly or promise_broken`,
  ],
  [
    'day_of_month without statement trigger',
    camp('day_of_month: 5'),
    `${C}day_of_month is only for campaigns with trigger: statement_monthly`,
  ],
  [
    'day_of_month 32',
    'campaigns: [ { key: s, trigger: statement_monthly, day_of_month: 32, steps: [ { key: s, offset_days: 0, template: statement } ] } ]',
    `${F}campaign "s": day_of_month must be a day of the month (1–31)`,
  ],
  [
    'a statement without day_of_month',
    'campaigns: [ { key: s, trigger: statement_monthly, steps: [ { key: s, offset_days: 0, template: statement } ] } ]',
    `${F}campaign "s": day_of_month is required for a statement_monthly campaign (1–31; 31 = last day)`,
  ],
  [
    'a statement step with an offset',
    'campaigns: [ { key: s, trigger: statement_monthly, day_of_month: 1, steps: [ { key: s, offset_days: 2, template: statement } ] } ]',
    `${F}campaign "s": steps must be exactly one step with offset_days 0 in a statement_monthly campaign`,
  ],
  [
    'a repeat in an event campaign',
    'campaigns: [ { key: w, trigger: customer_created, steps: [ { key: s, offset_days: 0, repeat_every_days: 2, until_offset_days: 4, template: welcome } ] } ]',
    `${F}campaign "w", step "s": repeat_every_days is not allowed in event campaigns`,
  ],
  [
    'a negative offset in an event campaign',
    'campaigns: [ { key: w, trigger: customer_created, steps: [ { key: s, offset_days: -1, template: welcome } ] } ]',
    `${F}campaign "w", step "s": offset_days must be ≥ 0 in an event campaign (days after the event)`,
  ],
  [
    'an unknown audience condition',
    camp('audience: { tag_any: [a] }'),
    `${C}audience has unknown field "tag_any"`,
  ],
  [
    'an unknown priority in the audience',
    camp('audience: { priority_in: [urgent] }'),
    `${C}audience.priority_in[0] must be high, normal or low`,
  ],
  [
    'an unknown currency in the audience',
    camp('audience: { currency_in: [EURO] }'),
    `${C}audience.currency_in[0] "EURO" is not an ISO 4217 currency code`,
  ],
  [
    'a bad amount',
    camp('audience: { min_open_balance: "1,000" }'),
    `${C}audience.min_open_balance must be an amount ≥ 0 in major units, e.g. "1000" or "99.50" (got "1,000")`,
  ],
  [
    'min above max',
    camp('audience: { min_open_balance: 1000, max_open_balance: "999.99" }'),
    `${C}audience.max_open_balance must be ≥ min_open_balance`,
  ],
  [
    'an audience that is a list',
    camp('audience: [a]'),
    `${C}audience must be a mapping of audience conditions`,
  ],
  [
    'repeat_every_days 0',
    step('{ key: late-n, offset_days: 10, repeat_every_days: 0, until_offset_days: 45, template: t }'),
    `${S('late-n')}repeat_every_days must be a positive whole number`,
  ],
  [
    'repeat_every_days 1.5',
    step('{ key: late-n, offset_days: 10, repeat_every_days: 1.5, until_offset_days: 45, template: t }'),
    `${S('late-n')}repeat_every_days must be a positive whole number`,
  ],
  [
    'a repeat without until',
    step('{ key: late-n, offset_days: 10, repeat_every_days: 7, template: t }'),
    `${S('late-n')}repeat_every_days needs until_offset_days (the last offset a repeat may fire at)`,
  ],
  [
    'until without repeat',
    step('{ key: late-n, offset_days: 10, until_offset_days: 45, template: t }'),
    `${S('late-n')}until_offset_days is only allowed together with repeat_every_days`,
  ],
  [
    'until before offset',
    step('{ key: late-n, offset_days: 10, repeat_every_days: 7, until_offset_days: 5, template: t }'),
    `${S('late-n')}until_offset_days must be ≥ offset_days`,
  ],
  ['a step without offset', step('{ key: due, template: t }'), `${S('due')}offset_days is required`],
  [
    'an offset that is text',
    step('{ key: due, offset_days: soon, template: t }'),
    `${S('due')}offset_days must be a whole number of days`,
  ],
  [
    'an email step without template',
    step('{ key: due, offset_days: 0 }'),
    `${S('due')}template is required for an email step`,
  ],
  [
    'a task step without title',
    step('{ key: call, offset_days: 0, action: task }'),
    `${S('call')}task is required for a task step (the task title)`,
  ],
  [
    'a task title on an email step',
    step('{ key: call, offset_days: 0, template: t, task: "Call" }'),
    `${S('call')}task is only for steps with action: task`,
  ],
  [
    'a template on a task step',
    step('{ key: call, offset_days: 0, action: task, task: "Call", template: t }'),
    `${S('call')}template is only for email steps`,
  ],
  [
    'attachments on a task step',
    step('{ key: call, offset_days: 0, action: task, task: "Call", attach: [invoice] }'),
    `${S('call')}attach is only for email steps`,
  ],
  [
    'cc on a task step',
    step('{ key: call, offset_days: 0, action: task, task: "Call", cc: [ap] }'),
    `${S('call')}cc is only for email steps`,
  ],
  [
    'an unknown variable in a task title',
    step('{ key: call, offset_days: 0, action: task, task: "Call {{ customer.nam }}" }'),
    `${S('call')}task is not a valid task title: undefined variable: customer.nam, line:1, col:9`,
  ],
  [
    'bad Liquid syntax in a task title',
    step('{ key: call, offset_days: 0, action: task, task: "Call {{ customer.name" }'),
    `${S('call')}task is not a valid task title: output "{{ customer.name" not closed, line:1, col:6`,
  ],
  [
    'an unknown filter in a task title',
    step('{ key: call, offset_days: 0, action: task, task: "Call {{ customer.name | shout }}" }'),
    `${S('call')}task is not a valid task title: undefined filter: shout, line:1, col:6`,
  ],
  [
    'a file include in a task title',
    step(`{ key: call, offset_days: 0, action: task, task: "{% include 'x' %}" }`),
    `${S('call')}task is not a valid task title: ENOENT: Failed to lookup "x" in "", line:1, col:1`,
  ],
  [
    'a prototype walk in a task title',
    step('{ key: call, offset_days: 0, action: task, task: "{{ customer.constructor }}" }'),
    `${S('call')}task is not a valid task title: undefined variable: customer.constructor, line:1, col:4`,
  ],
  [
    'a task title that renders empty',
    step('{ key: call, offset_days: 0, action: task, task: "{% if false %}x{% endif %}" }'),
    `${S('call')}task is not a valid task title: renders to an empty title`,
  ],
  [
    'an unknown action',
    step('{ key: call, offset_days: 0, action: sms, template: t }'),
    `${S('call')}action must be email or task`,
  ],
  [
    'an unknown attachment',
    step('{ key: due, offset_days: 0, template: t, attach: [pdf] }'),
    `${S('due')}attach[0] must be invoice or statement`,
  ],
  [
    'an unknown cc role',
    step('{ key: due, offset_days: 0, template: t, cc: [boss] }'),
    `${S('due')}cc[0] must be a contact role (billing, ap, key, other) or account_manager`,
  ],
  [
    'an unknown step field',
    step('{ key: due, offset_days: 0, template: t, colour: red }'),
    `${S('due')}unknown field "colour"`,
  ],
  [
    'a step without key',
    step('{ offset_days: 0, template: t }'),
    `${F}campaign "standard", step #1: key is required`,
  ],
  [
    'duplicate step keys',
    'campaigns:\n  - key: standard\n    steps:\n      - { key: due, offset_days: 0, template: t }\n      - { key: due, offset_days: 1, template: t }',
    `${S('due')}key is used by another step of this campaign; step keys must be distinct`,
  ],
  [
    'duplicate offsets',
    'campaigns:\n  - key: standard\n    steps:\n      - { key: due, offset_days: 0, template: t }\n      - { key: due2, offset_days: 0, template: t }',
    `${S('due2')}offset_days puts a slot on offset 0, which step "due" already uses; offsets must be distinct within a campaign`,
  ],
  [
    'a repeat landing on another step',
    'campaigns:\n  - key: standard\n    steps:\n      - { key: late-n, offset_days: 10, repeat_every_days: 7, until_offset_days: 45, template: t }\n      - { key: x, offset_days: 24, template: t }',
    `${S('x')}offset_days puts a slot on offset 24, which step "late-n" already uses; offsets must be distinct within a campaign`,
  ],
  [
    'an unknown setting',
    'settings: { max_emails: 2 }\ncampaigns: []',
    `${F}settings has unknown field "max_emails"`,
  ],
  [
    'a weekly cap of 0',
    'settings: { max_emails_per_customer_per_week: 0 }\ncampaigns: []',
    `${F}settings.max_emails_per_customer_per_week must be a positive whole number`,
  ],
  [
    'an unknown default holiday calendar',
    'settings: { holidays: [ZZ] }\ncampaigns: []',
    `${F}settings.holidays[0] "ZZ" ${HOLIDAY_HINT}`,
  ],
  [
    'JSON with an offset as text',
    '{"campaigns": [{"key": "a", "steps": [{"key": "d", "offset_days": "0", "template": "t"}]}]}',
    `${F}campaign "a", step "d": offset_days must be a whole number of days`,
  ],
];

describe('campaign files', () => {
  it('parses the PRODUCT §4 example with defaults filled in', () => {
    const file = parseCampaignFile(
      `
campaigns:
  - key: standard
    name: Standard accounts
    priority: 100
    audience: { tags_none: [key-account], priority_in: [normal, low] }
    send_on: [mon, tue, wed, thu, fri]
    send_at: "09:00"
    min_days_between: 3
    steps:
      - { key: pre-due,  offset_days: -7, template: reminder,     attach: [invoice] }
      - { key: due,      offset_days: 0,  template: due-today }
      - { key: late-1,   offset_days: 3,  template: past-due,     attach: [invoice] }
      - { key: late-n,   offset_days: 10, repeat_every_days: 7, until_offset_days: 45, template: past-due-followup }
      - { key: final,    offset_days: 60, template: final-notice, attach: [statement], cc: [account_manager] }
      - { key: call,     offset_days: 75, action: task, task: "Call {{ customer.name }} about {{ invoices.size }} invoices" }
  - key: welcome
    trigger: customer_created
    steps: [ { key: welcome, offset_days: 0, template: welcome } ]
`,
      'campaigns.yaml',
    );
    assert.deepEqual(file.settings, { maxEmailsPerCustomerPerWeek: 2 });
    const [standard, welcome] = file.campaigns;
    assert.deepEqual(standard!.audience, { tagsNone: ['key-account'], priorityIn: ['normal', 'low'] });
    assert.deepEqual(
      [standard!.catchUpDays, standard!.promiseGraceDays, standard!.replyPauseDays, standard!.holidays],
      [3, 2, 5, []],
    );
    assert.deepEqual(standard!.steps[3], {
      key: 'late-n',
      offsetDays: 10,
      repeatEveryDays: 7,
      untilOffsetDays: 45,
      action: 'email',
      template: 'past-due-followup',
      attach: [],
      cc: [],
    });
    assert.equal(standard!.steps[5]!.action, 'task');
    assert.deepEqual(
      [
        welcome!.trigger,
        welcome!.name,
        welcome!.priority,
        welcome!.sendOn,
        welcome!.sendAt,
        welcome!.minDaysBetween,
      ],
      ['customer_created', 'welcome', 100, ['mon', 'tue', 'wed', 'thu', 'fri'], '09:00', 3],
    );
  });

  it('takes campaign defaults from the settings block and normalises codes', () => {
    const file = parseCampaignFile(
      `{"settings": {"max_emails_per_customer_per_week": 4, "catch_up_days": 1, "send_on": ["mon"], "send_at": "07:30", "holidays": ["de-by"]},
        "campaigns": [{"key": "a", "audience": {"currency_in": ["eur"], "language_in": ["DE"], "customer_ids": [42, "C-7"], "min_open_balance": "0100.500"},
                       "steps": [{"key": "d", "offset_days": 0, "template": "t"}]},
                      {"key": "b", "catch_up_days": 0, "holidays": [], "steps": [{"key": "d", "offset_days": 0, "template": "t"}]}]}`,
      'campaigns.json',
    );
    assert.equal(file.settings.maxEmailsPerCustomerPerWeek, 4);
    const [a, b] = file.campaigns;
    assert.deepEqual([a!.catchUpDays, a!.sendOn, a!.sendAt, a!.holidays], [1, ['mon'], '07:30', ['DE-BY']]);
    assert.deepEqual(a!.audience, {
      currencyIn: ['EUR'],
      languageIn: ['de'],
      customerIds: ['42', 'C-7'],
      minOpenBalance: '100.5',
    });
    assert.deepEqual([b!.catchUpDays, b!.holidays], [0, []]);
  });

  for (const [what, text, message] of INVALID) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => parseCampaignFile(text, 'campaigns.yaml'),
        (error: unknown) => {
          assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
          assert.equal(error.message, message);
          return true;
        },
      );
    });
  }

  it('ships valid defaults: standard, key-accounts, welcome, statement and promise-broken', () => {
    const file = parseCampaignFile(readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'), 'campaigns.yaml');
    const byKey = new Map(file.campaigns.map((c) => [c.key, c]));
    assert.deepEqual([...byKey.keys()].sort(), [
      'key-accounts',
      'promise-broken',
      'standard',
      'statement',
      'welcome',
    ]);
    assert.equal(byKey.get('key-accounts')!.priority < byKey.get('standard')!.priority, true);
    assert.deepEqual(byKey.get('standard')!.audience, { tagsNone: ['key-account'] });
    assert.deepEqual(byKey.get('key-accounts')!.audience, { tagsAny: ['key-account'] });
    // Key accounts: no strong emails between due and final — calls instead.
    assert.deepEqual(
      byKey.get('key-accounts')!.steps.map((s) => `${s.offsetDays}:${s.action}:${s.template ?? ''}`),
      ['-5:email:reminder', '0:email:due-today', '7:task:', '21:task:', '60:email:final-notice'],
    );
    assert.deepEqual(
      [byKey.get('statement')!.trigger, byKey.get('statement')!.dayOfMonth],
      ['statement_monthly', 1],
    );
    assert.deepEqual(byKey.get('statement')!.steps[0]!.attach, ['statement']);
    assert.equal(byKey.get('welcome')!.trigger, 'customer_created');
    assert.equal(byKey.get('promise-broken')!.steps[0]!.template, 'promise-broken');
    const templates = new Set(file.campaigns.flatMap((c) => c.steps.map((s) => s.template).filter(Boolean)));
    const known = [
      'welcome',
      'reminder',
      'due-today',
      'past-due',
      'past-due-followup',
      'final-notice',
      'statement',
      'promise-confirmation',
      'promise-broken',
      'dispute-received',
    ];
    for (const t of templates)
      assert.ok(known.includes(t!), `default template "${t}" is one of PRODUCT §5's`);
  });

  it('exports YAML that parses back to the same definitions', () => {
    const original = parseCampaignFile(readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'), 'campaigns.yaml');
    const text = exportCampaignFile(original.campaigns, original.settings);
    assert.match(text, /send_at: "09:00"/);
    assert.match(
      text,
      /- \{ key: late-n, offset_days: 10, repeat_every_days: 7, until_offset_days: 45, template: past-due-followup \}/,
    );
    assert.deepEqual(parseCampaignFile(text, 'export.yaml'), original);
    // A file with every optional field set survives the round trip too.
    const rich = parseCampaignFile(
      `
settings: { max_emails_per_customer_per_week: 5 }
campaigns:
  - key: rich
    name: "Rich: all fields"
    priority: -3
    audience: { tags_any: [a], tags_all: [b, c], tags_none: [d], priority_in: [high], currency_in: [USD], min_open_balance: "10.5", max_open_balance: 99, customer_ids: [X1], language_in: [fr] }
    send_on: [sat, sun]
    send_at: "23:59"
    min_days_between: 7
    catch_up_days: 0
    promise_grace_days: 9
    reply_pause_days: 1
    holidays: [US, DE-BY]
    steps:
      - { key: a, offset_days: -30, template: reminder, attach: [statement, invoice], cc: [ap, account_manager] }
      - { key: b, offset_days: 1, repeat_every_days: 3, until_offset_days: 20, template: past-due }
      - { key: c, offset_days: 21, action: task, task: "{{ invoices.size }} × {{ customer.name | upcase }}" }
  - key: stmt
    trigger: statement_monthly
    day_of_month: 31
    steps: [ { key: s, offset_days: 0, template: statement, attach: [statement] } ]
`,
      'rich.yaml',
    );
    assert.deepEqual(
      parseCampaignFile(exportCampaignFile(rich.campaigns, rich.settings), 'export.yaml'),
      rich,
    );
  });

  it('publishes a JSON Schema that describes the file', () => {
    const schema = campaignJsonSchema() as {
      $schema: string;
      required: string[];
      properties: { campaigns: { items: { properties: Record<string, unknown>; required: string[] } } };
    };
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(schema.required, ['campaigns']);
    const campaign = schema.properties.campaigns.items;
    assert.deepEqual(campaign.required.sort(), ['key', 'steps']);
    for (const field of [
      'audience',
      'send_on',
      'send_at',
      'min_days_between',
      'catch_up_days',
      'holidays',
      'trigger',
      'day_of_month',
    ]) {
      assert.ok(field in campaign.properties, `schema lists ${field}`);
    }
    assert.doesNotThrow(() => JSON.stringify(schema));
  });
});
