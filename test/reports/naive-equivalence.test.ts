// The fast, index-driven report queries agree with the definitions computed naively, invoice
// by invoice, on a random ledger with partial, late, split and over-applied payments, void
// invoices and invoices issued after the as-of dates.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { addDays, type CalendarDate, daysBetween } from '../../src/ledger/dates.ts';
import { formatAmount } from '../../src/ledger/money.ts';
import { ageReceivables, agingJson } from '../../src/reports/aging.ts';
import { agingReport, metricsReport } from '../../src/reports/index.ts';
import { paymentTiming } from '../../src/reports/metrics.ts';
import { describeEachEngine } from '../support/db.ts';

interface Inv {
  id: number;
  currency: string;
  issue: CalendarDate;
  due: CalendarDate;
  amount: number;
  void: boolean;
  apps: { date: CalendarDate; amount: number }[];
}

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
    const style = pick(6);
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
      const report = await metricsReport(db(), { asOf, periodDays });
      const withAr = [
        ...new Set(
          live(asOf)
            .filter((i) => openAt(i, asOf) > 0)
            .map((i) => i.currency),
        ),
      ];
      for (const currency of withAr)
        assert.ok(report.currencies[currency], `${currency} has AR but is missing`);
      for (const [currency, m] of Object.entries(report.currencies)) {
        const mine = live(asOf).filter((i) => i.currency === currency);
        const ar = mine.reduce((s, i) => s + openAt(i, asOf), 0);
        const beginning = live(start)
          .filter((i) => i.currency === currency)
          .reduce((s, i) => s + openAt(i, start), 0);
        const sales = mine.filter((i) => i.issue > start).reduce((s, i) => s + i.amount, 0);
        assert.equal(m.ar, formatAmount(ar, currency), `${currency} ar`);
        assert.equal(m.beginning_ar, formatAmount(beginning, currency), `${currency} beginning_ar`);
        assert.equal(m.credit_sales, formatAmount(sales, currency), `${currency} credit_sales`);
        const closed = mine.flatMap((i) => {
          const c = i.amount > 0 ? closingDate(i) : null;
          return c && c > start && c <= asOf
            ? [{ daysToPay: daysBetween(i.issue, c), daysAfterDue: daysBetween(i.due, c), amount: i.amount }]
            : [];
        });
        const timing = paymentTiming(closed);
        const close = (a: number | null, b: number | null, what: string) =>
          assert.ok(
            a === b || (a !== null && b !== null && Math.abs(a - b) < 1e-9),
            `${currency} ${what}: ${a} ≠ ${b}`,
          );
        close(m.avg_days_to_pay, timing.avgDaysToPay, 'avg_days_to_pay');
        close(m.avg_days_late, timing.avgDaysLate, 'avg_days_late');
      }
    });
  }
});
