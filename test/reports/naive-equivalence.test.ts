// The fast, index-driven report queries agree with the definitions computed naively, invoice
// by invoice, on a random ledger in three currencies with partial, late, split and
// over-applied payments, payments dated before the invoice's issue date, balance adjustments
// dated after every as-of date (what an import of an ERP's open balances writes), void
// invoices and invoices issued after the as-of dates. The whole §2.2 metrics document is
// compared, countback DSO included.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { addDays, type CalendarDate, daysBetween } from '../../src/ledger/dates.ts';
import { ageReceivables, agingJson } from '../../src/reports/aging.ts';
import { agingReport, metricsReport } from '../../src/reports/index.ts';
import {
  type CurrencyMetricsJson,
  computeMetrics,
  countbackMonths,
  metricsJson,
} from '../../src/reports/metrics.ts';
import { describeEachEngine } from '../support/db.ts';

interface Inv {
  id: number;
  currency: string;
  issue: CalendarDate;
  due: CalendarDate;
  amount: number;
  void: boolean;
  apps: { date: CalendarDate; amount: number; adjustment?: true }[];
}

/** After every as-of date below, like the adjustments an import dates on its own day. */
const IMPORT_DAY = '2026-11-25';

/** mulberry32: a small seeded generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(count: number, seed: number): Inv[] {
  const r = random(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const invoices: Inv[] = [];
  for (let i = 0; i < count; i++) {
    const issue = addDays('2025-01-01', pick(450));
    const amount = pick(5) === 0 ? 0 : 100 + pick(100_000);
    const apps: Inv['apps'] = [];
    const style = pick(9);
    if (style === 1 && amount > 0) apps.push({ date: addDays(issue, pick(120)), amount });
    if (style === 2) {
      const first = 1 + pick(Math.max(1, amount - 1));
      apps.push({ date: addDays(issue, pick(60)), amount: first });
      apps.push({ date: addDays(issue, 30 + pick(120)), amount: Math.max(1, amount - first) });
    }
    if (style === 3) apps.push({ date: addDays(issue, pick(90)), amount: 1 + pick(Math.max(1, amount)) });
    if (style === 4) {
      // over-applied: closes early, then more arrives
      apps.push({ date: addDays(issue, pick(40)), amount: amount + 1 + pick(500) });
      apps.push({ date: addDays(issue, 40 + pick(40)), amount: 1 + pick(500) });
    }
    // paid (in part or in full) before the issue date: a prepayment
    if (style === 6)
      apps.push({ date: addDays(issue, -1 - pick(30)), amount: 1 + pick(Math.max(1, amount)) });
    // an ERP balance imported later: the paid part is an adjustment dated the import day,
    // sometimes after a partial payment inside the ledger's history
    if ((style === 7 || style === 8) && amount > 1) {
      const paid = style === 8 ? 1 + pick(amount - 1) : 0;
      if (paid > 0) apps.push({ date: addDays(issue, pick(90)), amount: paid });
      apps.push({
        date: IMPORT_DAY,
        amount: pick(2) === 0 ? amount - paid : 1 + pick(amount - paid),
        adjustment: true,
      });
    }
    invoices.push({
      id: 0,
      currency: ['EUR', 'USD', 'JPY'][pick(3)] ?? 'EUR',
      issue,
      due: addDays(issue, [0, 14, 30, 60][pick(4)] ?? 30),
      amount,
      void: pick(15) === 0,
      apps,
    });
  }
  return invoices;
}

function openAt(inv: Inv, d: CalendarDate): number {
  const applied = inv.apps.filter((a) => a.date <= d).reduce((s, a) => s + a.amount, 0);
  return Math.max(0, inv.amount - applied);
}

function closingDate(inv: Inv): CalendarDate | null {
  let applied = 0;
  for (const a of [...inv.apps].sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0))) {
    applied += a.amount;
    if (applied >= inv.amount) return a.date;
  }
  return null;
}

const LEDGER = generate(400, 20260331);
const live = (d: CalendarDate) => LEDGER.filter((i) => !i.void && i.issue <= d);

describeEachEngine('report queries agree with the naive definitions', (db) => {
  before(async () => {
    const [customer] = await db().query<{ id: number }>(
      `INSERT INTO customers (external_id, name) VALUES ('R', 'Random') RETURNING id`,
    );
    for (const [n, inv] of LEDGER.entries()) {
      const [row] = await db().query<{ id: number }>(
        `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, status)
         VALUES ($1, $2, $1, $3, $4, $5, $6, $7) RETURNING id`,
        [`R${n}`, customer?.id, inv.issue, inv.due, inv.currency, inv.amount, inv.void ? 'void' : 'open'],
      );
      inv.id = row?.id ?? 0;
      for (const [k, app] of inv.apps.entries()) {
        if (app.adjustment) {
          await db().execute(
            `INSERT INTO applications (invoice_id, kind, amount, date) VALUES ($1, 'adjustment', $2, $3)`,
            [inv.id, app.amount, app.date],
          );
          continue;
        }
        await db().execute(
          `WITH p AS (INSERT INTO payments (external_id, customer_id, date, amount, currency)
                      VALUES ($1, $2, $3, $4, $5) RETURNING id)
           INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
           SELECT $6, 'payment', p.id, $4, $3 FROM p`,
          [`RP${n}-${k}`, customer?.id, app.date, app.amount, inv.currency, inv.id],
        );
      }
    }
  });

  it('holds every case the comparisons are about', () => {
    const apps = LEDGER.flatMap((i) => i.apps.map((a) => ({ ...a, issue: i.issue })));
    assert.ok(apps.filter((a) => a.adjustment).length > 20, 'adjustments dated after every as-of date');
    assert.ok(apps.filter((a) => a.date < a.issue).length > 20, 'payments dated before the issue date');
    assert.ok(LEDGER.filter((i) => i.void).length > 10, 'void invoices');
  });

  for (const asOf of ['2025-03-15', '2025-06-30', '2025-09-01', '2026-01-31', '2026-06-30']) {
    it(`aging and AR as of ${asOf}`, async () => {
      const expected: Record<string, ReturnType<typeof agingJson>> = {};
      const currencies = [...new Set(live(asOf).map((i) => i.currency))].sort();
      for (const currency of currencies) {
        const open = live(asOf)
          .filter((i) => i.currency === currency)
          .map((i) => ({ dueDate: i.due, openAmount: openAt(i, asOf) }));
        expected[currency] = agingJson(ageReceivables(asOf, open), currency);
      }
      assert.deepEqual(await agingReport(db(), { asOf }), { as_of: asOf, currencies: expected });
    });

    it(`metrics as of ${asOf}`, async () => {
      const periodDays = 75;
      const start = addDays(asOf, -periodDays);
      const months = countbackMonths(asOf);
      const expected: Record<string, CurrencyMetricsJson> = {};
      const currencies = [...new Set(LEDGER.map((i) => i.currency))].sort();
      for (const currency of currencies) {
        const mine = live(asOf).filter((i) => i.currency === currency);
        const ar = mine.reduce((s, i) => s + openAt(i, asOf), 0);
        const currentAr = mine.filter((i) => i.due >= asOf).reduce((s, i) => s + openAt(i, asOf), 0);
        const beginningAr = live(start)
          .filter((i) => i.currency === currency)
          .reduce((s, i) => s + openAt(i, start), 0);
        const inPeriod = mine.filter((i) => i.issue > start);
        const creditSales = inPeriod.reduce((s, i) => s + i.amount, 0);
        const monthlySales = months.map((m) => ({
          sales: mine.filter((i) => i.issue >= m.from && i.issue <= m.to).reduce((s, i) => s + i.amount, 0),
          days: m.days,
        }));
        const closed = mine.flatMap((i) => {
          const c = i.amount > 0 ? closingDate(i) : null;
          return c && c > start && c <= asOf
            ? [{ daysToPay: daysBetween(i.issue, c), daysAfterDue: daysBetween(i.due, c), amount: i.amount }]
            : [];
        });
        if (ar === 0 && beginningAr === 0 && inPeriod.length === 0 && closed.length === 0) continue;
        expected[currency] = metricsJson(
          computeMetrics({ ar, currentAr, beginningAr, creditSales, monthlySales, closed }, periodDays),
          currency,
        );
      }
      assert.deepEqual(await metricsReport(db(), { asOf, periodDays }), {
        as_of: asOf,
        period_days: periodDays,
        currencies: expected,
      });
    });
  }
});
