// The reports over a ledger loaded the way `dunwell import` loads an ERP export, like the
// import benchmark's: the part of each invoice the ERP says is paid becomes a balance
// adjustment dated the import day, long after the invoices were issued. As of an earlier date
// those invoices are still wholly open; as of the import day the paid ones closed that day.
// A load this large is followed by VACUUM (ANALYZE), so the report queries get statistics and
// index-only scans right away.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { addDays, type CalendarDate, daysBetween } from '../../src/ledger/dates.ts';
import { importCsv } from '../../src/ledger/import/index.ts';
import { DEFER_INDEXES_MIN_ROWS } from '../../src/ledger/import/store.ts';
import { formatAmount } from '../../src/ledger/money.ts';
import { metricsReport } from '../../src/reports/index.ts';
import {
  type ClosedInvoiceTiming,
  type CurrencyMetricsJson,
  computeMetrics,
  countbackMonths,
  metricsJson,
} from '../../src/reports/metrics.ts';
import { describeEachEngine } from '../support/db.ts';

const IMPORT_DAY = '2026-11-25';
const COUNT = DEFER_INDEXES_MIN_ROWS;

interface Row {
  currency: string;
  issue: CalendarDate;
  due: CalendarDate;
  amount: number;
  balance: number;
}

/** A deterministic spread: issue dates over 2025, three balance styles, two currencies. */
const ROWS: Row[] = Array.from({ length: COUNT }, (_, i) => {
  const issue = addDays('2025-01-01', (i * 37) % 365);
  const amount = 1000 + ((i * 7919) % 500_000);
  const style = i % 4;
  return {
    currency: i % 5 === 0 ? 'USD' : 'EUR',
    issue,
    due: addDays(issue, [14, 30, 60][i % 3] ?? 30),
    amount,
    // open in full, partly paid, paid, open in full
    balance: style === 1 ? Math.floor(amount / 3) : style === 2 ? 0 : amount,
  };
});

function csv(): string {
  const lines = ['external_id,customer_external_id,number,issue_date,due_date,currency,amount,balance'];
  for (const [i, r] of ROWS.entries()) {
    const n = `I${String(i).padStart(6, '0')}`;
    lines.push(
      `${n},C${i % 2 === 0 ? 'E' : 'U'},${n},${r.issue},${r.due},${r.currency},${formatAmount(r.amount, r.currency)},${formatAmount(r.balance, r.currency)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The §2.2 metrics computed row by row: `openAt` is each invoice's open amount at D. */
function expected(asOf: CalendarDate, periodDays: number): Record<string, CurrencyMetricsJson> {
  const start = addDays(asOf, -periodDays);
  const openAt = (r: Row, d: CalendarDate) => (d < IMPORT_DAY ? r.amount : r.balance);
  const out: Record<string, CurrencyMetricsJson> = {};
  for (const currency of ['EUR', 'USD']) {
    const mine = ROWS.filter((r) => r.currency === currency && r.issue <= asOf);
    const sum = (rows: Row[], f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0);
    const closed: ClosedInvoiceTiming[] = mine
      .filter((r) => r.balance === 0 && IMPORT_DAY > start && IMPORT_DAY <= asOf)
      .map((r) => ({
        daysToPay: daysBetween(r.issue, IMPORT_DAY),
        daysAfterDue: daysBetween(r.due, IMPORT_DAY),
        amount: r.amount,
      }));
    const facts = {
      ar: sum(mine, (r) => openAt(r, asOf)),
      currentAr: sum(
        mine.filter((r) => r.due >= asOf),
        (r) => openAt(r, asOf),
      ),
      beginningAr: sum(
        mine.filter((r) => r.issue <= start),
        (r) => openAt(r, start),
      ),
      creditSales: sum(
        mine.filter((r) => r.issue > start),
        (r) => r.amount,
      ),
      monthlySales: countbackMonths(asOf).map((m) => ({
        sales: sum(
          mine.filter((r) => r.issue >= m.from && r.issue <= m.to),
          (r) => r.amount,
        ),
        days: m.days,
      })),
      closed,
    };
    out[currency] = metricsJson(computeMetrics(facts, periodDays), currency);
  }
  return out;
}

describeEachEngine('reports over an imported ERP ledger', (db) => {
  before(async () => {
    const customers = 'external_id,name,currency\nCE,Euro buyer,EUR\nCU,Dollar buyer,USD\n';
    await importCsv(db(), 'customers', customers, { actor: 'test', today: IMPORT_DAY });
    const result = await importCsv(db(), 'invoices', csv(), { actor: 'test', today: IMPORT_DAY });
    assert.equal(result.inserted, COUNT);
  });

  it('leaves the loaded tables analyzed and vacuumed', async () => {
    const rows = await db().query<{ relname: string; reltuples: number; relallvisible: number }>(
      `SELECT relname, reltuples::bigint AS reltuples, relallvisible::bigint AS relallvisible
         FROM pg_class WHERE relname IN ('invoices', 'applications') ORDER BY relname`,
    );
    const adjusted = ROWS.filter((r) => r.balance < r.amount).length;
    assert.deepEqual(
      rows.map((r) => [r.relname, r.reltuples, r.relallvisible > 0]),
      [
        ['applications', adjusted, true],
        ['invoices', COUNT, true],
      ],
    );
  });

  it('counts the adjustments dated after as-of as unpaid then', async () => {
    // mid-year: every invoice issued by then is wholly open; countback walks back to January
    assert.deepEqual(await metricsReport(db(), { asOf: '2025-07-15', periodDays: 90 }), {
      as_of: '2025-07-15',
      period_days: 90,
      currencies: expected('2025-07-15', 90),
    });
    const eur = (await metricsReport(db(), { asOf: '2026-06-30', periodDays: 90 })).currencies.EUR;
    assert.deepEqual(eur, expected('2026-06-30', 90).EUR);
    // nothing issued in the period: the sales ratios are undefined, AR is everything issued
    assert.equal(eur?.dso, null);
    assert.equal(
      eur?.ar,
      formatAmount(
        ROWS.filter((r) => r.currency === 'EUR').reduce((s, r) => s + r.amount, 0),
        'EUR',
      ),
    );
  });

  it('closes the paid invoices on the import day', async () => {
    const report = await metricsReport(db(), { asOf: IMPORT_DAY, periodDays: 30 });
    assert.deepEqual(report.currencies, expected(IMPORT_DAY, 30));
    assert.ok((report.currencies.EUR?.avg_days_to_pay ?? 0) > 300);
  });
});
