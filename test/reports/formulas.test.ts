// The pure report formulas: aging buckets at their edges, countback months and walk, payment
// timing, and the undefined (null) cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addDays } from '../../src/ledger/dates.ts';
import { ageReceivables, agingBucket, agingJson } from '../../src/reports/aging.ts';
import {
  collectionEffectivenessIndex,
  computeMetrics,
  countbackDso,
  countbackMonths,
  creditSalesInPeriod,
  metricsJson,
  paymentTiming,
  salesByCountbackMonth,
} from '../../src/reports/metrics.ts';

describe('aging buckets', () => {
  const asOf = '2026-03-31';
  const cases: [number, string][] = [
    [-400, 'current'],
    [-1, 'current'],
    [0, 'current'], // due today
    [1, '1-30'],
    [30, '1-30'],
    [31, '31-60'],
    [60, '31-60'],
    [61, '61-90'],
    [90, '61-90'],
    [91, '91+'],
    [2000, '91+'],
  ];
  for (const [daysPastDue, bucket] of cases) {
    it(`${daysPastDue} days past due → ${bucket}`, () => {
      assert.equal(agingBucket(daysPastDue), bucket);
      const aged = ageReceivables(asOf, [{ dueDate: addDays(asOf, -daysPastDue), openAmount: 123 }]);
      assert.equal(aged[bucket as keyof typeof aged], 123);
      assert.equal(aged.total, 123);
    });
  }

  it('sums several due dates and formats money in the currency', () => {
    const aged = ageReceivables(asOf, [
      { dueDate: '2026-03-31', openAmount: 1000 },
      { dueDate: '2026-03-01', openAmount: 250 }, // 30 days
      { dueDate: '2026-02-28', openAmount: 5 }, // 31 days
      { dueDate: '2025-12-31', openAmount: 7 }, // 90 days
      { dueDate: '2025-12-30', openAmount: 9 }, // 91 days
    ]);
    assert.deepEqual(aged, { current: 1000, '1-30': 250, '31-60': 5, '61-90': 7, '91+': 9, total: 1271 });
    assert.deepEqual(agingJson(aged, 'EUR'), {
      current: '10.00',
      '1-30': '2.50',
      '31-60': '0.05',
      '61-90': '0.07',
      '91+': '0.09',
      total: '12.71',
    });
    assert.deepEqual(Object.keys(agingJson(aged, 'JPY')), [
      'current',
      '1-30',
      '31-60',
      '61-90',
      '91+',
      'total',
    ]);
    assert.equal(agingJson(aged, 'JPY').total, '1271');
    assert.equal(agingJson(aged, 'KWD').total, '1.271');
  });
});

describe('countback months', () => {
  it('starts with the 1st of the as-of month up to the as-of date, then whole months, 24 in all', () => {
    const months = countbackMonths('2024-03-15');
    assert.equal(months.length, 24);
    assert.deepEqual(months.slice(0, 3), [
      { from: '2024-03-01', to: '2024-03-15', days: 15 },
      { from: '2024-02-01', to: '2024-02-29', days: 29 }, // leap year
      { from: '2024-01-01', to: '2024-01-31', days: 31 },
    ]);
    assert.deepEqual(months[23], { from: '2022-04-01', to: '2022-04-30', days: 30 });
  });

  it('a first day of the month makes a one-day first month', () => {
    assert.deepEqual(countbackMonths('2026-03-01')[0], { from: '2026-03-01', to: '2026-03-01', days: 1 });
  });

  it('sums daily sales into their months and ignores days outside the 24 months', () => {
    const months = countbackMonths('2026-03-10');
    const sales = salesByCountbackMonth(months, [
      { issueDate: '2026-03-10', amount: 1 },
      { issueDate: '2026-03-01', amount: 2 },
      { issueDate: '2026-02-28', amount: 4 },
      { issueDate: '2024-04-01', amount: 8 }, // the 24th month
      { issueDate: '2024-03-31', amount: 16 }, // before it
      { issueDate: '2026-03-11', amount: 32 }, // after the as-of date
    ]);
    assert.deepEqual(sales[0], { sales: 3, days: 10 });
    assert.deepEqual(sales[1], { sales: 4, days: 28 });
    assert.deepEqual(sales[23], { sales: 8, days: 30 });
    assert.equal(
      sales.reduce((s, m) => s + m.sales, 0),
      15,
    );
  });
});

