// The reports over a real ledger on every engine: the §2.2 documents for the hand-computed
// fixture (see fixture.ts for the calendar), payments after D ignored, void excluded.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { agingReport, metricsReport } from '../../src/reports/index.ts';
import { describeEachEngine } from '../support/db.ts';
import { seedReportLedger } from './fixture.ts';

const ZERO = {
  current: '0.00',
  '1-30': '0.00',
  '31-60': '0.00',
  '61-90': '0.00',
  '91+': '0.00',
  total: '0.00',
};

describeEachEngine('reports over a ledger', (db) => {
  before(async () => {
    await seedReportLedger(db());
  });

  it('ages AR as of D per currency; void, later issues and later payments are left out', async () => {
    assert.deepEqual(await agingReport(db(), { asOf: '2026-03-31' }), {
      as_of: '2026-03-31',
      currencies: {
        // E4 due on D and E5 not yet due are current; E3 is 45 days past due with 500 of
        // 2000 paid (its 1500 on 04-05 is after D); E2 71 days; E8 273 days; E10 over-applied → 0.
        EUR: {
          current: '900.00',
          '1-30': '0.00',
          '31-60': '1500.00',
          '61-90': '500.00',
          '91+': '100.00',
          total: '3000.00',
        },
        // G1 was paid long ago: still listed (an invoice issued ≤ D), all zero.
        GBP: ZERO,
        JPY: { current: '0', '1-30': '0', '31-60': '0', '61-90': '0', '91+': '0', total: '0' },
        USD: { ...ZERO, current: '1234.56', total: '1234.56' },
      },
    });
  });

  it('ages AR as of an earlier date using only what was dated by then', async () => {
    assert.deepEqual(await agingReport(db(), { asOf: '2025-12-31' }), {
      as_of: '2025-12-31',
      currencies: {
        // E1: 600 left after the 400 of 12-15, due 12-01 → 30 days; E2 not due; E8 183 days.
        EUR: { ...ZERO, current: '500.00', '1-30': '600.00', '91+': '100.00', total: '1200.00' },
        GBP: ZERO,
        // U2's adjustment is dated 2026-01-05, so it is still open, 61 days past due.
        USD: { ...ZERO, '61-90': '50.00', total: '50.00' },
      },
    });
  });

  it('computes the §2.2 metrics document exactly', async () => {
    const report = await metricsReport(db(), { asOf: '2026-03-31', periodDays: 90 });
    assert.deepEqual(report, {
      as_of: '2026-03-31',
      period_days: 90,
      currencies: {
        EUR: {
          ar: '3000.00',
          current_ar: '900.00',
          // AR(2025-12-31): E1 600 + E2 500 + E8 100
          beginning_ar: '1200.00',
          // issued 2026-01-01…03-31, void E6 left out: E3 2000 + E4 300 + E5 700 + E7 200 + E10 100
          credit_sales: '3300.00',
          dso: (300000 / 330000) * 90,
          // March sales 1000 (31 d) and February 300 (28 d) are covered; January explains the rest.
          countback_dso: 59 + (170000 / 200000) * 31,
          best_possible_dso: (90000 / 330000) * 90,
          add: (300000 / 330000) * 90 - (90000 / 330000) * 90,
          cei: ((120000 + 330000 - 300000) / (120000 + 330000 - 90000)) * 100,
          // closed in the period: E1 (1000, 101 d to pay, 71 late), E7 (200, 9, paid early → 0),
          // E10 (100, 33, 3). E3 closes after D and does not count.
          avg_days_to_pay: (100000 * 101 + 20000 * 9 + 10000 * 33) / 130000,
          avg_days_late: (100000 * 71 + 10000 * 3) / 130000,
        },
        // zero AR but an invoice issued (and paid on its due date) in the period
        JPY: {
          ar: '0',
          current_ar: '0',
          beginning_ar: '0',
          credit_sales: '10000',
          dso: 0,
          countback_dso: 0,
          best_possible_dso: 0,
          add: 0,
          cei: 100,
          avg_days_to_pay: 30,
          avg_days_late: 0,
        },
        USD: {
          ar: '1234.56',
          current_ar: '1234.56',
          beginning_ar: '50.00',
          credit_sales: '1234.56',
          dso: 90,
          // March's sales equal AR exactly: 31 days, then nothing is left to explain.
          countback_dso: 31,
          best_possible_dso: 90,
          add: 0,
          cei: 100,
          // U2 closed by the 2026-01-05 adjustment: 96 days after issue, 66 after due.
          avg_days_to_pay: 96,
          avg_days_late: 66,
        },
      },
    });
  });

  it('uses the period for sales, beginning AR and closed invoices', async () => {
    const report = await metricsReport(db(), { asOf: '2026-03-31', periodDays: 30 });
    const eur = report.currencies.EUR;
    assert.ok(eur);
    // 2026-03-02…03-31: only E5 (E4 was issued on 03-01, the day before the period)
    assert.equal(eur.credit_sales, '700.00');
    // AR(2026-03-01): E2 500 + E3 1500 + E4 300 + E8 100 + E10 100 (paid only on 03-25)
    assert.equal(eur.beginning_ar, '2500.00');
    // only E10 closed in the period
    assert.equal(eur.avg_days_to_pay, 33);
    assert.equal(eur.avg_days_late, 3);
    assert.equal(eur.dso, (300000 / 70000) * 30);
    // J1 was open on 03-01 and paid on 03-03: present with no sales in the period, so the
    // sales-based ratios are undefined, while CEI (everything collectible was collected) is 100.
    assert.deepEqual(report.currencies.JPY, {
      ar: '0',
      current_ar: '0',
      beginning_ar: '10000',
      credit_sales: '0',
      dso: null,
      countback_dso: 0,
      best_possible_dso: null,
      add: null,
      cei: 100,
      avg_days_to_pay: 30,
      avg_days_late: 0,
    });
  });

  it('leaves out currencies with no AR and no activity in the period', async () => {
    const report = await metricsReport(db(), { asOf: '2026-03-31', periodDays: 90 });
    assert.deepEqual(Object.keys(report.currencies), ['EUR', 'JPY', 'USD']);
    // as of a day before any invoice: nothing at all
    assert.deepEqual(await metricsReport(db(), { asOf: '2024-01-01', periodDays: 90 }), {
      as_of: '2024-01-01',
      period_days: 90,
      currencies: {},
    });
    assert.deepEqual(await agingReport(db(), { asOf: '2024-01-01' }), {
      as_of: '2024-01-01',
      currencies: {},
    });
  });

  it('counts a payment from its own date: after it the invoice is closed and out of AR', async () => {
    const report = await metricsReport(db(), { asOf: '2026-04-05', periodDays: 90 });
    const eur = report.currencies.EUR;
    assert.ok(eur);
    // E3's 1500 is applied on 04-05; E9 (400, issued 04-02) joins AR.
    assert.equal(eur.ar, '1900.00');
  });

  // Runs after the fixture tests: it adds a CAD ledger of its own.
  it('walks countback months beyond the newest three (read first) when AR needs them', async () => {
    const [customer] = await db().query<{ id: number }>('SELECT id FROM customers LIMIT 1');
    await db().execute(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
       VALUES ('C1', $1, 'C1', '2025-05-10', '2025-06-09', 'CAD', 10000),
              ('C2', $1, 'C2', '2026-03-05', '2026-04-04', 'CAD', 5000)`,
      [customer?.id],
    );
    const cad = (await metricsReport(db(), { asOf: '2026-03-31', periodDays: 90 })).currencies.CAD;
    // March's 50 leaves 100; Feb 2026 … Jun 2025 have no sales (28+31+31+30+31+30+31+31+30 days);
    // May 2025's 100 explains the rest exactly (31 days).
    assert.equal(cad?.countback_dso, 31 + 28 + 31 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31);
    assert.equal(cad?.ar, '150.00');
  });

  it('refuses a bad as-of date or period', async () => {
    await assert.rejects(agingReport(db(), { asOf: '2026-02-30' }), /as-of date "2026-02-30" is not a date/);
    await assert.rejects(metricsReport(db(), { asOf: '2026-03-31', periodDays: 0 }), /positive whole number/);
    await assert.rejects(
      metricsReport(db(), { asOf: '2026-03-31', periodDays: 1.5 }),
      /positive whole number/,
    );
  });
});
