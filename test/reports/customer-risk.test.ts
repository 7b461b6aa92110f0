// The customer page's average days late and risk rule (src/ledger/risk.ts; documented in
// docs/domain-guide.md): closing day with split and over-applied payments, the 12-month
// window, amount weighting, and each risk signal's thresholds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessRisk, averageDaysLate, closingDay, type RiskInputs } from '../../src/ledger/risk.ts';

describe('average days late', () => {
  it('closes on the first day the applications reach the amount (same-day applications together)', () => {
    const apps = [
      { date: '2026-02-10', amount: 30 },
      { date: '2026-01-05', amount: 50 },
      { date: '2026-02-10', amount: 20 },
      { date: '2026-03-01', amount: 500 },
    ];
    assert.equal(closingDay({ amount: 100, dueDate: '2026-01-01', applications: apps }), '2026-02-10');
    assert.equal(closingDay({ amount: 1000, dueDate: '2026-01-01', applications: apps }), null);
  });

  it('weights by amount, counts early payment as 0 and keeps to the 12 months ending with D', () => {
    const asOf = '2026-03-15';
    const paid = (amount: number, dueDate: string, date: string) => ({
      amount,
      dueDate,
      applications: [{ date, amount }],
    });
    const result = averageDaysLate(
      [
        paid(100, '2026-01-01', '2026-01-31'), // 30 days
        paid(300, '2026-02-01', '2026-02-06'), // 5 days
        paid(50, '2026-03-01', '2026-02-20'), // early → 0
        paid(999, '2025-03-01', '2025-03-15'), // closed 365 days before D: outside
        paid(999, '2026-03-01', '2026-03-16'), // after D: outside
        { amount: 500, dueDate: '2026-01-01', applications: [] }, // still open
      ],
      asOf,
    );
    assert.equal(result.invoices, 3);
    assert.equal(result.days, (100 * 30 + 300 * 5) / 450);
    const edge = averageDaysLate([paid(10, '2025-03-01', '2025-03-16')], asOf); // 364 days before D: inside
    assert.deepEqual(edge, { days: 15, invoices: 1 });
    assert.deepEqual(averageDaysLate([], asOf), { days: null, invoices: 0 });
  });
});

describe('risk level', () => {
  const calm: RiskInputs = {
    avgDaysLate: 2,
    balances: [{ open: 1000, overdue: 100 }],
    brokenPromises12m: 0,
    openDisputes: 0,
    dunningContacts: 2,
    deliverableDunningContacts: 2,
    bouncedContacts: 0,
  };

  it('is low with no signal, and names each signal with its points', () => {
    assert.deepEqual(assessRisk(calm), { level: 'low', score: 0, factors: [] });
    assert.equal(assessRisk({ ...calm, avgDaysLate: 10 }).level, 'low'); // 1 point
    assert.deepEqual(assessRisk({ ...calm, avgDaysLate: 30, openDisputes: 1 }), {
      level: 'medium',
      score: 3,
      factors: [
        { factor: 'days_late', points: 2, value: 30 },
        { factor: 'disputes', points: 1, value: 1 },
      ],
    });
  });

  it('takes the worst currency’s overdue share', () => {
    const r = assessRisk({
      ...calm,
      balances: [
        { open: 1000, overdue: 0 },
        { open: 100, overdue: 50 },
      ],
    });
    assert.deepEqual(r.factors, [{ factor: 'overdue_share', points: 2, value: 0.5 }]);
    assert.equal(assessRisk({ ...calm, balances: [{ open: 1000, overdue: 199 }] }).score, 0);
    assert.equal(assessRisk({ ...calm, balances: [{ open: 1000, overdue: 200 }] }).score, 1);
  });

  it('scores broken promises and bounces, and is high from 4 points', () => {
    assert.equal(assessRisk({ ...calm, brokenPromises12m: 1 }).score, 1);
    assert.equal(assessRisk({ ...calm, brokenPromises12m: 3 }).score, 2);
    assert.equal(assessRisk({ ...calm, bouncedContacts: 1, deliverableDunningContacts: 1 }).score, 1);
    const unreachable = assessRisk({ ...calm, bouncedContacts: 2, deliverableDunningContacts: 0 });
    assert.deepEqual(unreachable.factors, [{ factor: 'bounces', points: 2, value: 2 }]);
    assert.equal(assessRisk({ ...calm, dunningContacts: 0, deliverableDunningContacts: 0 }).score, 0);
    const bad = assessRisk({ ...calm, avgDaysLate: 45, brokenPromises12m: 2 });
    assert.deepEqual([bad.level, bad.score], ['high', 4]);
  });
});
