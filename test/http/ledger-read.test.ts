// The ledger's read routes: lists with filters, cursor pagination over many pages, gets,
// 404s, and the deletes the ledger allows (or refuses).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachEngine } from '../support/db.ts';
import { seedLedger, type TestApi, testApi } from './support.ts';

type Page = { items: Record<string, unknown>[]; next_cursor: string | null };

/** Follows next_cursor to the end and returns every item. */
async function walk(api: TestApi, url: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const sep = url.includes('?') ? '&' : '?';
    const r = await api.get(cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url);
    assert.equal(r.status, 200, r.body);
    const page = r.json as Page;
    items.push(...page.items);
    cursor = page.next_cursor;
    if (cursor === null) return items;
  }
  throw new Error('pagination did not end');
}

describeEachEngine('http ledger reads', (db) => {
  let api: TestApi;
  before(async () => {
    await seedLedger(db());
    api = await testApi(db());
  });
  after(async () => {
    await api.app.close();
  });

  it('walks every customer page by page in name order, without duplicates or gaps', async () => {
    const all = await walk(api, '/api/v1/customers?limit=7');
    const expected = await db().query<{ external_id: string }>(
      'SELECT external_id FROM customers ORDER BY lower(name), id',
    );
    assert.equal(all.length, 126);
    assert.deepEqual(
      all.map((c) => c.external_id),
      expected.map((r) => r.external_id),
    );
    // the six 'Same Name' customers tie on the sort key and still come once each
    assert.equal(new Set(all.map((c) => c.external_id)).size, 126);
  });

  it('walks every invoice (many share a due date) and every contact and payment', async () => {
    const invoices = await walk(api, '/api/v1/invoices?limit=50');
    assert.equal(invoices.length, 362);
    assert.equal(new Set(invoices.map((i) => i.external_id)).size, 362);
    const dues = invoices.map((i) => String(i.due_date));
    assert.deepEqual(dues, [...dues].sort());
    const contacts = await walk(api, '/api/v1/contacts?limit=33');
    assert.equal(new Set(contacts.map((c) => c.external_id)).size, 240);
    assert.equal(contacts.length, 240);
    const payments = await walk(api, '/api/v1/payments?limit=1');
    assert.deepEqual(
      payments.map((p) => p.external_id),
      ['P-1', 'P-2'],
    );
  });

  it('pages with the default and maximum limits', async () => {
    const first = (await api.get('/api/v1/customers')).json as Page;
    assert.equal(first.items.length, 50);
    assert.ok(first.next_cursor);
    const big = (await api.get('/api/v1/invoices?limit=500')).json as Page;
    assert.equal(big.items.length, 362);
    assert.equal(big.next_cursor, null);
    const tooBig = await api.get('/api/v1/invoices?limit=501');
    assert.equal(tooBig.status, 400);
    assert.match(tooBig.body, /query\.limit/);
  });

  it('filters customers by tag, currency, priority, paused, overdue and q', async () => {
    const ids = async (query: string) =>
      (await walk(api, `/api/v1/customers?limit=500&${query}`)).map((c) => String(c.external_id)).sort();
    assert.deepEqual(await ids('tag=key'), [
      'C000',
      'C001',
      'C002',
      'C003',
      'C004',
      'C005',
      'C006',
      'C007',
      'C008',
      'C009',
    ]);
    assert.equal((await ids('currency=usd')).length, 10);
    assert.equal((await ids('currency=EUR')).length, 116);
    assert.deepEqual(await ids('priority=high'), await ids('currency=USD'));
    assert.deepEqual(await ids('paused=true'), ['C020', 'C021']);
    assert.equal((await ids('paused=false')).length, 124);
    // every C customer has an invoice due 2026-01-15, open; S customers have none
    assert.equal((await ids('overdue=true')).length, 120);
    assert.deepEqual(await ids('overdue=false'), ['S1', 'S2', 'S3', 'S4', 'S5', 'S6']);
    assert.deepEqual(await ids('q=customer%2011'), [
      'C110',
      'C111',
      'C112',
      'C113',
      'C114',
      'C115',
      'C116',
      'C117',
      'C118',
      'C119',
    ]);
    assert.deepEqual(await ids('q=s4'), ['S4']);
    // LIKE wildcards in q are taken literally
    assert.deepEqual(await ids('q=%25'), []);
  });

  it('returns open balance and overdue per currency on customers', async () => {
    const r = await api.get('/api/v1/customers?q=C000');
    const [c] = (r.json as Page).items;
    // three invoices 10.01 + 10.02 + 10.03 and A-1 (100.00 − 60.00 − 30.00 = 10.00, by the stored balance)
    assert.deepEqual(c?.open_balance, { EUR: '40.06' });
    // overdue: due before 2026-03-15 → I-C000-1 (10.01) and A-1 (10.00)
    assert.deepEqual(c?.overdue, { EUR: '20.01' });
    assert.equal(c?.open_invoices, 4);
    const usd = ((await api.get('/api/v1/customers?q=C010')).json as Page).items[0];
    assert.deepEqual(usd?.open_balance, { USD: '30.06' });
  });

  it('gets a customer with its contacts, and 404s an unknown one', async () => {
    const r = await api.get('/api/v1/customers/C005');
    assert.equal(r.status, 200);
    const c = r.json as Record<string, unknown> & { contacts: { external_id: string }[] };
    assert.equal(c.name, 'Customer 005');
    assert.deepEqual(c.tags, ['key']);
    assert.deepEqual(
      c.contacts.map((k) => k.external_id),
      ['K-C005-1', 'K-C005-2'],
    );
    const missing = await api.get('/api/v1/customers/NOPE');
    assert.equal(missing.status, 404);
    assert.equal((missing.json as { error: { code: string } }).error.code, 'not_found');
    assert.match(missing.body, /NOPE/);
  });

  it('filters invoices and computes open balance and days overdue as of a date', async () => {
    const list = async (query: string) =>
      (await walk(api, `/api/v1/invoices?limit=500&${query}`)) as Record<string, unknown>[];
    assert.equal((await list('customer=C000')).length, 4);
    assert.equal((await list('customer=C001&status=void')).length, 1);
    assert.equal((await list('status=void')).length, 1);
    assert.equal((await list('currency=USD')).length, 30);
    assert.equal((await list('overdue=true')).length, 121);
    assert.equal((await list('due_before=2026-03-15')).length, 122);
    assert.equal((await list('due_after=2026-03-15')).length, 120);
    const unknown = await api.get('/api/v1/invoices?customer=NOPE');
    assert.equal(unknown.status, 404);

    // 100.00, paid 60.00 on 03-01 and 30.00 on 03-20
    const at = async (asOf: string) =>
      (await api.get(`/api/v1/invoices/A-1?as_of=${asOf}`)).json as Record<string, unknown>;
    assert.deepEqual(
      [await at('2026-02-01'), await at('2026-03-15'), await at('2026-03-20')].map((i) => [
        i.open_balance,
        i.status,
        i.days_overdue,
      ]),
      [
        ['100.00', 'open', 17],
        ['40.00', 'open', 59],
        ['10.00', 'open', 64],
      ],
    );
    // default as_of is today (2026-03-15)
    assert.equal(
      ((await api.get('/api/v1/invoices/A-1')).json as Record<string, unknown>).open_balance,
      '40.00',
    );
    // the due-today invoice is not overdue
    const dueToday = (await api.get('/api/v1/invoices/I-C000-2')).json as Record<string, unknown>;
    assert.equal(dueToday.days_overdue, 0);
    const paidBy = await list('customer=C000&status=paid&as_of=2026-03-20');
    assert.deepEqual(paidBy, []);
  });

  it('lists payments with their applications and unapplied part', async () => {
    const r = await api.get('/api/v1/payments?customer=C000&date_from=2026-03-01&date_to=2026-03-10');
    const items = (r.json as Page).items;
    assert.equal(items.length, 1);
    assert.deepEqual(items[0]?.applications, [
      { invoice_external_id: 'A-1', invoice_number: 'A-1', amount: '60.00', date: '2026-03-01' },
    ]);
    assert.equal(items[0]?.unapplied, '0.00');
    assert.equal((await api.get('/api/v1/payments/NOPE')).status, 404);
    assert.equal((await api.get('/api/v1/credit-notes/NOPE')).status, 404);
    assert.deepEqual(((await api.get('/api/v1/credit-notes')).json as Page).items, []);
  });

  it('refuses a cursor it did not write, and a bad filter value, naming the parameter', async () => {
    const r = await api.get('/api/v1/customers?cursor=not-a-cursor');
    assert.equal(r.status, 400);
    assert.equal((r.json as { error: { code: string } }).error.code, 'invalid_cursor');
    const wrongKind = ((await api.get('/api/v1/customers?limit=1')).json as Page).next_cursor;
    const mixed = await api.get(`/api/v1/invoices?cursor=${wrongKind}`);
    assert.equal(mixed.status, 400);
    const bad = await api.get('/api/v1/invoices?due_before=yesterday&status=late');
    assert.equal(bad.status, 400);
    const err = (bad.json as { error: { code: string; message: string; details: { path: string }[] } }).error;
    assert.equal(err.code, 'validation_failed');
    assert.deepEqual(err.details.map((d) => d.path).sort(), ['query.due_before', 'query.status']);
  });

  it('refuses to delete a customer with ledger history (409) and an invoice (409: void it)', async () => {
    const r = await api.send('DELETE', '/api/v1/customers/C000');
    assert.equal(r.status, 409);
    assert.match(r.body, /4 invoices, 2 payments/);
    assert.equal((await api.get('/api/v1/customers/C000')).status, 200);
    const inv = await api.send('DELETE', '/api/v1/invoices/A-1');
    assert.equal(inv.status, 409);
    assert.match(inv.body, /void it instead/);
    assert.equal((await api.send('DELETE', '/api/v1/invoices/NOPE')).status, 404);
  });

  it('deletes a customer without history, with its contacts, and records the deletion', async () => {
    await db().exec(`INSERT INTO customers (external_id, name) VALUES ('GONE', 'Gone Ltd');
      INSERT INTO contacts (external_id, customer_id, email) SELECT 'K-GONE', id, 'a@gone.example' FROM customers WHERE external_id = 'GONE'`);
    const r = await api.send('DELETE', '/api/v1/customers/GONE');
    assert.equal(r.status, 204);
    assert.equal((await api.get('/api/v1/customers/GONE')).status, 404);
    assert.equal((await api.get('/api/v1/contacts/K-GONE')).status, 404);
    const events = await db().query(
      `SELECT actor, action, entity_id FROM audit_log WHERE action = 'customer.deleted'`,
    );
    assert.deepEqual(events, [{ actor: 'api:test', action: 'customer.deleted', entity_id: 'GONE' }]);
    assert.equal((await api.send('DELETE', '/api/v1/customers/GONE')).status, 404);
  });

  it('deletes a contact with a timeline event', async () => {
    assert.equal((await api.send('DELETE', '/api/v1/contacts/K-C050-2')).status, 204);
    const left = ((await api.get('/api/v1/contacts?customer=C050')).json as Page).items;
    assert.deepEqual(
      left.map((k) => k.external_id),
      ['K-C050-1'],
    );
    const [event] = await db().query<{ customer_id: number }>(
      `SELECT customer_id FROM audit_log WHERE action = 'contact.deleted' AND entity_id = 'K-C050-2'`,
    );
    assert.ok(event?.customer_id);
  });

  it('deletes a payment: its applications go and the invoice balance is recomputed', async () => {
    const before = (await api.get('/api/v1/invoices/A-1?as_of=2026-03-31')).json as Record<string, unknown>;
    assert.equal(before.open_balance, '10.00');
    assert.equal((await api.send('DELETE', '/api/v1/payments/P-1')).status, 204);
    const afterDelete = (await api.get('/api/v1/invoices/A-1?as_of=2026-03-31')).json as Record<
      string,
      unknown
    >;
    assert.equal(afterDelete.open_balance, '70.00');
    const [stored] = await db().query<{ open_balance: number }>(
      `SELECT open_balance FROM invoices WHERE external_id = 'A-1'`,
    );
    assert.equal(stored?.open_balance, 7000);
    const [event] = await db().query<{ actor: string; data: { applications: unknown[] } }>(
      `SELECT actor, data FROM audit_log WHERE action = 'payment.deleted' AND entity_id = 'P-1'`,
    );
    assert.equal(event?.actor, 'api:test');
    assert.deepEqual(event?.data.applications, [{ invoice: 'A-1', amount: '60.00', date: '2026-03-01' }]);
    assert.equal((await api.get('/api/v1/payments/P-1')).status, 404);
  });
});
