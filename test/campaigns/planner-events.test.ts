/**
 * Event campaigns (customer_created, statement_monthly, promise_broken) and the default
 * campaign set, stepped day by day like the rule scenarios.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { campaigns, customer, invoice, Simulation } from './support/simulation.ts';

const DEFAULTS = campaigns(readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'));

describe('event campaigns', () => {
  it('customer_created: once, on the first send day on or after creation, within catch_up_days', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8     C1 created Sat 7 → welcome Mon 9.
    //  9 10 11 12 13 14 15     C2 created in 2025 → never. C3 created Wed 4 without a
    //                          deliverable address → a "no valid email" task on Wed 4.
    // C4 created Fri 6 with a "welcome call" task step at +3 (Mon 9).
    const defs = campaigns(`
campaigns:
  - key: welcome
    trigger: customer_created
    steps:
      - { key: welcome, offset_days: 0, template: welcome }
      - { key: welcome-call, offset_days: 3, action: task, task: "Welcome call: {{ customer.name }}" }
`);
    const sim = new Simulation(
      defs,
      [
        customer(1, { createdOn: '2026-03-07' }),
        customer(2, { createdOn: '2025-06-01' }),
        customer(3, { createdOn: '2026-03-04', contacts: [] }),
        customer(4, { createdOn: '2026-03-06' }),
      ],
      [],
    );
    sim.runDays('2026-03-02', '2026-03-13');
    assert.deepEqual(sim.table(), [
      '2026-03-04 C3 task no_email "No valid email for Customer 3"',
      '2026-03-06 C4 email welcome',
      '2026-03-09 C1 email welcome',
      '2026-03-09 C3 task other "Welcome call: Customer 3"',
      '2026-03-09 C4 task other "Welcome call: Customer 4"',
      '2026-03-10 C1 task other "Welcome call: Customer 1"',
    ]);
    assert.equal(sim.plans.flatMap((p) => p.messages).filter((m) => m.dunning).length, 0);
    assert.ok(sim.firings.some((f) => f.key === 'cust:1:welcome:welcome:0'));
  });

  it('statement_monthly: day 31 is the last day of short months; weekends wait; only customers with a balance', () => {
    //   February 2026            March 2026
    // Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su
    // 23 24 25 26 27 28  ·      2  3  4  5  6  7  8  …  30 31
    // Sat 28 Feb (the "31st" of February) waits → Mon 2 March; Tue 31 March fires on the day.
    // C1 lists only INV-1: INV-2 is disputed, INV-3 paid. C2 owes nothing → no statement.
    const defs = campaigns(`
campaigns:
  - key: statement
    trigger: statement_monthly
    day_of_month: 31
    steps: [ { key: statement, offset_days: 0, template: statement, attach: [statement] } ]
`);
    const sim = new Simulation(
      defs,
      [customer(1), customer(2)],
      [
        invoice(1, 1, '2026-03-20'),
        invoice(2, 1, '2026-02-01', { disputed: true }),
        invoice(3, 1, '2026-02-01'),
        invoice(4, 2, '2026-02-01'),
      ],
    );
    sim.pay(3, '2026-01-15');
    sim.pay(4, '2026-01-15');
    sim.runDays('2026-02-23', '2026-04-03');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email statement INV-1',
      '2026-03-31 C1 email statement INV-1',
    ]);
    assert.deepEqual(
      sim.firings.map((f) => `${f.date} ${f.key}`),
      ['2026-03-02 stmt:1:statement:2026-02', '2026-03-31 stmt:1:statement:2026-03'],
    );
    assert.deepEqual(
      sim.plans.flatMap((p) => p.messages.map((m) => m.attach)),
      [['statement'], ['statement']],
    );
  });

  it('promise_broken: a message and a collector task per broken promise, not for paid invoices or paused customers', () => {
    //      March 2026
    // Mo Tu We Th Fr Sa Su
    //  9 10 11 12 13 14 15     C1's promise on INV-1 broken Wed 11 → email + task Wed 11.
    // C1's promise on INV-2 broken Sat 14 → Mon 16. C2's promise broken Wed 11, but C2 is
    // paused until Fri 13 → Fri 13 (2 days late). C3's broken promise: INV-4 was paid since.
    const defs = campaigns(`
campaigns:
  - key: promise-broken
    trigger: promise_broken
    steps: [ { key: promise-broken, offset_days: 0, template: promise-broken } ]
`);
    const sim = new Simulation(
      defs,
      [customer(1), customer(2, { pausedUntil: '2026-03-13' }), customer(3)],
      [
        invoice(1, 1, '2026-02-20'),
        invoice(2, 1, '2026-02-25'),
        invoice(3, 2, '2026-02-20'),
        invoice(4, 3, '2026-02-20'),
      ],
    );
    sim.brokenPromises = [
      { promiseId: 1, customerId: 1, invoiceId: 1, brokenOn: '2026-03-11' },
      { promiseId: 2, customerId: 1, invoiceId: 2, brokenOn: '2026-03-14' },
      { promiseId: 3, customerId: 2, invoiceId: 3, brokenOn: '2026-03-11' },
      { promiseId: 4, customerId: 3, invoiceId: 4, brokenOn: '2026-03-11' },
    ];
    sim.pay(4, '2026-03-10');
    sim.runDays('2026-03-09', '2026-03-20');
    assert.deepEqual(sim.table(), [
      '2026-03-11 C1 email promise-broken INV-1',
      '2026-03-11 C1 task promise_broken "Promise to pay broken: Customer 1 (INV-1)" INV-1',
      '2026-03-13 C2 email promise-broken INV-3',
      '2026-03-13 C2 task promise_broken "Promise to pay broken: Customer 2 (INV-3)" INV-3',
      '2026-03-16 C1 email promise-broken INV-2',
      '2026-03-16 C1 task promise_broken "Promise to pay broken: Customer 1 (INV-2)" INV-2',
    ]);
    assert.deepEqual(
      sim.firings.map((f) => f.key),
      [
        'promise:1:promise-broken:promise-broken',
        'promise:3:promise-broken:promise-broken',
        'promise:2:promise-broken:promise-broken',
      ],
    );
  });

  it('event messages are separate from the dunning email of the same day', () => {
    // Mon 2 March 2026: C1 created that day, INV-1 due that day, statement day 1 was Sunday.
    const sim = new Simulation(
      DEFAULTS,
      [customer(1, { createdOn: '2026-03-02' })],
      [invoice(1, 1, '2026-03-02')],
    );
    sim.run('2026-03-02');
    assert.deepEqual(sim.table(), [
      '2026-03-02 C1 email due-today INV-1',
      '2026-03-02 C1 email statement INV-1',
      '2026-03-02 C1 email welcome',
    ]);
    assert.deepEqual(
      sim.plans[0]!.messages.map((m) => [m.campaignKey, m.dunning]),
      [
        ['standard', true],
        ['statement', false],
        ['welcome', false],
      ],
    );
  });
});

describe('default campaigns', () => {
  it('a key account gets gentle emails and call tasks; a standard account the full sequence', () => {
    //      March 2026                April 2026               May 2026
    // Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su
    //  2  3  4  5  6  7  8            1  2  3  4  5                  1  2  3
    //  9 10 11 12 13 14 15      6  7  8  9 10 11 12      4  5  6  7  8  9 10
    // 16 17 18 19 20 21 22     13 14 15 16 17 18 19     11 12 13 14 15 16 17
    // Both invoices due Wed 11 March. Key account: reminder Fri 6 (−5), due Wed 11, calls
    // Wed 18 (+7) and Wed 1 April (+21), final notice Sun 10 May (+60) → Mon 11. Statements
    // on the 1st (Sun 1 March → Mon 2). Standard: reminder Wed 4 (−7), due, past-due Sat 14
    // → Mon 16, follow-ups every 7 days from Sat 21 (→ Mon 23) to +45, final, and the call.
    const sim = new Simulation(
      DEFAULTS,
      [customer(1, { tags: ['key-account'] }), customer(2)],
      [invoice(1, 1, '2026-03-11'), invoice(2, 2, '2026-03-11')],
    );
    sim.runDays('2026-03-02', '2026-05-29');
    const rows = sim.table();
    assert.deepEqual(
      rows.filter((r) => r.includes(' C1 ')),
      [
        '2026-03-02 C1 email statement INV-1',
        '2026-03-06 C1 email reminder INV-1',
        '2026-03-11 C1 email due-today INV-1',
        '2026-03-18 C1 task call "Call Customer 1 about 1 overdue invoice(s)" INV-1',
        '2026-04-01 C1 email statement INV-1',
        '2026-04-01 C1 task call "Call Customer 1 again: 1 invoice(s) 3 weeks overdue" INV-1',
        '2026-05-01 C1 email statement INV-1',
        '2026-05-11 C1 email final-notice INV-1',
      ],
    );
    assert.deepEqual(
      rows.filter((r) => r.includes(' C2 ') && !r.includes('statement')),
      [
        '2026-03-04 C2 email reminder INV-2',
        '2026-03-11 C2 email due-today INV-2',
        '2026-03-16 C2 email past-due INV-2',
        '2026-03-23 C2 email past-due-followup INV-2',
        '2026-03-30 C2 email past-due-followup INV-2',
        '2026-04-06 C2 email past-due-followup INV-2',
        '2026-04-13 C2 email past-due-followup INV-2',
        '2026-04-20 C2 email past-due-followup INV-2',
        '2026-04-27 C2 email past-due-followup INV-2',
        '2026-05-11 C2 email final-notice INV-2',
        '2026-05-25 C2 task call "Call Customer 2 about 1 invoices" INV-2',
      ],
    );
  });
});
