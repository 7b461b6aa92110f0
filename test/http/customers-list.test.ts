// The customer list's filters and sorts (issue 7), checked against an oracle written here in
// TypeScript over a seeded ledger: every filter alone and in combination, every sort in both
// directions, walked page by page through the keyset cursor (7 rows a page, so ties on the sort
// key straddle page boundaries), must give exactly the oracle's customers in the oracle's order.
//
// The ledger (TODAY = 2026-03-15): 45 customers from a fixed pseudo-random sequence — EUR or
// USD billing, priorities, tags from {key, retail, export}, a collector or none, paused
// indefinitely / until a later day / until a past day, contacts some of which bounced, and 0–4
// invoices each due between 120 days ago and 30 days ahead, some in GBP (another currency than
// the customer's), some paid or void. Three customers share the name "Twin".
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { addUser } from '../../src/users/users.ts';
import { describeEachEngine } from '../support/db.ts';
import { type TestApi, TODAY, testApi } from './support.ts';

interface SeedInvoice {
  currency: string;
  amount: number;
  due: string;
  status: 'open' | 'paid' | 'void';
}
interface SeedCustomer {
  id: number;
  externalId: string;
  name: string;
  currency: string | null;
  priority: 'high' | 'normal' | 'low';
  tags: string[];
  collector: number | null;
  dunningPaused: boolean;
  pausedUntil: string | null;
  bounced: boolean;
  campaignKey: string | null;
  invoices: SeedInvoice[];
}

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

const CAMPAIGNS = `
campaigns:
  - key: keyaccounts
    name: Key accounts
    priority: 10
    audience: { tags_any: [KEY] }
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: big
    name: Big balances
    priority: 50
    audience: { min_open_balance: "3000.005", priority_in: [high, normal] }
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: standard
    name: Standard
    priority: 100
    audience: { tags_none: [export] }
    steps: [ { key: due, offset_days: 0, template: due-today } ]
  - key: welcome
    name: Welcome
    trigger: customer_created
    steps: [ { key: welcome, offset_days: 0, template: welcome } ]
`;

// ---- the oracle ----------------------------------------------------------------------------
const eff = (c: SeedCustomer) => c.currency ?? 'EUR';
const openInvoices = (c: SeedCustomer) => c.invoices.filter((i) => i.status === 'open' && i.amount > 0);
const openBalance = (c: SeedCustomer) =>
  openInvoices(c)
    .filter((i) => i.currency === eff(c))
    .reduce((s, i) => s + i.amount, 0);
const overdueAmount = (c: SeedCustomer) =>
  openInvoices(c)
    .filter((i) => i.currency === eff(c) && i.due < TODAY)
    .reduce((s, i) => s + i.amount, 0);
const oldestOverdueDays = (c: SeedCustomer) =>
  Math.max(0, ...openInvoices(c).map((i) => daysBetween(i.due, TODAY)));
const isPaused = (c: SeedCustomer) => c.dunningPaused || (c.pausedUntil !== null && TODAY < c.pausedUntil);
function bucket(c: SeedCustomer): string | null {
  const open = openInvoices(c);
  if (open.length === 0) return null;
  const days = Math.max(...open.map((i) => daysBetween(i.due, TODAY)));
  if (days <= 0) return 'current';
  if (days <= 30) return '1-30';
  if (days <= 60) return '31-60';
  if (days <= 90) return '61-90';
  return '91+';
}
function campaignOf(c: SeedCustomer): string | null {
  // a person's choice wins when it names a dunning campaign of the active set
  if (c.campaignKey && ['keyaccounts', 'big', 'standard'].includes(c.campaignKey)) return c.campaignKey;
  if (c.tags.some((t) => t.toLowerCase() === 'key')) return 'keyaccounts';
  if (openBalance(c) >= 300001 && c.priority !== 'low') return 'big'; // ⌈3000.005 × 100⌉
  if (!c.tags.includes('export')) return 'standard';
  return null;
}

type Filter = Record<string, string | number | boolean>;

