// The dashboard's reports: the 12-month trend equals `metricsReport` run as of each point (on
// a random ledger with partial, split, over-applied and prepaid invoices, adjustments dated
// after every point, void invoices, three currencies); every drill-down's rows sum to the
// figure it explains (aging buckets, overdue, a week of cash, the message counts).
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { addDays, type CalendarDate } from '../../src/ledger/dates.ts';
import { parseAmount } from '../../src/ledger/money.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { campaignReport } from '../../src/reports/campaigns.ts';
import {
  activityReport,
  cashReport,
  type DrillBucket,
  drillInvoices,
  drillMessages,
  drillPayments,
  trendReport,
  weekStart,
} from '../../src/reports/dashboard.ts';
import { agingReport, metricsReport } from '../../src/reports/index.ts';
import { trendPoints } from '../../src/reports/trend.ts';
import { describeEachEngine } from '../support/db.ts';

/** mulberry32: seeded, so a failure can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const IMPORT_DAY = '2026-11-25';

async function seedRandomLedger(db: Db, count: number, seed: number): Promise<void> {
  const r = random(seed);
  const pick = (n: number) => Math.floor(r() * n);
  const [customer] = await db.query<{ id: number }>(
    `INSERT INTO customers (external_id, name) VALUES ('R', 'Random Ltd') RETURNING id`,
  );
  const customerId = customer!.id;
  for (let n = 0; n < count; n++) {
    const issue = addDays('2024-09-01', pick(800));
    const amount = pick(6) === 0 ? 0 : 100 + pick(100_000);
    const currency = ['EUR', 'USD', 'JPY'][pick(3)] ?? 'EUR';
    const apps: { date: CalendarDate; amount: number; adjustment?: boolean }[] = [];
    const style = pick(9);
    if (style === 1 && amount > 0) apps.push({ date: addDays(issue, pick(120)), amount });
    if (style === 2 && amount > 1) {
      const first = 1 + pick(amount - 1);
      apps.push({ date: addDays(issue, pick(60)), amount: first });
      apps.push({ date: addDays(issue, 30 + pick(120)), amount: amount - first });
    }
    if (style === 3) apps.push({ date: addDays(issue, pick(90)), amount: 1 + pick(Math.max(1, amount)) });
    if (style === 4) {
      apps.push({ date: addDays(issue, pick(40)), amount: amount + 1 + pick(500) });
      apps.push({ date: addDays(issue, 40 + pick(40)), amount: 1 + pick(500) });
    }
    if (style === 6)
      apps.push({ date: addDays(issue, -1 - pick(30)), amount: 1 + pick(Math.max(1, amount)) });
    if (style === 7 && amount > 1)
      apps.push({ date: IMPORT_DAY, amount: 1 + pick(amount - 1), adjustment: true });
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, status)
       VALUES ($1, $2, $1, $3, $4, $5, $6, $7) RETURNING id`,
      [
        `R${n}`,
        customerId,
        issue,
        addDays(issue, [0, 14, 30, 60][pick(4)] ?? 30),
        currency,
        amount,
        pick(15) === 0 ? 'void' : 'open',
      ],
    );
    for (const [k, app] of apps.entries()) {
      if (app.adjustment) {
        await db.execute(
          `INSERT INTO applications (invoice_id, kind, amount, date) VALUES ($1, 'adjustment', $2, $3)`,
          [row!.id, app.amount, app.date],
        );
        continue;
      }
      await db.execute(
        `WITH p AS (INSERT INTO payments (external_id, customer_id, date, amount, currency)
                    VALUES ($1, $2, $3, $4, $5) RETURNING id)
         INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
         SELECT $6, 'payment', p.id, $4, $3 FROM p`,
        [`RP${n}-${k}`, customerId, app.date, app.amount, currency, row!.id],
      );
    }
  }
}

it('trend points: the 11 month ends before as_of’s month, then as_of', () => {
  assert.deepEqual(trendPoints('2026-03-15'), [
    '2025-04-30',
    '2025-05-31',
    '2025-06-30',
    '2025-07-31',
    '2025-08-31',
    '2025-09-30',
    '2025-10-31',
    '2025-11-30',
    '2025-12-31',
    '2026-01-31',
    '2026-02-28',
    '2026-03-15',
  ]);
  assert.equal(trendPoints('2026-02-28').at(-1), '2026-02-28');
  assert.equal(trendPoints('2026-02-28').at(-2), '2026-01-31');
  assert.equal(weekStart('2026-03-15'), '2026-03-09'); // a Sunday belongs to the week from Monday 9th
  assert.equal(weekStart('2026-03-16'), '2026-03-16');
});

describeEachEngine('dashboard reports', (db) => {
  before(async () => {
    await seedRandomLedger(db(), 500, 20261125);
  });

  for (const [asOf, periodDays] of [
    ['2026-03-15', 90],
    ['2025-12-31', 30],
  ] as const) {
    it(`trend as of ${asOf} (P = ${periodDays}) equals report metrics at each of its 12 points`, async () => {
      const trend = await trendReport(db(), { asOf, periodDays });
      assert.equal(trend.points.length, 12);
      let compared = 0;
      for (const [i, point] of trend.points.entries()) {
        const metrics = await metricsReport(db(), { asOf: point, periodDays });
        for (const currency of new Set([
          ...Object.keys(metrics.currencies),
          ...Object.keys(trend.currencies),
        ])) {
          const m = metrics.currencies[currency];
          const t = trend.currencies[currency]?.[i] ?? null;
          if (!m) {
            assert.equal(t, null, `${currency} at ${point}: absent from report metrics`);
            continue;
          }
          if (t === null) {
            // present in metrics only through invoices closed in the period: no AR, no sales
            assert.equal(m.ar, m.beginning_ar);
            assert.equal(Number(m.credit_sales), 0);
            continue;
          }
          const { avg_days_to_pay: _p, avg_days_late: _l, ...expected } = m;
          const { as_of: at, ...actual } = t;
          assert.equal(at, point);
          assert.deepEqual(actual, expected, `${currency} at ${point}`);
          compared++;
        }
      }
      assert.ok(compared >= 30, `compared ${compared} points`);
    });
  }

  const AS_OF = '2025-11-30';
  it('an aging figure’s drill-down lists invoices whose open amounts sum to it', async () => {
    const aging = await agingReport(db(), { asOf: AS_OF });
    assert.deepEqual(Object.keys(aging.currencies).sort(), ['EUR', 'JPY', 'USD']);
    for (const [currency, buckets] of Object.entries(aging.currencies)) {
      const figures: [DrillBucket, number][] = [
        ['total', parseAmount(buckets.total, currency)],
        ['current', parseAmount(buckets.current, currency)],
        ['overdue', parseAmount(buckets.total, currency) - parseAmount(buckets.current, currency)],
        ['1-30', parseAmount(buckets['1-30'], currency)],
        ['31-60', parseAmount(buckets['31-60'], currency)],
        ['61-90', parseAmount(buckets['61-90'], currency)],
        ['91+', parseAmount(buckets['91+'], currency)],
      ];
      for (const [bucket, figure] of figures) {
        let cursor: string | undefined;
        let sum = 0;
        let rows = 0;
        let total = -1;
        do {
          const page = await drillInvoices(db(), { asOf: AS_OF, currency, bucket, limit: 37, cursor });
          total = parseAmount(page.total, currency);
          for (const item of page.items) {
            sum += parseAmount(item.open_amount, currency);
            assert.ok(parseAmount(item.open_amount, currency) > 0);
            if (bucket === 'current') assert.ok(item.days_past_due <= 0);
            if (bucket === '91+') assert.ok(item.days_past_due > 90);
          }
          rows += page.items.length;
          assert.equal(page.count >= rows, true);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        assert.equal(sum, figure, `${currency} ${bucket}: rows sum to the figure`);
        assert.equal(total, figure, `${currency} ${bucket}: total`);
      }
    }
  });

  it('a week of cash collected drills down to the payments that make it', async () => {
    const cash = await cashReport(db(), { asOf: AS_OF });
    assert.equal(cash.weeks.length, 13);
    assert.equal(cash.weeks.at(-1)?.week_end, AS_OF);
    assert.equal(cash.weeks[0]?.week_start, addDays(weekStart(AS_OF), -84));
    let weeksWithCash = 0;
    for (const week of cash.weeks) {
      for (const [currency, amount] of Object.entries(week.amounts)) {
        weeksWithCash++;
        const page = await drillPayments(db(), {
          from: week.week_start,
          to: week.week_end,
          currency,
          limit: 500,
        });
        const sum = page.items.reduce((s, p) => s + parseAmount(p.amount, currency), 0);
        assert.equal(sum, parseAmount(amount, currency), `${currency} week of ${week.week_start}`);
        assert.equal(page.total, amount);
      }
    }
    assert.ok(weeksWithCash > 5, `${weeksWithCash} week/currency figures`);
    const [direct] = await db().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM payments WHERE date BETWEEN $1::date AND $2::date`,
      [cash.weeks[0]!.week_start, AS_OF],
    );
    assert.equal(
      cash.weeks.reduce((s, w) => s + w.payments, 0),
      direct!.n,
    );
  });

  it('messages sent / bounced / replied in 30 days, and the messages behind each', async () => {
    await db().exec(`
      INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for, status, sent_at)
      SELECT c.id, 'standard', 'late-1', 'past-due', 'en', true, d::date, 'sent', d + interval '9 hours'
        FROM customers c, generate_series(timestamp '2025-10-25', timestamp '2025-12-05', interval '1 day') d;
      INSERT INTO outbox_messages (customer_id, campaign_key, step_key, template, language, dunning, planned_for, status)
      SELECT id, 'standard', 'late-1', 'past-due', 'en', true, date '2025-11-20', 'planned' FROM customers;`);
    const ids = await db().query<{ id: number; planned_for: string }>(
      `SELECT id, planned_for FROM outbox_messages WHERE status = 'sent' ORDER BY id`,
    );
    const inbound = (kind: string, messageId: number, n: number, undone = false) =>
      db().execute(
        `INSERT INTO inbound_messages (source, sha256, raw, size, status, processed_at, kind, outbox_message_id, undone_at, message_id)
         VALUES ('file', $1, '\\x00', 1, 'processed', now(), $2, $3, $4, $1)`,
        [`${kind}-${n}`, kind, messageId, undone ? new Date().toISOString() : null],
      );
    const inWindow = ids.filter((m) => m.planned_for >= addDays(AS_OF, -29) && m.planned_for <= AS_OF);
    assert.equal(inWindow.length, 30);
    await inbound('bounce', inWindow[0]!.id, 1);
    await inbound('bounce', inWindow[0]!.id, 2); // two bounces of one message count once
    await inbound('bounce', inWindow[3]!.id, 3, true); // undone: not a bounce
    await inbound('reply', inWindow[5]!.id, 4);
    await inbound('reply', inWindow[6]!.id, 5);
    await inbound('reply', ids[0]!.id, 6); // a reply to a message sent before the window
    const activity = await activityReport(db(), { asOf: AS_OF });
    assert.deepEqual(activity, { as_of: AS_OF, from: addDays(AS_OF, -29), sent: 30, bounced: 1, replied: 2 });
    for (const kind of ['sent', 'bounced', 'replied'] as const) {
      const page = await drillMessages(db(), { from: activity.from, to: AS_OF, kind, limit: 500 });
      assert.equal(page.items.length, activity[kind], kind);
      assert.equal(page.count, activity[kind], kind);
    }
    // a campaign-effectiveness row's "sent" drills down to its messages (period 90 days)
    const effectiveness = await campaignReport(db(), { asOf: AS_OF, periodDays: 90 });
    const step = effectiveness.steps.find((s) => s.campaign === 'standard' && s.step === 'late-1');
    assert.equal(step?.sent, 37); // 2025-10-25 … 2025-11-30
    let cursor: string | undefined;
    let listed = 0;
    do {
      const page = await drillMessages(db(), {
        from: addDays(AS_OF, -89),
        to: AS_OF,
        kind: 'sent',
        campaign: 'standard',
        step: 'late-1',
        limit: 10,
        cursor,
      });
      assert.equal(page.count, 37);
      listed += page.items.length;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    assert.equal(listed, 37);
    const other = await drillMessages(db(), {
      from: addDays(AS_OF, -89),
      to: AS_OF,
      kind: 'sent',
      campaign: 'x',
      limit: 10,
    });
    assert.equal(other.count, 0);
  });
});
