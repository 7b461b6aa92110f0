/**
 * Properties of the planner over random ledgers and calendars (fast-check):
 * - R2: no slot is ever recorded twice, across repeated, missed and interleaved runs
 *   (customers planned in separate batches, in either order, and again all together);
 * - R10: forecast day 1 = planDay (the dry run) = what run commits, and a forecast of N days
 *   equals running those N days when nothing is paid; input order does not matter;
 * - no message ever lists a paid, void or disputed invoice.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { forecast, planDay } from '../../src/campaigns/planner/index.ts';
import type { DayPlan, PlannerInput } from '../../src/campaigns/planner/types.ts';
import { addDays } from '../../src/ledger/dates.ts';
import { campaigns, contact, customer, invoice, Simulation } from './support/simulation.ts';

const BASE = '2026-03-02';
const DEFAULTS = campaigns(readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'));
const TIGHT = campaigns(`
settings: { max_emails_per_customer_per_week: 3, min_days_between: 1, catch_up_days: 2, holidays: [DE-BY] }
campaigns:
  - key: fast
    audience: { tags_any: [fast] }
    priority: 10
    send_on: [mon, tue, wed, thu, fri, sat]
    steps:
      - { key: due, offset_days: 0, template: due-today, cc: [ap] }
      - { key: again, offset_days: 1, repeat_every_days: 2, until_offset_days: 15, template: past-due }
      - { key: call, offset_days: 16, action: task, task: "Call {{ customer.name }}" }
  - key: slow
    steps:
      - { key: pre, offset_days: -2, template: reminder }
      - { key: late, offset_days: 5, repeat_every_days: 5, until_offset_days: 30, template: past-due-followup }
  - key: welcome
    trigger: customer_created
    steps: [ { key: welcome, offset_days: 0, template: welcome } ]
  - key: statement
    trigger: statement_monthly
    day_of_month: 30
    catch_up_days: 5
    steps: [ { key: statement, offset_days: 0, template: statement } ]
  - key: promise-broken
    trigger: promise_broken
    steps: [ { key: promise-broken, offset_days: 0, template: promise-broken } ]
`);

const ledgerArb = fc.record({
  campaignSet: fc.constantFrom(DEFAULTS, TIGHT),
  customers: fc.array(
    fc.record({
      tags: fc.subarray(['key-account', 'fast']),
      createdOffset: fc.integer({ min: -40, max: 30 }),
      contacts: fc.array(
        fc.record({
          status: fc.constantFrom('ok', 'ok', 'bounced', 'complained'),
          role: fc.constantFrom('billing', 'ap', 'key'),
          receives: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      pausedUntilOffset: fc.option(fc.integer({ min: 0, max: 30 }), { freq: 5 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  invoices: fc.array(
    fc.record({
      customer: fc.nat(),
      dueOffset: fc.integer({ min: -800, max: 30 }),
      amount: fc.integer({ min: 1, max: 100_000 }),
      currency: fc.constantFrom('EUR', 'EUR', 'USD'),
      flags: fc.integer({ min: 0, max: 19 }),
      promisedThroughOffset: fc.option(fc.integer({ min: -5, max: 20 }), { freq: 6 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  payments: fc.array(
    fc.record({
      invoice: fc.nat(),
      dayOffset: fc.integer({ min: -10, max: 40 }),
      part: fc.constantFrom(1, 2),
    }),
    { maxLength: 4 },
  ),
  promises: fc.array(fc.record({ invoice: fc.nat(), brokenOffset: fc.integer({ min: -3, max: 30 }) }), {
    maxLength: 2,
  }),
});

type Ledger = typeof ledgerArb extends fc.Arbitrary<infer T> ? T : never;

function buildSimulation(ledger: Ledger, withPayments: boolean): Simulation {
  const customers = ledger.customers.map((c, i) =>
    customer(i + 1, {
      tags: c.tags,
      createdOn: addDays(BASE, c.createdOffset),
      pausedUntil: c.pausedUntilOffset === null ? null : addDays(BASE, c.pausedUntilOffset),
      contacts: c.contacts.map((k, j) =>
        contact((i + 1) * 100 + j, {
          role: k.role as 'billing' | 'ap' | 'key',
          emailStatus: k.status as 'ok' | 'bounced' | 'complained',
          receivesDunning: k.receives,
        }),
      ),
    }),
  );
  const invoices = ledger.invoices.map((inv, i) =>
    invoice(i + 1, (inv.customer % customers.length) + 1, addDays(BASE, inv.dueOffset), {
      amount: inv.amount,
      currency: inv.currency,
      // flags 0–1 disputed, 2 on hold, 3 void: roughly 10 %, 5 %, 5 % of invoices.
      disputed: inv.flags <= 1,
      onHold: inv.flags === 2,
      status: inv.flags === 3 ? 'void' : 'open',
      promisedThrough: inv.promisedThroughOffset === null ? null : addDays(BASE, inv.promisedThroughOffset),
    }),
  );
  const sim = new Simulation(ledger.campaignSet, customers, invoices);
  if (withPayments) {
    for (const p of ledger.payments) {
      const inv = invoices[p.invoice % invoices.length]!;
      sim.pay(inv.id, addDays(BASE, p.dayOffset), Math.ceil(inv.amount / p.part));
    }
  }
  sim.brokenPromises = ledger.promises.map((p, i) => {
    const inv = invoices[p.invoice % invoices.length]!;
    return {
      promiseId: i + 1,
      customerId: inv.customerId,
      invoiceId: inv.id,
      brokenOn: addDays(BASE, p.brokenOffset),
    };
  });
  return sim;
}

/** No message lists an invoice that is paid, void or disputed on the planned day. */
function assertListsOnlyCollectable(plan: DayPlan, input: PlannerInput): void {
  const byId = new Map(input.invoices.map((i) => [i.id, i]));
  for (const m of plan.messages) {
    for (const listed of m.invoices) {
      const inv = byId.get(listed.invoiceId)!;
      assert.ok(inv.openBalance > 0, `${plan.date}: ${inv.number} is paid`);
      assert.equal(inv.status, 'open', `${plan.date}: ${inv.number} is ${inv.status}`);
      assert.equal(inv.disputed, false, `${plan.date}: ${inv.number} is disputed`);
    }
  }
}