function oracle(customers: SeedCustomer[], f: Filter): string[] {
  let rows = customers.filter((c) => {
    if (f.q && !`${c.name} ${c.externalId}`.toLowerCase().includes(String(f.q).toLowerCase())) return false;
    if (f.tag && !c.tags.includes(String(f.tag))) return false;
    if (f.priority && c.priority !== f.priority) return false;
    if (f.paused !== undefined && isPaused(c) !== f.paused) return false;
    if (f.bounced !== undefined && c.bounced !== f.bounced) return false;
    if (f.overdue !== undefined && oldestOverdueDays(c) > 0 !== f.overdue) return false;
    if (f.overdue_bucket && bucket(c) !== f.overdue_bucket) return false;
    if (f.collector === 'none' && c.collector !== null) return false;
    if (typeof f.collector === 'number' && c.collector !== f.collector) return false;
    if (f.campaign !== undefined && campaignOf(c) !== (f.campaign === 'none' ? null : f.campaign))
      return false;
    return true;
  });
  const sort = String(f.sort ?? 'name');
  const rank = { high: 0, normal: 1, low: 2 };
  const key = (c: SeedCustomer): string | number =>
    sort === 'name'
      ? c.name.toLowerCase()
      : sort === 'open_balance'
        ? openBalance(c)
        : sort === 'overdue'
          ? overdueAmount(c)
          : sort === 'oldest_overdue_days'
            ? oldestOverdueDays(c)
            : rank[c.priority];
  const natural = ['open_balance', 'overdue', 'oldest_overdue_days'].includes(sort) ? 'desc' : 'asc';
  const sign = (f.order ?? natural) === 'desc' ? -1 : 1;
  rows = [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
    return (a.id - b.id) * sign;
  });
  return rows.map((c) => c.externalId);
}

async function walk(api: TestApi, f: Filter): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const params = new URLSearchParams({
      ...Object.fromEntries(Object.entries(f).map(([k, v]) => [k, String(v)])),
    });
    params.set('limit', '7');
    if (cursor) params.set('cursor', cursor);
    const r = await api.get(`/api/v1/customers?${params}`);
    assert.equal(r.status, 200, r.body);
    const page = r.json as { items: { external_id: string }[]; next_cursor: string | null };
    ids.push(...page.items.map((c) => c.external_id));
    cursor = page.next_cursor;
    if (!cursor) return ids;
  }
  throw new Error('more than 50 pages');
}

