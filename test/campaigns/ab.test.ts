/**
 * A/B steps (docs/campaigns.md), the pure parts: the arm assignment (deterministic, the split
 * ratio, independent per step), the file format (variant field, its checks with path, line and
 * column), the planner (arm b's template and offset, the arm recorded), R2 with A/B steps over
 * random ledgers, the forecast diff and a sample invoice's calendar.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sampleCalendar } from '../../src/campaigns/calendar.ts';
import {
  exportCampaignFile,
  inspectCampaignFile,
  parseCampaignFile,
} from '../../src/campaigns/definition.ts';
import { diffForecasts, type ForecastEntry } from '../../src/campaigns/diff.ts';
import { holidayChecker } from '../../src/campaigns/holidays.ts';
import { abArm, campaignForCustomer, forecast, planDay } from '../../src/campaigns/planner/index.ts';
import { dueWindows } from '../../src/campaigns/window.ts';
import { addDays, weekdayKey } from '../../src/ledger/dates.ts';
import { campaigns, customer, invoice, SETTINGS, Simulation } from './support/simulation.ts';

const AB = `
campaigns:
  - key: standard
    send_on: [mon, tue, wed, thu, fri, sat, sun]
    min_days_between: 1
    steps:
      - { key: due, offset_days: 0, template: due-today, variant: { template: reminder } }
      - { key: late, offset_days: 5, template: past-due, variant: { offset_days: 8, split_percent: 30 } }
      - { key: final, offset_days: 20, template: final-notice }
`;

describe('A/B arm assignment', () => {
  it('gives a customer the same arm every time, and only arms a and b', () => {
    for (let id = 1; id <= 200; id++) {
      const arm = abArm(id, 'standard', 'due', 50);
      assert.ok(arm === 'a' || arm === 'b');
      for (let again = 0; again < 3; again++) assert.equal(abArm(id, 'standard', 'due', 50), arm);
    }
    // A customer's arm of one step does not depend on which other customers exist or on order.
    const forward = [1, 2, 3, 4, 5].map((id) => abArm(id, 'standard', 'late', 30));
    const backward = [5, 4, 3, 2, 1].map((id) => abArm(id, 'standard', 'late', 30)).reverse();
    assert.deepEqual(forward, backward);
  });

  it('splits customers by split_percent within 2 points over 10,000 ids', () => {
    for (const split of [50, 30, 10, 90]) {
      let b = 0;
      for (let id = 1; id <= 10_000; id++) if (abArm(id, 'standard', 'due', split) === 'b') b++;
      const share = b / 100;
      assert.ok(Math.abs(share - split) < 2, `split ${split}: ${share} % in arm b`);
    }
  });

  it('assigns arms independently per step (each of the four combinations ≈ 25 %)', () => {
    const cells = { aa: 0, ab: 0, ba: 0, bb: 0 };
    for (let id = 1; id <= 10_000; id++) {
      const key =
        `${abArm(id, 'standard', 'due', 50)}${abArm(id, 'standard', 'late', 50)}` as keyof typeof cells;
      cells[key]++;
    }
    for (const [cell, n] of Object.entries(cells)) {
      assert.ok(Math.abs(n / 100 - 25) < 2, `${cell}: ${n / 100} %`);
    }
    // And per campaign: the same step key in another campaign is split on its own.
    let same = 0;
    for (let id = 1; id <= 10_000; id++) {
      if (abArm(id, 'standard', 'due', 50) === abArm(id, 'key-accounts', 'due', 50)) same++;
    }
    assert.ok(Math.abs(same / 100 - 50) < 2, `${same / 100} % agree across campaigns`);
  });
});

describe('A/B in the campaign file', () => {
  it('parses a variant, defaults split_percent to 50, and exports it back', () => {
    const file = parseCampaignFile(AB, 'ab.yaml');
    const [due, late, final] = file.campaigns[0]!.steps;
    assert.deepEqual(due!.variant, { template: 'reminder', splitPercent: 50 });
    assert.deepEqual(late!.variant, { offsetDays: 8, splitPercent: 30 });
    assert.equal(final!.variant, undefined);
    const again = parseCampaignFile(exportCampaignFile(file.campaigns, file.settings), 'export.yaml');
    assert.deepEqual(again, file);
  });

  const problem = (yaml: string) => {
    const result = inspectCampaignFile(yaml, 'ab.yaml');
    assert.equal(result.file, null, 'the draft should be refused');
    return result.problems[0]!;
  };
  const withStep = (step: string, extra = '') => `
campaigns:
  - key: standard${extra}
    steps:
      - { key: due, offset_days: 0, template: due-today }
      - ${step}
      - { key: final, offset_days: 20, template: final-notice }
`;

  it('refuses a variant that would move a step past its neighbour, naming path, line and column', () => {
    const p = problem(
      withStep('{ key: late, offset_days: 5, template: past-due, variant: { offset_days: 25 } }'),
    );
    assert.match(p.message, /step "late": variant\.offset_days 25 would move the step past step "final"/);
    assert.deepEqual(p.path, ['campaigns', 0, 'steps', 1, 'variant', 'offset_days']);
    assert.equal(p.line, 6);
    assert.equal(p.column, 82, 'the column of 25');
  });

  it('refuses variants that make no sense, each with its reason', () => {
    const cases: [string, RegExp][] = [
      [
        '{ key: late, offset_days: 5, template: past-due, variant: {} }',
        /variant needs template or offset_days/,
      ],
      [
        '{ key: late, offset_days: 5, template: past-due, variant: { template: past-due } }',
        /variant\.template is the step's own template/,
      ],
      [
        '{ key: late, offset_days: 5, action: task, task: "Call", variant: { template: reminder } }',
        /variant\.template is only for email steps/,
      ],
      [
        '{ key: late, offset_days: 5, repeat_every_days: 5, until_offset_days: 15, template: past-due, variant: { offset_days: 6 } }',
        /variant\.offset_days is not allowed on a repeating step/,
      ],
      [
        '{ key: late, offset_days: 5, template: past-due, variant: { template: reminder, split_percent: 100 } }',
        /variant\.split_percent must be a whole percent from 1 to 99/,
      ],
      [
        '{ key: late, offset_days: 5, template: past-due, variant: { colour: red } }',
        /unknown field "colour"/,
      ],
    ];
    for (const [step, expected] of cases) assert.match(problem(withStep(step)).message, expected);
    const event = problem(`
campaigns:
  - key: welcome
    trigger: customer_created
    steps: [ { key: welcome, offset_days: 0, template: welcome, variant: { template: reminder } } ]
`);
    assert.match(event.message, /variant is only for dunning campaigns/);
  });

  it('lists every shape problem of a draft with its location, and refuses two variants crossing', () => {
    const result = inspectCampaignFile(
      `campaigns:
  - key: standard
    steps:
      - { key: due, offset_days: zero, template: due-today }
      - { key: late, offset_days: 5, template: Past Due }
`,
      'draft.yaml',
    );
    assert.deepEqual(
      result.problems.map((p) => [p.path.join('.'), p.line]),
      [
        ['campaigns.0.steps.0.offset_days', 4],
        ['campaigns.0.steps.1.template', 5],
      ],
    );
    const crossing = problem(`
campaigns:
  - key: standard
    steps:
      - { key: a, offset_days: 5, template: past-due, variant: { offset_days: 8 } }
      - { key: b, offset_days: 10, template: final-notice, variant: { offset_days: 7 } }
`);
    assert.match(crossing.message, /would move the step past step "b"/);
  });
});

describe('A/B in the planner', () => {
  const [standard] = campaigns(AB);
  // Customers 1–40, each with one invoice due 2026-03-02 (a Monday).
  const DUE = '2026-03-02';
  const customers = Array.from({ length: 40 }, (_, i) => customer(i + 1));
  const invoices = customers.map((c) => invoice(c.id, c.id, DUE));

  it("sends arm b's template and fires arm b's offset, recording the arm on firing and message", () => {
    const sim = new Simulation([standard!], customers, invoices);
    const due = sim.run(DUE);
    const armOf = (id: number, step: string, split: number) => abArm(id, 'standard', step, split);
    const expectDue = customers.map((c) => (armOf(c.id, 'due', 50) === 'b' ? 'reminder' : 'due-today'));
    assert.deepEqual(
      due.messages.map((m) => m.template),
      expectDue,
    );
    assert.deepEqual(
      due.messages.map((m) => m.arm),
      customers.map((c) => armOf(c.id, 'due', 50)),
    );
    assert.ok(expectDue.includes('reminder') && expectDue.includes('due-today'), 'both arms are used');
    for (const f of due.firings) assert.equal(f.arm, armOf(f.customerId, 'due', 50));
    sim.send(DUE);
    for (let d = 1; d <= 9; d++) {
      const date = addDays(DUE, d);
      const plan = sim.run(date);
      sim.send(date);
      const late = plan.firings.filter((f) => f.stepKey === 'late');
      const expected = customers
        .filter((c) => (armOf(c.id, 'late', 30) === 'b' ? 8 : 5) === d)
        .map((c) => c.id);
      assert.deepEqual(
        late.map((f) => f.customerId),
        expected,
        `day +${d}: late fires for the customers whose arm puts it there`,
      );
      for (const f of late) {
        assert.equal(f.arm, armOf(f.customerId, 'late', 30));
        assert.equal(f.slotOffset, d);
      }
    }
  });

  it('keeps the slot keys of both arms the same (one slot, one firing) and resolves arms once per pattern', () => {
    const a = campaignForCustomer(
      standard!,
      customers.find((c) => abArm(c.id, 'standard', 'due', 50) === 'a')!.id,
    );
    const b = campaignForCustomer(
      standard!,
      customers.find((c) => abArm(c.id, 'standard', 'due', 50) === 'b')!.id,
    );
    assert.deepEqual(
      a.steps.map((s) => s.key),
      b.steps.map((s) => s.key),
    );
    assert.equal(campaignForCustomer(standard!, 7), campaignForCustomer(standard!, 7), 'cached');
  });

  it('R2 once still holds with A/B steps: repeated, missed and interleaved runs never record a slot twice, and a customer keeps its arm', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -30, max: 10 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 35 }),
        (dueOffsets, calendar) => {
          const people = [1, 2, 3, 4, 5, 6].map((id) => customer(id));
          const bills = dueOffsets.map((o, i) => invoice(i + 1, (i % people.length) + 1, addDays(DUE, o)));
          const sim = new Simulation([standard!], people, bills);
          for (const [i, mode] of calendar.entries()) {
            const date = addDays(DUE, i);
            const odd = people.filter((c) => c.id % 2 === 1).map((c) => c.id);
            const even = people.filter((c) => c.id % 2 === 0).map((c) => c.id);
            const batches =
              mode === 0
                ? []
                : mode === 1
                  ? [undefined]
                  : mode === 2
                    ? [undefined, undefined]
                    : [odd, even, undefined];
            for (const batch of batches) sim.commit(planDay(sim.input(date, batch)));
            sim.send(date);
          }
          const keys = sim.firings.map((f) => f.key);
          assert.equal(new Set(keys).size, keys.length);
          const arms = new Map<string, string>();
          for (const plan of sim.plans) {
            for (const f of plan.firings) {
              if (f.arm === undefined) continue;
              const who = `${f.customerId}:${f.stepKey}`;
              assert.equal(arms.get(who) ?? f.arm, f.arm, `${who} changed arm`);
              arms.set(who, f.arm);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('A/B and the steady day', () => {
  it('reads the invoices whose arm-b slot falls due (the variant offset is a due window)', () => {
    const [standard] = campaigns(AB);
    // Offsets 0, 5, 20 and arm b's 8: from P = 03-01 to D = 03-02, due dates D − o.
    const windows = dueWindows([standard!], '2026-03-01', '2026-03-02');
    assert.deepEqual(
      windows.map((w) => w.from),
      ['2026-02-10', '2026-02-22', '2026-02-25', '2026-03-02'],
    );
  });
});

describe('A/B and R10', () => {
  it('R10 with A/B steps: forecast day 1 = dry run, and a forecast of N days = running those days', () => {
    const [standard] = campaigns(AB);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -25, max: 15 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 15 }),
        (dueOffsets, historyDays, horizon) => {
          const DUE = '2026-03-02';
          const people = [1, 2, 3, 4, 5].map((id) => customer(id));
          const bills = dueOffsets.map((o, i) => invoice(i + 1, (i % people.length) + 1, addDays(DUE, o)));
          const sim = new Simulation([standard!], people, bills);
          for (let d = 0; d < historyDays; d++) {
            sim.run(addDays(DUE, d));
            sim.send(addDays(DUE, d));
          }
          const start = addDays(DUE, historyDays);
          const input = sim.input(start);
          const days = forecast(input, horizon);
          assert.deepEqual(days[0], planDay(input));
          const before = sim.plans.length;
          for (let d = 0; d < horizon; d++) sim.run(addDays(start, d));
          assert.deepEqual(sim.plans.slice(before), days);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('forecast diff', () => {
  const entry = (over: Partial<ForecastEntry>): ForecastEntry => ({
    slot: 'inv:1:standard:due:0',
    customer: 'C1',
    invoice: 'INV-1',
    campaign: 'standard',
    step: 'due',
    date: '2026-03-02',
    action: 'email',
    template: 'due-today',
    arm: null,
    ...over,
  });

  it('tells moved, template changed, added, removed and unchanged slots apart, with counts', () => {
    const before = [
      entry({}),
      entry({ slot: 'inv:1:standard:late:0', step: 'late', date: '2026-03-05', template: 'past-due' }),
      entry({ slot: 'inv:2:standard:due:0', customer: 'C2', invoice: 'INV-2' }),
      entry({ slot: 'inv:3:standard:due:0', customer: 'C3', invoice: 'INV-3' }),
    ];
    const after = [
      entry({}),
      entry({ slot: 'inv:1:standard:late:0', step: 'late', date: '2026-03-09', template: 'past-due' }),
      entry({ slot: 'inv:2:standard:due:0', customer: 'C2', invoice: 'INV-2', template: 'reminder' }),
      entry({ slot: 'inv:1:standard:extra:0', step: 'extra', date: '2026-03-04', template: 'reminder' }),
    ];
    const diff = diffForecasts(before, after);
    assert.deepEqual(diff.counts, {
      added: 1,
      removed: 1,
      moved: 1,
      template_changed: 1,
      unchanged: 1,
      customers: 3,
    });
    assert.deepEqual(
      diff.changes.map((c) => [c.change, c.customer, c.invoice, c.step, c.date_before, c.date_after]),
      [
        ['template_changed', 'C2', 'INV-2', 'due', '2026-03-02', '2026-03-02'],
        ['removed', 'C3', 'INV-3', 'due', '2026-03-02', null],
        ['added', 'C1', 'INV-1', 'extra', null, '2026-03-04'],
        ['moved', 'C1', 'INV-1', 'late', '2026-03-05', '2026-03-09'],
      ],
    );
    assert.equal(diff.changes[0]!.template_after, 'reminder');
    // One message per customer, campaign and day (R4): C1 on 03-02 and 03-05, C2, C3.
    assert.equal(diff.messages_before, 4);
    assert.equal(diff.messages_after, 4);
  });

  it('lists at most `limit` changes but counts them all', () => {
    const after = Array.from({ length: 30 }, (_, i) =>
      entry({ slot: `inv:${i}:standard:due:0`, customer: `C${i}` }),
    );
    const diff = diffForecasts([], after, 10);
    assert.equal(diff.changes.length, 10);
    assert.equal(diff.counts.added, 30);
    assert.equal(diff.truncated, true);
  });
});

describe('sample invoice calendar', () => {
  const isHoliday = holidayChecker();
  it('puts each step on its allowed day: a weekend slot fires on Monday, a holiday is skipped over', () => {
    const [c] = campaigns(`
campaigns:
  - key: standard
    holidays: [DE]
    steps:
      - { key: pre, offset_days: -7, template: reminder }
      - { key: due, offset_days: 0, template: due-today }
      - { key: late, offset_days: 5, template: past-due, variant: { offset_days: 6 } }
      - { key: call, offset_days: 30, action: task, task: "Call {{ customer.name }}" }
`);
    // Due Thursday 2026-12-17: pre falls on Thu 12-10; due on Thu 12-17; late (+5) on Tue 12-22,
    // arm b (+6) on Wed 12-23; call (+30) on Sat 2027-01-16 → Monday 01-18.
    const sample = { issueDate: '2026-12-01', dueDate: '2026-12-17', amount: 100000, currency: 'EUR' };
    const a = sampleCalendar(c!, sample, { settings: SETTINGS, arm: 'a', isHoliday });
    assert.deepEqual(
      a.map((s) => [s.step, s.due_on, s.date, s.outcome]),
      [
        ['pre', '2026-12-10', '2026-12-10', 'fired'],
        ['due', '2026-12-17', '2026-12-17', 'fired'],
        ['late', '2026-12-22', '2026-12-22', 'fired'],
        ['call', '2027-01-16', '2027-01-18', 'fired'],
      ],
    );
    const b = sampleCalendar(c!, sample, { settings: SETTINGS, arm: 'b', isHoliday });
    assert.deepEqual(b[2]!.date, '2026-12-23');
    assert.equal(weekdayKey(b[2]!.date!), 'wed');
    // Due on Christmas Eve (Thu): +1 is Christmas Day, +2 Boxing Day (German holidays), then the weekend.
    const [d] = campaigns(`
campaigns:
  - key: standard
    holidays: [DE]
    steps: [ { key: late, offset_days: 1, template: past-due } ]
`);
    const christmas = sampleCalendar(
      d!,
      { issueDate: '2026-12-01', dueDate: '2026-12-24', amount: 100, currency: 'EUR' },
      { settings: SETTINGS, arm: 'a', isHoliday },
    );
    assert.deepEqual(christmas[0]!.date, '2026-12-28');
  });

  it('skips a step that is already too late on the issue date, as R3 does', () => {
    const [c] = campaigns(`
campaigns:
  - key: standard
    send_on: [mon, tue, wed, thu, fri, sat, sun]
    steps:
      - { key: pre, offset_days: -20, template: reminder }
      - { key: due, offset_days: 0, template: due-today }
`);
    const steps = sampleCalendar(
      c!,
      { issueDate: '2026-03-01', dueDate: '2026-03-10', amount: 100, currency: 'EUR' },
      { settings: SETTINGS, arm: 'a', isHoliday },
    );
    assert.deepEqual(
      steps.map((s) => [s.step, s.outcome, s.reason, s.date]),
      [
        ['pre', 'skipped', 'too_late', null],
        ['due', 'fired', null, '2026-03-10'],
      ],
    );
    // An invoice issued years before it falls due still gets its steps (the horizon starts
    // at the first slot, not at the issue date).
    const longTerm = sampleCalendar(
      c!,
      { issueDate: '2016-01-01', dueDate: '2026-03-10', amount: 100, currency: 'EUR' },
      { settings: SETTINGS, arm: 'a', isHoliday },
    );
    assert.deepEqual(
      longTerm.map((s) => [s.step, s.date]),
      [
        ['pre', '2026-02-18'],
        ['due', '2026-03-10'],
      ],
    );
  });
});