describe('countback DSO', () => {
  it('pro-rates within the partial first month', () => {
    // AR 500 against 1000 of sales in the first 10 days of the month: half of 10 days
    assert.equal(countbackDso(500, [{ sales: 1000, days: 10 }]), 5);
  });

  it('adds the days of months without sales and goes on', () => {
    const dso = countbackDso(600, [
      { sales: 0, days: 10 },
      { sales: 0, days: 28 },
      { sales: 400, days: 31 },
      { sales: 400, days: 30 },
    ]);
    assert.equal(dso, 10 + 28 + 31 + (200 / 400) * 30);
  });

  it('subtracts a month its AR covers exactly and stops when nothing is left', () => {
    assert.equal(
      countbackDso(400, [
        { sales: 400, days: 31 },
        { sales: 0, days: 30 },
        { sales: 100, days: 31 },
      ]),
      31,
    );
  });

  it('is 0 without AR, whatever the sales', () => {
    assert.equal(countbackDso(0, [{ sales: 0, days: 20 }]), 0);
    assert.equal(countbackDso(0, [{ sales: 500, days: 20 }]), 0);
  });

  it('stops after 24 months and returns the days counted', () => {
    const months = countbackMonths('2026-03-31').map((m) => ({ sales: 100, days: m.days }));
    const allDays = months.reduce((s, m) => s + m.days, 0);
    assert.equal(allDays, 730); // 2024-04-01 … 2026-03-31
    assert.equal(countbackDso(1_000_000, [...months, { sales: 1, days: 31 }]), allDays);
    // without any sales at all, the same cap
    assert.equal(
      countbackDso(
        5,
        months.map((m) => ({ sales: 0, days: m.days })),
      ),
      730,
    );
  });

  it('never decreases when AR grows and never exceeds the days of the months walked', () => {
    const month = fc.record({
      sales: fc.integer({ min: 0, max: 1_000_000 }),
      days: fc.integer({ min: 1, max: 31 }),
    });
    fc.assert(
      fc.property(
        fc.array(month, { maxLength: 30 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (months, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const capDays = months.slice(0, 24).reduce((s, m) => s + m.days, 0);
          const dLo = countbackDso(lo, months);
          const dHi = countbackDso(hi, months);
          return dLo <= dHi + 1e-9 && dHi <= capDays + 1e-9 && dLo >= 0;
        },
      ),
    );
  });
});

describe('payment timing', () => {
  it('weights by invoice amount and counts early payment as 0 days late', () => {
    const timing = paymentTiming([
      { daysToPay: 40, daysAfterDue: 10, amount: 300 },
      { daysToPay: 20, daysAfterDue: -10, amount: 100 },
    ]);
    assert.deepEqual(timing, { avgDaysToPay: (300 * 40 + 100 * 20) / 400, avgDaysLate: (300 * 10) / 400 });
  });

  it('is null without closed invoices', () => {
    assert.deepEqual(paymentTiming([]), { avgDaysToPay: null, avgDaysLate: null });
  });
});

describe('credit sales in the period', () => {
  it('counts issue dates in (D − P, D]', () => {
    const daily = [
      { issueDate: '2026-01-01', amount: 1 }, // D − P: outside
      { issueDate: '2026-01-02', amount: 2 },
      { issueDate: '2026-01-31', amount: 4 },
      { issueDate: '2026-02-01', amount: 8 }, // after D
    ];
    assert.equal(creditSalesInPeriod('2026-01-31', 30, daily), 6);
    assert.equal(creditSalesInPeriod('2026-01-31', 1, daily), 4);
  });
});

describe('metrics with undefined values', () => {
  it('gives null DSO, best possible DSO and ADD without credit sales, null CEI with nothing collectible', () => {
    const metrics = computeMetrics(
      { ar: 0, currentAr: 0, beginningAr: 0, creditSales: 0, monthlySales: [], closed: [] },
      90,
    );
    assert.deepEqual(metricsJson(metrics, 'EUR'), {
      ar: '0.00',
      current_ar: '0.00',
      beginning_ar: '0.00',
      credit_sales: '0.00',
      dso: null,
      countback_dso: 0,
      best_possible_dso: null,
      add: null,
      cei: null,
      avg_days_to_pay: null,
      avg_days_late: null,
    });
  });

  it('CEI is 100 when everything collectible was collected and 0 when nothing was', () => {
    assert.equal(
      collectionEffectivenessIndex({ beginningAr: 100, creditSales: 50, ar: 0, currentAr: 0 }),
      100,
    );
    // all of AR is past due and nothing was collected
    assert.equal(
      collectionEffectivenessIndex({ beginningAr: 100, creditSales: 0, ar: 100, currentAr: 0 }),
      0,
    );
    // only current AR and it equals everything: the denominator is 0
    assert.equal(
      collectionEffectivenessIndex({ beginningAr: 0, creditSales: 100, ar: 100, currentAr: 100 }),
      null,
    );
  });

  it('keeps AR with no sales: DSO undefined, countback counts the months walked', () => {
    const months = countbackMonths('2026-03-31').map((m) => ({ sales: 0, days: m.days }));
    const metrics = computeMetrics(
      { ar: 500, currentAr: 0, beginningAr: 500, creditSales: 0, monthlySales: months, closed: [] },
      90,
    );
    assert.equal(metrics.dso, null);
    assert.equal(metrics.countbackDso, 730);
    assert.equal(metrics.cei, 0);
  });
});