describeEachEngine('http customer list filters and sorts', (db) => {
  let api: TestApi;
  const customers: SeedCustomer[] = [];
  let collectorA = 0;
  let collectorB = 0;

  before(async () => {
    collectorA = (
      await addUser(db(), { email: 'ann@example.com', role: 'collector', password: 'collector pass 123' })
    ).user.id;
    collectorB = (
      await addUser(db(), { email: 'ben@example.com', role: 'admin', password: 'admin pass 12345' })
    ).user.id;
    await applyCampaignFile(db(), { text: CAMPAIGNS, fileName: 'list.yaml', actor: 'test' });
    const random = rng(20261125);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    for (let n = 0; n < 45; n++) {
      const currency = random() < 0.2 ? 'USD' : null;
      const invoices: SeedInvoice[] = [];
      const count = Math.floor(random() * 5);
      for (let k = 0; k < count; k++) {
        invoices.push({
          currency: random() < 0.15 ? 'GBP' : (currency ?? 'EUR'),
          amount: Math.floor(random() * 400_000) + 100,
          due: addDays(TODAY, Math.floor(random() * 151) - 120),
          status: random() < 0.12 ? 'paid' : random() < 0.06 ? 'void' : 'open',
        });
      }
      const tags = ['key', 'retail', 'export'].filter(() => random() < 0.3);
      const pausedRoll = random();
      customers.push({
        id: 0,
        externalId: `L${String(n).padStart(3, '0')}`,
        name: n % 15 === 4 ? 'Twin' : `Customer${String((n * 37) % 100).padStart(2, '0')}x`,
        currency,
        priority: pick(['high', 'normal', 'normal', 'low'] as const),
        tags,
        collector: pick([null, null, collectorA, collectorB]),
        dunningPaused: pausedRoll < 0.1,
        pausedUntil: pausedRoll > 0.9 ? addDays(TODAY, 10) : pausedRoll > 0.8 ? addDays(TODAY, -3) : null,
        bounced: random() < 0.25,
        campaignKey: n === 7 ? 'standard' : n === 8 ? 'no-such-campaign' : null,
        invoices,
      });
    }
    for (const c of customers) {
      const [row] = await db().query<{ id: number }>(
        `INSERT INTO customers (external_id, name, currency, priority, tags, collector_user_id, dunning_paused,
                                paused_until, campaign_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          c.externalId,
          c.name,
          c.currency,
          c.priority,
          c.tags,
          c.collector,
          c.dunningPaused,
          c.pausedUntil,
          c.campaignKey,
        ],
      );
      c.id = Number(row?.id);
      await db().execute(
        `INSERT INTO contacts (external_id, customer_id, email, email_status) VALUES ($1, $2, $3, $4), ($5, $2, $6, 'ok')`,
        [
          `K-${c.externalId}`,
          c.id,
          `ap@${c.externalId.toLowerCase()}.example`,
          c.bounced ? 'bounced' : 'ok',
          `K2-${c.externalId}`,
          `ar@${c.externalId.toLowerCase()}.example`,
        ],
      );
      for (const [k, inv] of c.invoices.entries()) {
        await db().execute(
          `INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, status)
           VALUES ($1, $2, $1, $3::date - 30, $3, $4, $5, $6)`,
          [`${c.externalId}-${k}`, c.id, inv.due, inv.currency, inv.amount, inv.status],
        );
      }
    }
    // 'paid' invoices carry no open balance
    await db().execute(`UPDATE invoices SET open_balance = 0 WHERE status = 'paid'`);
    for (const c of customers) for (const i of c.invoices) if (i.status === 'paid') i.amount = 0;
    api = await testApi(db());
  });
  after(async () => {
    await api.app.close();
  });

  it('the seed exercises every filter value (a filter that matches nobody proves little)', () => {
    for (const b of ['current', '1-30', '31-60', '61-90', '91+']) {
      assert.ok(
        customers.some((c) => bucket(c) === b),
        `bucket ${b}`,
      );
    }
    for (const k of ['keyaccounts', 'big', 'standard', null]) {
      assert.ok(
        customers.some((c) => campaignOf(c) === k),
        `campaign ${k}`,
      );
    }
    assert.ok(customers.some((c) => c.bounced) && customers.some(isPaused));
  });

  const filters = (): Filter[] => [
    {},
    { q: 'twin' },
    { q: 'l01' },
    { tag: 'key' },
    { priority: 'high' },
    { paused: true },
    { paused: false },
    { bounced: true },
    { bounced: false },
    { overdue: true },
    { overdue_bucket: 'current' },
    { overdue_bucket: '1-30' },
    { overdue_bucket: '31-60' },
    { overdue_bucket: '61-90' },
    { overdue_bucket: '91+' },
    { collector: 'none' },
    { collector: collectorA },
    { campaign: 'keyaccounts' },
    { campaign: 'big' },
    { campaign: 'standard' },
    { campaign: 'none' },
    { campaign: 'welcome' },
    { campaign: 'big', overdue_bucket: '91+', paused: false },
    { tag: 'retail', collector: collectorB, bounced: false },
  ];

  it('filters match the oracle (sorted by name, page by page)', async () => {
    for (const f of filters()) {
      assert.deepEqual(await walk(api, f), oracle(customers, f), JSON.stringify(f));
    }
  });

  it('every sort in both directions pages through in the oracle’s order, ties by id', async () => {
    for (const sort of ['name', 'open_balance', 'overdue', 'oldest_overdue_days', 'priority']) {
      for (const order of [undefined, 'asc', 'desc'] as const) {
        for (const extra of [{}, { paused: false }, { overdue_bucket: '91+' }] as Filter[]) {
          const f: Filter = { sort, ...extra, ...(order ? { order } : {}) };
          const got = await walk(api, f);
          assert.deepEqual(got, oracle(customers, f), JSON.stringify(f));
          assert.equal(new Set(got).size, got.length);
        }
      }
    }
  });

  it('counts the customers a filter matches (for the bulk confirmation)', async () => {
    for (const f of filters()) {
      const params = new URLSearchParams(
        Object.entries(f).map(([k, v]) => [k, String(v)] as [string, string]),
      );
      const r = await api.get(`/api/v1/bulk/customers/count?${params}`);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(r.json, { count: oracle(customers, f).length }, JSON.stringify(f));
    }
  });

  // customer_open_totals (the amount sorts' source) must equal a recomputation from invoices
  // after every kind of write: the seed's inserts and updates, then payments applied through
  // the applications trigger, a payment removed, a due date moved both ways, an invoice moved
  // to another customer and currency, voided, and deleted.
  const totalsDrift = async () =>
    db().query<Record<string, unknown>>(
      `WITH truth AS (SELECT customer_id, currency, sum(open_balance)::bigint AS b, count(*)::int AS n,
                             min(due_date) AS d
                        FROM invoices WHERE status = 'open' AND open_balance > 0 GROUP BY 1, 2)
       SELECT coalesce(truth.customer_id, t.customer_id) AS customer_id, truth.b, t.open_balance,
              truth.n, t.open_invoices, truth.d, t.oldest_due
         FROM truth FULL JOIN customer_open_totals t USING (customer_id, currency)
        WHERE coalesce(truth.b, 0) <> coalesce(t.open_balance, 0) OR coalesce(truth.n, 0) <> coalesce(t.open_invoices, 0)
           OR truth.d IS DISTINCT FROM t.oldest_due`,
    );

  it('keeps the open totals equal to the invoices through payments, moves, voids and deletes', async () => {
    assert.deepEqual(await totalsDrift(), []);
    const open = await db().query<{ id: number; customer_id: number; amount: number }>(
      `SELECT id, customer_id, amount FROM invoices WHERE status = 'open' ORDER BY id LIMIT 8`,
    );
    assert.equal(open.length, 8);
    const [a, b, c, d, e, f, g, h] = open as [
      (typeof open)[0],
      (typeof open)[0],
      (typeof open)[0],
      (typeof open)[0],
      (typeof open)[0],
      (typeof open)[0],
      (typeof open)[0],
      (typeof open)[0],
    ];
    await db().execute(
      `INSERT INTO payments (external_id, customer_id, date, amount, currency, reference)
       VALUES ('PAY-1', $1, DATE '2026-03-01', $2, 'EUR', 'x'), ('PAY-2', $3, DATE '2026-03-02', 50, 'EUR', 'y')`,
      [a.customer_id, a.amount, b.customer_id],
    );
    await db().execute(
      `INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
       SELECT $1::bigint, 'payment', id, amount, date FROM payments WHERE external_id = 'PAY-1'
       UNION ALL SELECT $2::bigint, 'payment', id, 50, date FROM payments WHERE external_id = 'PAY-2'`,
      [a.id, b.id],
    );
    assert.deepEqual(await totalsDrift(), [], 'after payments');
    await db().execute(`DELETE FROM applications WHERE invoice_id = $1`, [a.id]);
    assert.deepEqual(await totalsDrift(), [], 'after a payment was removed');
    await db().execute(`UPDATE invoices SET due_date = due_date + 400 WHERE id IN ($1, $2)`, [c.id, d.id]);
    await db().execute(`UPDATE invoices SET due_date = due_date - 200 WHERE id = $1`, [e.id]);
    assert.deepEqual(await totalsDrift(), [], 'after due dates moved');
    await db().execute(`UPDATE invoices SET customer_id = $2, currency = 'CHF' WHERE id = $1`, [
      f.id,
      g.customer_id,
    ]);
    await db().execute(`UPDATE invoices SET status = 'void' WHERE id = $1`, [g.id]);
    await db().execute(`DELETE FROM invoices WHERE id = $1`, [h.id]);
    assert.deepEqual(await totalsDrift(), [], 'after a move, a void and a delete');
  });

  it('refuses bad filter values and a cursor of another sort, with one clear error', async () => {
    for (const bad of ['overdue_bucket=100', 'sort=balance', 'collector=abc', 'order=up', 'bounced=maybe']) {
      const r = await api.get(`/api/v1/customers?${bad}`);
      assert.equal(r.status, 400, `${bad}: ${r.body}`);
      assert.match(r.body, new RegExp(bad.split('=')[0] as string));
    }
    const first = (await api.get('/api/v1/customers?limit=2')).json as { next_cursor: string };
    const r = await api.get(`/api/v1/customers?sort=open_balance&cursor=${first.next_cursor}`);
    assert.equal(r.status, 400);
    assert.match(r.body, /invalid_cursor/);
  });
});
