/**
 * One scenario per rule of PRODUCT §4 (R1–R10, R8b): build customers and invoices, step a
 * calendar day by day through the in-memory shell (support/simulation.ts), and assert a
 * table of what fired. Rows read "date customer email <template> <invoices>" or
 * "date customer task <kind> "<title>" <invoices>".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecast, planDay } from '../../src/campaigns/planner/index.ts';
import { campaigns, contact, customer, invoice, SETTINGS, Simulation } from './support/simulation.ts';

/** A short dunning sequence used by most scenarios (send_on mon–fri, catch_up_days 3). */
const BASIC = `
campaigns:
  - key: standard
    steps:
      - { key: due, offset_days: 0, template: due-today }
      - { key: late-1, offset_days: 3, template: past-due }
      - { key: late-n, offset_days: 10, repeat_every_days: 7, until_offset_days: 24, template: past-due-followup }
      - { key: call, offset_days: 30, action: task, task: "Call {{ customer.name }} about {{ invoices.size }} invoices" }
`;

describe('planner rules (PRODUCT §4)', () => {
  it('R1 exclusive: a customer is in the matching dunning campaign with the lowest priority, or none', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     all invoices due Mon 2
    // C1 (key-account) matches key (50) and standard (100) → key only.
    // C2 (no tags) matches standard only. C3 (vip) matches alpha and standard, both 100 →
    // alpha (tie broken by key). C4 (blocked) matches nothing → no dunning at all.
    const defs = campaigns(`
campaigns:
  - key: standard
    priority: 100
    audience: { tags_none: [blocked] }
    steps:
      - { key: due, offset_days: 0, template: due-today }
      - { key: late-1, offset_days: 3, template: past-due }
  - key: key
    priority: 50
    audience: { tags_any: [key-account] }
    steps: [ { key: due, offset_days: 0, template: key-due } ]
  - key: alpha
    priority: 100
    audience: { tags_any: [vip] }
    steps: [ { key: due, offset_days: 0, template: alpha-due } ]
`);
    const sim = new Simulation(
      defs,
      [
        customer(1, { tags: ['key-account'] }),
        customer(2),
        customer(3, { tags: ['VIP'] }),
        customer(4, { tags: ['blocked'] }),
      ],
      [
        invoice(1, 1, '2026-03-02'),
        invoice(2, 2, '2026-03-02'),
        invoice(3, 3, '2026-03-02'),
        invoice(4, 4, '2026-03-02'),
      ],
    );
    sim.runDays('2026-03-02', '2026-03-08');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email key-due INV-1',
      '2026-03-02 C2 email due-today INV-2',
      '2026-03-02 C3 email alpha-due INV-3',
      '2026-03-05 C2 email past-due INV-2',
    ]);
    const campaignsOf = (customerId: number) =>
      new Set(sim.firings.filter((f) => f.customerId === customerId).map((f) => f.campaignKey));
    assert.deepEqual([...campaignsOf(1)], ['key']);
    assert.deepEqual([...campaignsOf(3)], ['alpha']);
    assert.equal(campaignsOf(4).size, 0);
  });

  it('R1 exclusive: a campaign a person assigned wins over the audience match; an unknown one is ignored', () => {
    const defs = campaigns(`
campaigns:
  - key: standard
    priority: 100
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: gentle
    priority: 200
    audience: { tags_any: [never-matches] }
    steps: [ { key: due, offset_days: 0, template: gentle-due } ]
  - key: welcome
    trigger: customer_created
    steps: [ { key: hello, offset_days: 0, template: welcome } ]
`);
    const sim = new Simulation(
      defs,
      [
        customer(1, { assignedCampaign: 'gentle' }),
        customer(2, { assignedCampaign: 'retired-campaign' }),
        customer(3, { assignedCampaign: 'welcome' }),
        customer(4),
      ],
      [1, 2, 3, 4].map((n) => invoice(n, n, '2026-03-02')),
    );
    sim.runDays('2026-03-02', '2026-03-02');
    assert.deepEqual(
      sim.table().filter((row) => !row.includes(' welcome')),
      [
        '2026-03-02 C1 email gentle-due INV-1',
        '2026-03-02 C2 email due-today INV-2',
        '2026-03-02 C3 email due-today INV-3',
        '2026-03-02 C4 email due-today INV-4',
      ],
    );
  });

  it('R1 exclusive: min/max open balance compare the customer total in its own currency', () => {
    // C1 owes 600.00 EUR (and 900.00 USD, which does not count) → "large" (min 500);
    // C2 owes 400.00 EUR → "standard". Both invoices due Mon 2 March 2026.
    const defs = campaigns(`
campaigns:
  - key: standard
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: large
    priority: 10
    audience: { min_open_balance: "500", max_open_balance: 100000 }
    steps: [ { key: due, offset_days: 0, template: large-due } ]
`);
    const sim = new Simulation(
      defs,
      [customer(1), customer(2)],
      [
        invoice(1, 1, '2026-03-02', { amount: 60_000 }),
        invoice(2, 1, '2026-03-02', { amount: 90_000, currency: 'USD' }),
        invoice(3, 2, '2026-03-02', { amount: 40_000 }),
        invoice(4, 2, '2026-03-02', { amount: 90_000, currency: 'USD' }),
      ],
    );
    sim.runDays('2026-03-02', '2026-03-02');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email large-due INV-1,INV-2',
      '2026-03-02 C2 email due-today INV-3,INV-4',
    ]);
  });

  it('R2 once: each (invoice, step, occurrence) fires at most once, whatever the number of runs', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     INV-1 due Mon 2: due on 2, late-1 on 5
    // Runs: Mon 2 ×3, Tue 3, Thu 5 ×2, and a "second worker" planning Thu 5 from the same
    // snapshot as the first: it produces the same slot keys, which the UNIQUE constraint
    // (the simulation's commit) refuses.
    const sim = new Simulation(campaigns(BASIC), [customer(1)], [invoice(1, 1, '2026-03-02')]);
    sim.run('2026-03-02');
    sim.run('2026-03-02');
    sim.run('2026-03-02');
    sim.run('2026-03-03');
    const snapshot = sim.input('2026-03-05');
    sim.run('2026-03-05');
    sim.run('2026-03-05');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-1',
      '2026-03-05 C1 email past-due INV-1',
    ]);
    const concurrent = planDay(snapshot);
    assert.deepEqual(
      concurrent.firings.map((f) => f.key),
      ['inv:1:standard:late-1:0'],
    );
    assert.throws(() => sim.commit(concurrent), /R2 violated: slot inv:1:standard:late-1:0 recorded twice/);
    // Repeats are distinct occurrences: late-n fires at +10 and +17, each once.
    sim.runDays('2026-03-06', '2026-03-20');
    sim.runDays('2026-03-12', '2026-03-20');
    assert.deepEqual(
      sim.firings.filter((f) => f.outcome === 'fired').map((f) => `${f.date} ${f.key}`),
      [
        '2026-03-02 inv:1:standard:due:0',
        '2026-03-05 inv:1:standard:late-1:0',
        '2026-03-12 inv:1:standard:late-n:0',
        '2026-03-19 inv:1:standard:late-n:1',
      ],
    );
  });

  it('R3 catch-up: only the latest due step fires; earlier ones and late ones are skipped', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     INV-1 due Mon 2 (late-1 on Thu 5)
    //  9 10 11 12 13 14 15     INV-2 due Mon 2 too, but the engine is down until Fri 13
    // C1: runs on Mon 2, then three missed days (Tue 3 – Thu 5), back on Fri 6: late-1 is 1
    //     day late (≤ 3) → fires.
    // C2: first run on Fri 13 (offset 11): due and late-1 are superseded, late-n#0 (+10,
    //     1 day late) fires.
    // C3: invoices imported two years old (due 2024-02-28): every slot is in the past and
    //     the latest (call, +30) is far beyond catch_up_days → all skipped, nothing sent.
    const sim = new Simulation(
      campaigns(BASIC),
      [customer(1), customer(2), customer(3)],
      [
        invoice(1, 1, '2026-03-02'),
        invoice(2, 2, '2026-03-02'),
        invoice(3, 3, '2024-02-28'),
        invoice(4, 3, '2024-03-15'),
      ],
    );
    sim.run('2026-03-02', [1, 3]);
    sim.run('2026-03-06', [1, 3]);
    sim.run('2026-03-13');
    sim.runDays('2026-03-14', '2026-03-31');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-1',
      '2026-03-06 C1 email past-due INV-1',
      '2026-03-13 C1 email past-due-followup INV-1',
      '2026-03-13 C2 email past-due-followup INV-2',
      '2026-03-19 C1 email past-due-followup INV-1',
      '2026-03-19 C2 email past-due-followup INV-2',
      '2026-03-26 C1 email past-due-followup INV-1',
      '2026-03-26 C2 email past-due-followup INV-2',
    ]);
    assert.deepEqual(
      sim.skips().filter((s) => s.includes('inv:2:') || s.includes('inv:3:')),
      [
        '2026-03-02 inv:3:standard:due:0 superseded',
        '2026-03-02 inv:3:standard:late-1:0 superseded',
        '2026-03-02 inv:3:standard:late-n:0 superseded',
        '2026-03-02 inv:3:standard:late-n:1 superseded',
        '2026-03-02 inv:3:standard:late-n:2 superseded',
        '2026-03-02 inv:3:standard:call:0 too_late',
        '2026-03-13 inv:2:standard:due:0 superseded',
        '2026-03-13 inv:2:standard:late-1:0 superseded',
      ],
    );
    // The call task at +30 (Wed 1 April) for C1 and C2 still comes, once each.
    sim.runDays('2026-04-01', '2026-04-03');
    assert.deepEqual(sim.table().slice(8), [
      '2026-04-01 C1 task call "Call Customer 1 about 1 invoices" INV-1',
      '2026-04-01 C2 task call "Call Customer 2 about 1 invoices" INV-2',
    ]);
  });

  it('R4 grouping: one email per customer and day, template of the most advanced step, oldest due first', () => {
    //   Feb/March 2026
    // Mo Tu We Th Fr Sa Su
    //          26 27 28  1     INV-2 due Fri 27 Feb (late-1 on Mon 2)
    //  2  3  4  5  6  7  8     INV-1 due Mon 2 (due); INV-3 (USD) due Mon 2 (due)
    // Mon 2: all three fire together → one email "past-due" (late-1 is the most advanced),
    // listing INV-2 (oldest due) then INV-1 and INV-3 — two currencies in one message.
    const defs = campaigns(`
campaigns:
  - key: standard
    steps:
      - { key: due, offset_days: 0, template: due-today, attach: [invoice] }
      - { key: late-1, offset_days: 3, template: past-due, attach: [statement], cc: [account_manager] }
`);
    const sim = new Simulation(
      defs,
      [customer(1, { accountManagerEmail: 'am@seller.example' })],
      [
        invoice(1, 1, '2026-03-02'),
        invoice(2, 1, '2026-02-27'),
        invoice(3, 1, '2026-03-02', { currency: 'USD', amount: 5_000 }),
      ],
    );
    sim.run('2026-02-27');
    sim.run('2026-03-02');
    assert.deepEqual(sim.table(), [
      '2026-02-27 C1 email due-today INV-2',
      '2026-03-02 C1 email past-due INV-2,INV-1,INV-3',
    ]);
    const message = sim.plans[1]!.messages[0]!;
    assert.equal(message.stepKey, 'late-1');
    assert.deepEqual(message.attach, ['invoice', 'statement']);
    assert.deepEqual(
      message.cc.map((c) => c.email),
      ['am@seller.example'],
    );
    assert.deepEqual(
      message.invoices.map((i) => [i.number, i.currency, i.openBalance, i.stepKey]),
      [
        ['INV-2', 'EUR', 10_000, 'late-1'],
        ['INV-1', 'EUR', 10_000, 'due'],
        ['INV-3', 'USD', 5_000, 'due'],
      ],
    );
    // Every fired slot points at the message that carries it.
    assert.deepEqual(
      sim.plans[1]!.firings.map((f) => [f.key, f.messageIndex]),
      [
        ['inv:2:standard:late-1:0', 0],
        ['inv:1:standard:due:0', 0],
        ['inv:3:standard:due:0', 0],
      ],
    );
  });

  it('R5 throttle: dunning emails wait for min_days_between and the weekly cap; events are never throttled', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     INV-1..INV-4 due Mon 2 … Thu 5 (one "due" step, catch_up 7)
    //  9 10                    max 2 dunning emails per 7 days, min_days_between 1
    // Mon 2 INV-1, Tue 3 INV-2; Wed 4 – Fri 6 the weekly cap holds INV-3 and INV-4 (not
    // skipped); Sat/Sun are not send days; Mon 9 the window Tue 3 – Sun 8 holds one email,
    // so INV-3 and INV-4 go together. C1 was created Wed 4: its welcome is not throttled.
    const defs = campaigns(`
campaigns:
  - key: standard
    min_days_between: 1
    catch_up_days: 7
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: welcome
    trigger: customer_created
    steps: [ { key: welcome, offset_days: 0, template: welcome } ]
`);
    const sim = new Simulation(
      defs,
      [customer(1, { createdOn: '2026-03-04' })],
      [
        invoice(1, 1, '2026-03-02'),
        invoice(2, 1, '2026-03-03'),
        invoice(3, 1, '2026-03-04'),
        invoice(4, 1, '2026-03-05'),
      ],
    );
    sim.runDays('2026-03-02', '2026-03-10');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-1',
      '2026-03-03 C1 email due-today INV-2',
      '2026-03-04 C1 email welcome',
      '2026-03-09 C1 email due-today INV-3,INV-4',
    ]);
    assert.deepEqual(sim.waits(), [
      '2026-03-04 C1 standard throttle_weekly_cap INV-3',
      '2026-03-05 C1 standard throttle_weekly_cap INV-3,INV-4',
      '2026-03-06 C1 standard throttle_weekly_cap INV-3,INV-4',
      '2026-03-07 C1 standard calendar INV-3,INV-4',
      '2026-03-08 C1 standard calendar INV-3,INV-4',
    ]);
    assert.deepEqual(sim.skips(), []);
  });

  it('R5 throttle with two invoices due two days apart: grouping and throttle together', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     INV-A due Mon 2, INV-B due Wed 4; min_days_between 3
    //  9 10
    // Mon 2: A due. Wed 4: B due waits (an email on Mon 2). Thu 5: A late-1 and B due (1 day
    // late, within catch-up) fire in one email with the late-1 template. Sat 7: B late-1
    // falls on a weekend and waits; Mon 9: it fires (the window Sat 7 – Sun 8 is empty and
    // the week Tue 3 – Sun 8 holds one email).
    const defs = campaigns(`
campaigns:
  - key: standard
    steps:
      - { key: due, offset_days: 0, template: due-today }
      - { key: late-1, offset_days: 3, template: past-due }
`);
    const sim = new Simulation(
      defs,
      [customer(1)],
      [invoice(1, 1, '2026-03-02', { number: 'INV-A' }), invoice(2, 1, '2026-03-04', { number: 'INV-B' })],
    );
    sim.runDays('2026-03-02', '2026-03-10');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-A',
      '2026-03-05 C1 email past-due INV-A,INV-B',
      '2026-03-09 C1 email past-due INV-B',
    ]);
    assert.deepEqual(sim.waits(), [
      '2026-03-04 C1 standard throttle_min_days INV-B',
      '2026-03-07 C1 standard calendar INV-B',
      '2026-03-08 C1 standard calendar INV-B',
    ]);
  });

  it('R6 stop: nothing fires for paid, void, disputed, on-hold or promised invoices, nor for a paused customer', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     everything due Mon 2 (late-1 on Thu 5)
    // C1: INV-1 open → due on 2; paid on Wed 4 → no late-1. INV-2 disputed, INV-3 on hold,
    //     INV-5 void: never. INV-4 promised through Wed 4 → on Thu 5 due is superseded and
    //     late-1 fires.
    // C2: paused until Thu 5 → nothing Mon–Wed (nothing recorded either); Thu 5 late-1 fires.
    // C3: a payment for INV-7 lands after Monday's planning and before sending: the sender's
    //     re-check cancels the message; the cancelled message does not count for R5, so
    //     INV-8's due on Tue 3 fires. INV-7's late-1 never fires.
    const sim = new Simulation(
      campaigns(BASIC),
      [customer(1), customer(2, { pausedUntil: '2026-03-05' }), customer(3)],
      [
        invoice(1, 1, '2026-03-02'),
        invoice(2, 1, '2026-03-02', { disputed: true }),
        invoice(3, 1, '2026-03-02', { onHold: true }),
        invoice(4, 1, '2026-03-02', { promisedThrough: '2026-03-04' }),
        invoice(5, 1, '2026-03-02', { status: 'void' }),
        invoice(6, 2, '2026-03-02'),
        invoice(7, 3, '2026-03-02'),
        invoice(8, 3, '2026-03-03'),
      ],
    );
    sim.run('2026-03-02');
    sim.pay(7, '2026-03-02');
    sim.send('2026-03-02');
    sim.runDays('2026-03-03', '2026-03-06', (d) => {
      if (d === '2026-03-04') sim.pay(1, '2026-03-04');
    });
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-1',
      '2026-03-02 C3 email due-today INV-7',
      '2026-03-03 C3 email due-today INV-8',
      '2026-03-05 C1 email past-due INV-4',
      '2026-03-05 C2 email past-due INV-6',
      '2026-03-06 C3 email past-due INV-8',
    ]);
    assert.deepEqual(
      sim.messages.filter((m) => m.cancelled).map((m) => `${m.date} ${m.invoices.join(',')}`),
      ['2026-03-02 INV-7'],
    );
    assert.deepEqual(
      sim.firings.filter((f) => [2, 3, 5].includes(f.invoiceId ?? 0)),
      [],
      'no decision is recorded for disputed, on-hold or void invoices',
    );
    assert.equal(sim.firings.filter((f) => f.customerId === 2 && f.date < '2026-03-05').length, 0);
  });

  it('R7 recipients: To = dunning contacts with a deliverable address, Cc = roles; none left → a task', () => {
    // Mon 2 March 2026: INV-1 (C1) and INV-2 (C2) due; the final step cc's key contacts and
    // the account manager. C1: billing contact (To), an AP contact whose address bounced,
    // a key contact that does not receive dunning (Cc), a duplicate of the To address in the
    // key role (not repeated). C2: only a bounced address → a "no valid email" task that
    // carries the slot, so nothing is retried on Tue 3.
    const defs = campaigns(`
campaigns:
  - key: standard
    steps:
      - { key: due, offset_days: 0, template: due-today, cc: [key, account_manager] }
      - { key: call, offset_days: 1, action: task, task: "Call {{ customer.name }}" }
`);
    const sim = new Simulation(
      defs,
      [
        customer(1, {
          accountManagerEmail: 'am@seller.example',
          contacts: [
            contact(11, { email: 'billing@c1.example' }),
            contact(12, { email: 'ap@c1.example', role: 'ap', emailStatus: 'bounced' }),
            contact(13, { email: 'boss@c1.example', role: 'key', receivesDunning: false }),
            contact(14, { email: 'BILLING@c1.example', role: 'key', receivesDunning: false }),
            contact(15, { email: 'old@c1.example', role: 'key', emailStatus: 'complained' }),
          ],
        }),
        customer(2, { contacts: [contact(21, { emailStatus: 'bounced' }), contact(22, { email: null })] }),
      ],
      [invoice(1, 1, '2026-03-02'), invoice(2, 2, '2026-03-02')],
    );
    sim.runDays('2026-03-02', '2026-03-04');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-1',
      '2026-03-02 C2 task no_email "No valid email for Customer 2" INV-2',
      '2026-03-03 C1 task call "Call Customer 1" INV-1',
      '2026-03-03 C2 task call "Call Customer 2" INV-2',
    ]);
    const message = sim.plans[0]!.messages[0]!;
    assert.deepEqual(
      message.to.map((t) => t.email),
      ['billing@c1.example'],
    );
    assert.deepEqual(
      message.cc.map((c) => c.email),
      ['boss@c1.example', 'am@seller.example'],
    );
    const noEmail = sim.plans[0]!.firings.find((f) => f.customerId === 2)!;
    assert.deepEqual([noEmail.outcome, noEmail.taskIndex], ['fired', 0]);
  });

  it('R8 calendar: a step on a weekend or off-day waits for the next send day (R3 still applies)', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     send_on [mon, wed, fri]
    //  9 10 11 12 13 14 15
    // INV-1 due Sat 7 → waits Sat, Sun → fires Mon 9 (2 days late); its call (+4) Wed 11.
    // INV-2 due Tue 3 → waits Tue → fires Wed 4 (1 day late). The task step follows the
    //   calendar too: its call (+4) falls on Sat 7, waits, and is created on Mon 9.
    // INV-3 due Tue 10, catch_up_days 0 → Tue is not a send day and Wed is too late: skipped.
    const defs = campaigns(`
campaigns:
  - key: standard
    send_on: [mon, wed, fri]
    steps:
      - { key: due, offset_days: 0, template: due-today }
      - { key: call, offset_days: 4, action: task, task: "Call {{ customer.name }}" }
  - key: strict
    audience: { tags_any: [strict] }
    priority: 1
    send_on: [mon, wed, fri]
    catch_up_days: 0
    steps: [ { key: due, offset_days: 0, template: due-today } ]
`);
    const sim = new Simulation(
      defs,
      [customer(1), customer(2), customer(3, { tags: ['strict'] })],
      [invoice(1, 1, '2026-03-07'), invoice(2, 2, '2026-03-03'), invoice(3, 3, '2026-03-10')],
    );
    sim.runDays('2026-03-02', '2026-03-13');
    assert.deepEqual(sim.table(), [
      '2026-03-04 C2 email due-today INV-2',
      '2026-03-09 C1 email due-today INV-1',
      '2026-03-09 C2 task call "Call Customer 2" INV-2',
      '2026-03-11 C1 task call "Call Customer 1" INV-1',
    ]);
    assert.deepEqual(sim.skips(), ['2026-03-11 inv:3:strict:due:0 too_late']);
    assert.deepEqual(sim.waits(), [
      '2026-03-03 C2 standard calendar INV-2',
      '2026-03-07 C1 standard calendar INV-1',
      '2026-03-07 C2 standard calendar INV-2',
      '2026-03-08 C1 standard calendar INV-1',
      '2026-03-08 C2 standard calendar INV-2',
      '2026-03-10 C3 strict calendar INV-3',
    ]);
  });

  it('R8 calendar in the customer time zone: Pacific/Auckland across the DST change', () => {
    //    September 2026 (NZ daylight time starts Sun 27 at 02:00 → 03:00)
    // Mo Tu We Th Fr Sa Su
    // 21 22 23 24 25 26 27
    // 28 29 30
    // C1 (Auckland) INV-1 due Mon 28 with a reminder 3 days before (Fri 25); C2 (Berlin)
    // INV-2 due Mon 28. The scheduler ticks every 30 minutes (UTC); each customer is planned
    // once per local send day when its local time reaches 09:00: Auckland at 21:00 UTC the
    // day before under NZST (+12) and at 20:00 UTC under NZDT (+13); Berlin at 07:00 UTC.
    // (At the first tick, 00:00 UTC, it is already noon on Thu 24 in Auckland.)
    const defs = campaigns(`
campaigns:
  - key: standard
    steps:
      - { key: pre-due, offset_days: -3, template: reminder }
      - { key: due, offset_days: 0, template: due-today }
`);
    const sim = new Simulation(
      defs,
      [customer(1, { timeZone: 'Pacific/Auckland' }), customer(2, { timeZone: 'Europe/Berlin' })],
      [invoice(1, 1, '2026-09-28'), invoice(2, 2, '2026-09-28')],
    );
    const planned: string[] = [];
    for (
      let t = Date.parse('2026-09-24T00:00:00Z');
      t < Date.parse('2026-09-29T12:00:00Z');
      t += 30 * 60_000
    ) {
      for (const batch of sim.tick(new Date(t))) {
        planned.push(
          `${new Date(t).toISOString().slice(0, 16)} ${batch.date} C${batch.customerIds.join(',C')}`,
        );
      }
    }
    assert.deepEqual(planned, [
      '2026-09-24T00:00 2026-09-24 C1',
      '2026-09-24T07:00 2026-09-24 C2',
      '2026-09-24T21:00 2026-09-25 C1',
      '2026-09-25T07:00 2026-09-25 C2',
      '2026-09-27T20:00 2026-09-28 C1',
      '2026-09-28T07:00 2026-09-28 C2',
      '2026-09-28T20:00 2026-09-29 C1',
      '2026-09-29T07:00 2026-09-29 C2',
    ]);
    assert.deepEqual(sim.table(), [
      '2026-09-25 C1 email reminder INV-1',
      '2026-09-25 C2 email reminder INV-2',
      '2026-09-28 C1 email due-today INV-1',
      '2026-09-28 C2 email due-today INV-2',
    ]);
  });

  it('R8b holidays: public holidays of the campaign calendars are not send days', () => {
    //      January 2026             July 2026
    // Mo Tu We Th Fr Sa Su        Mo Tu We Th Fr Sa Su
    //     ·  1  2  3  4  ·         ·  ·  1  2  3  4  5
    //  5  6  7  8  9 10 11         6  7  8  9 10 11 12
    // Tue 6 Jan is Epiphany in Bavaria (DE-BY) but not in Berlin (DE-BE); Fri 3 July is the
    // US Independence Day holiday (observed, 4 July is a Saturday).
    // C1 (bavaria, DE-BY): INV-1 due Tue 6 Jan waits → Wed 7. C2 (berlin, DE-BE): Tue 6.
    // C3 (us, US): INV-3 due Fri 3 July waits through the weekend → Mon 6 (3 days late).
    const defs = campaigns(`
campaigns:
  - key: bavaria
    audience: { tags_any: [by] }
    holidays: [DE-BY]
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: berlin
    audience: { tags_any: [be] }
    holidays: [DE-BE]
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: us
    audience: { tags_any: [us] }
    holidays: [us]
    steps: [ { key: due, offset_days: 0, template: due-today } ]
`);
    const sim = new Simulation(
      defs,
      [customer(1, { tags: ['by'] }), customer(2, { tags: ['be'] }), customer(3, { tags: ['us'] })],
      [invoice(1, 1, '2026-01-06'), invoice(2, 2, '2026-01-06'), invoice(3, 3, '2026-07-03')],
    );
    sim.runDays('2026-01-05', '2026-01-09');
    sim.runDays('2026-07-01', '2026-07-08');
    assert.deepEqual(sim.table(), [
      '2026-01-06 C2 email due-today INV-2',
      '2026-01-07 C1 email due-today INV-1',
      '2026-07-06 C3 email due-today INV-3',
    ]);
    assert.deepEqual(sim.waits(), [
      '2026-01-06 C1 bavaria holiday INV-1',
      '2026-07-03 C3 us holiday INV-3',
      '2026-07-04 C3 us calendar INV-3',
      '2026-07-05 C3 us calendar INV-3',
    ]);
  });

  it('R9 replies: a reply pause (set by the shell) holds dunning; after it R3 decides', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     INV-1 due Mon 2; the customer replied on Mon 2 after the
    //  9 10 11 12 13 14 15     due notice → replyPausedUntil Sat 7 (2 + reply_pause_days 5)
    // late-1 (Thu 5) is held while paused and nothing is recorded; on Mon 9 it is 4 days
    // late (> catch_up_days 3) → skipped; late-n#0 fires on Thu 12 as usual.
    const sim = new Simulation(campaigns(BASIC), [customer(1)], [invoice(1, 1, '2026-03-02')]);
    sim.run('2026-03-02');
    sim.customers[0]!.replyPausedUntil = '2026-03-07';
    sim.runDays('2026-03-03', '2026-03-13');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-1',
      '2026-03-12 C1 email past-due-followup INV-1',
    ]);
    assert.equal(sim.firings.filter((f) => f.date > '2026-03-02' && f.date < '2026-03-07').length, 0);
    assert.deepEqual(sim.skips(), ['2026-03-09 inv:1:standard:late-1:0 too_late']);
  });

  it('R10 determinism: the plan is a pure function of data and date; forecast = dry run = run', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     a small ledger: two customers, four invoices, a welcome
    //  9 10 11 12 13 14 15     campaign, a statement on the 1st and the default catch-up.
    const defs = campaigns(`
${BASIC.trim()}
  - key: welcome
    trigger: customer_created
    steps: [ { key: welcome, offset_days: 0, template: welcome } ]
`);
    const makeSim = () =>
      new Simulation(
        defs,
        [customer(1, { createdOn: '2026-03-03' }), customer(2, { tags: ['x'] })],
        [
          invoice(1, 1, '2026-03-02'),
          invoice(2, 1, '2026-03-04'),
          invoice(3, 2, '2026-02-20'),
          invoice(4, 2, '2026-03-09', { currency: 'USD' }),
        ],
      );
    const sim = makeSim();
    sim.runDays('2026-03-02', '2026-03-04');
    const input = sim.input('2026-03-05');
    const dryRun = planDay(input);
    // Shuffled inputs plan the same day.
    const shuffled = {
      ...input,
      customers: [...input.customers].reverse(),
      invoices: [...input.invoices].reverse(),
      priorFirings: [...input.priorFirings].reverse(),
    };
    assert.deepEqual(planDay(shuffled), dryRun);
    const days = forecast(input, 14);
    assert.deepEqual(days[0], dryRun);
    // Running the days for real (no payments) gives exactly the forecast.
    sim.runDays('2026-03-05', '2026-03-18');
    assert.deepEqual(sim.plans.slice(3), days);
    assert.deepEqual(
      days.map((d) => `${d.date} ${d.messages.length} ${d.tasks.length}`).filter((r) => !r.endsWith(' 0 0')),
      ['2026-03-05 1 0', '2026-03-09 2 0', '2026-03-12 2 0', '2026-03-16 2 0'],
    );
  });

  it('uses the default settings of the EngineSettings passed in (weekly cap of 1)', () => {
    // Mon 2 and Fri 6 March 2026: INV-1 due Mon 2, INV-2 due Fri 6, cap 1 per week → INV-2
    // waits until Mon 9 (the window Tue 3 – Sun 8 is empty then).
    const sim = new Simulation(
      campaigns(`
campaigns:
  - key: standard
    steps: [ { key: due, offset_days: 0, template: due-today } ]
`),
      [customer(1)],
      [invoice(1, 1, '2026-03-02'), invoice(2, 1, '2026-03-06')],
      { ...SETTINGS, maxEmailsPerCustomerPerWeek: 1 },
    );
    sim.runDays('2026-03-02', '2026-03-09');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-1',
      '2026-03-09 C1 email due-today INV-2',
    ]);
  });
});
