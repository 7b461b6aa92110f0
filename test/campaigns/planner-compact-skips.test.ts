/**
 * R3's skips, compactly: a run that skips several slots of one invoice and campaign makes
 * one decision — the highest skipped slot, with the lower ones in `alsoSkipped` — and the
 * invoice slot keys the planner builds on its hot path are exactly firingKey()'s.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH, parseCampaignFile } from '../../src/campaigns/definition.ts';
import { firingKey, planDay, priorFiringsOf } from '../../src/campaigns/planner/index.ts';
import { campaignSlots, invoiceSlotKey, latestDueSlot } from '../../src/campaigns/planner/slots.ts';
import { campaigns, customer, invoice, Simulation } from './support/simulation.ts';

const defaults = parseCampaignFile(readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'), 'campaigns.yaml').campaigns;
const standard = defaults.find((c) => c.key === 'standard')!;

describe('planner: compact R3 skips', () => {
  it('invoiceSlotKey is firingKey for every slot; latestDueSlot is the last slot with offset ≤ D − due', () => {
    const slots = campaignSlots(standard);
    for (const slot of slots) {
      assert.equal(
        invoiceSlotKey(42, slot),
        firingKey({
          kind: 'invoice',
          invoiceId: 42,
          campaignKey: 'standard',
          stepKey: slot.step.key,
          occurrence: slot.occurrence,
        }),
      );
    }
    for (let offset = -20; offset <= 200; offset++) {
      const expected = slots.reduce((last, s, i) => (s.offset <= offset ? i : last), -1);
      assert.equal(latestDueSlot(slots, offset), expected, `offset ${offset}`);
    }
  });

  it('an old invoice gets one skipped decision listing every lower slot; history expands it per slot', () => {
    // Wed 25 Nov 2026. INV-1 due 116 days ago: every standard slot is past and the latest
    // (call, +75) is more than catch_up_days late → all 11 slots skipped, in one decision.
    // INV-2 due 4 days ago: late-1 (+3) fires, pre-due and due are skipped in one decision.
    const sim = new Simulation(
      defaults,
      [customer(1)],
      [invoice(1, 1, '2026-08-01'), invoice(2, 1, '2026-11-21')],
    );
    const plan = planDay(sim.input('2026-11-25'));
    const skipped = plan.firings.filter((f) => f.outcome === 'skipped');
    assert.deepEqual(
      skipped.map((f) => [f.key, f.reason, f.slotOffset, f.alsoSkipped]),
      [
        [
          'inv:1:standard:call:0',
          'too_late',
          75,
          [
            'inv:1:standard:pre-due:0',
            'inv:1:standard:due:0',
            'inv:1:standard:late-1:0',
            'inv:1:standard:late-n:0',
            'inv:1:standard:late-n:1',
            'inv:1:standard:late-n:2',
            'inv:1:standard:late-n:3',
            'inv:1:standard:late-n:4',
            'inv:1:standard:late-n:5',
            'inv:1:standard:final:0',
          ],
        ],
        ['inv:2:standard:due:0', 'superseded', 0, ['inv:2:standard:pre-due:0']],
      ],
    );
    const fired = plan.firings.filter((f) => f.outcome === 'fired');
    assert.deepEqual(
      fired.map((f) => [f.key, f.slotOffset, f.alsoSkipped]),
      [['inv:2:standard:late-1:0', 3, undefined]],
    );
    // History: one entry per slot, each with its own step and occurrence.
    const history = priorFiringsOf(plan).filter((f) => f.invoiceId === 1);
    assert.equal(history.length, 11);
    assert.deepEqual(
      history.map((f) => `${f.stepKey}#${f.occurrence} ${f.outcome}`),
      [
        'pre-due#0 skipped',
        'due#0 skipped',
        'late-1#0 skipped',
        'late-n#0 skipped',
        'late-n#1 skipped',
        'late-n#2 skipped',
        'late-n#3 skipped',
        'late-n#4 skipped',
        'late-n#5 skipped',
        'final#0 skipped',
        'call#0 skipped',
      ],
    );
    // Recorded, nothing of INV-1 is decided again, whether the history lists every slot
    // or only the highest one.
    sim.commit(plan);
    const next = planDay(sim.input('2026-11-26'));
    assert.equal(next.firings.filter((f) => f.invoiceId === 1).length, 0);
    const onlyHighest = planDay({
      ...sim.input('2026-11-26'),
      priorFirings: sim.firings.filter((f) => !plan.firings.some((d) => d.alsoSkipped?.includes(f.key))),
    });
    assert.deepEqual(onlyHighest, next);
  });
});

describe('a slot decided beyond today (shell loads only the highest recorded slot)', () => {
  it('decides nothing older than it: no milder notice after a stronger one, no slot recorded twice', () => {
    // Invoice due Mon 2 March 2026. Through Thu 19 March the sequence runs up to late-n's
    // second occurrence (offset 17). Then a past day, Fri 13 March (offset 11, whose latest
    // due slot is late-n's first occurrence), is planned with only that highest slot known,
    // as the shell loads it (e.g. `run --date` for a missed day, or after a campaign edit
    // moved the steps' offsets): nothing may fire, be skipped or be recorded again.
    const defs = campaigns(`
campaigns:
  - key: standard
    send_on: [mon, tue, wed, thu, fri, sat, sun]
    steps:
      - { key: due, offset_days: 0, template: due-today }
      - { key: late-1, offset_days: 3, template: past-due }
      - { key: late-n, offset_days: 10, repeat_every_days: 7, until_offset_days: 24, template: past-due-followup }
`);
    const full = new Simulation(defs, [customer(1)], [invoice(1, 1, '2026-03-02')]);
    full.runDays('2026-03-02', '2026-03-19');
    const highest = full.firings.filter((f) => f.invoiceId === 1).at(-1)!;
    assert.equal(highest.stepKey, 'late-n');
    assert.equal(highest.occurrence, 1);
    const shell = new Simulation(defs, [customer(1)], [invoice(1, 1, '2026-03-02')]);
    shell.firings.push(highest);
    const plan = planDay(shell.input('2026-03-13'));
    assert.deepEqual(priorFiringsOf(plan), []);
    assert.deepEqual(plan.messages, []);
  });
});