// 0 = missed day, 1 = one run, 2 = two runs, 3 = interleaved batches (odd ids, even ids, all),
// 4 = interleaved the other way round.
const calendarArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 5, maxLength: 45 });

function runDay(sim: Simulation, date: string, mode: number): void {
  const ids = sim.customers.map((c) => c.id);
  const odd = ids.filter((id) => id % 2 === 1);
  const even = ids.filter((id) => id % 2 === 0);
  const batches =
    mode === 0
      ? []
      : mode === 1
        ? [ids]
        : mode === 2
          ? [ids, ids]
          : mode === 3
            ? [odd, even, ids]
            : [even, odd, ids];
  for (const batch of batches) {
    if (batch.length === 0) continue;
    const input = sim.input(date, batch);
    const plan = planDay(input);
    assertListsOnlyCollectable(plan, input);
    sim.commit(plan); // throws on a second insert of a slot key (R2)
  }
  sim.send(date);
}

describe('planner properties', () => {
  it('R2 once: no slot is recorded twice across repeated, missed and interleaved runs; nothing lists a paid, void or disputed invoice', () => {
    fc.assert(
      fc.property(ledgerArb, calendarArb, (ledger, calendar) => {
        const sim = buildSimulation(ledger, true);
        for (const [i, mode] of calendar.entries()) runDay(sim, addDays(BASE, i), mode);
        const keys = sim.firings.map((f) => f.key);
        assert.equal(new Set(keys).size, keys.length);
        // A fired dunning slot is carried by exactly one message or task of its day.
        for (const plan of sim.plans) {
          for (const f of plan.firings.filter((x) => x.outcome === 'fired')) {
            assert.ok((f.messageIndex ?? f.taskIndex) !== undefined, `${f.key} fired without a carrier`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('R10 determinism: forecast day 1 = dry run = run, forecast N days = N runs, input order is irrelevant', () => {
    fc.assert(
      fc.property(
        ledgerArb,
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (ledger, historyDays, horizon, seed) => {
          // History with payments dated before the forecast start only ("nothing is paid" after).
          const sim = buildSimulation(ledger, false);
          const start = addDays(BASE, historyDays);
          for (const p of ledger.payments) {
            const inv = sim.invoices[p.invoice % sim.invoices.length]!;
            const date = addDays(BASE, Math.min(p.dayOffset, historyDays - 1));
            sim.pay(inv.id, date, Math.ceil(inv.amount / p.part));
          }
          for (let d = 0; d < historyDays; d++) runDay(sim, addDays(BASE, d), 1);
          const input = sim.input(start);
          const dryRun = planDay(input);
          const days = forecast(input, horizon);
          assert.deepEqual(days[0], dryRun);
          // Permuted input arrays plan the same day.
          const rotate = <T>(xs: T[]) =>
            xs.length === 0 ? xs : xs.map((_, i) => xs[(i + Math.abs(seed)) % xs.length]!);
          assert.deepEqual(
            planDay({
              ...input,
              customers: rotate(input.customers),
              invoices: rotate(input.invoices).reverse(),
              priorFirings: rotate(input.priorFirings),
              priorMessages: rotate(input.priorMessages),
              brokenPromises: rotate(input.brokenPromises),
            }),
            dryRun,
          );
          // Running the same days for real gives exactly the forecast.
          const before = sim.plans.length;
          for (let d = 0; d < horizon; d++) sim.run(addDays(start, d));
          assert.deepEqual(sim.plans.slice(before), days);
        },
      ),
      { numRuns: 200 },
    );
  });
});
