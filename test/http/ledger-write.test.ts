// The ledger's write routes, which run the import: PUT one, POST a batch, validation errors
// that name the field, 422 with rejected rows and nothing written, ?partial, ?dry_run.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachEngine } from '../support/db.ts';
import { type TestApi, testApi } from './support.ts';

type ErrorJson = { error: { code: string; message: string; details?: Record<string, unknown>[] } };

describeEachEngine('http ledger writes', (db) => {
  let api: TestApi;
  const count = async (table: string) =>
    (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n;

  before(async () => {
    api = await testApi(db(), 'erp');
  });
  after(async () => {
    await api.app.close();
  });

  it('PUT creates a customer (201), then updates it (200), and GET returns what was sent', async () => {
    const body = {
      name: 'Acme GmbH',
      currency: 'eur',
      tags: ['key-account', 'de'],
      credit_limit: '25000.00',
      priority: 'high',
      payment_terms_days: 14,
      custom_fields: { region: 'North' },
    };
    const created = await api.send('PUT', '/api/v1/customers/ACME', body);
    assert.equal(created.status, 201, created.body);
    const c = created.json as Record<string, unknown>;
    assert.equal(c.external_id, 'ACME');
    assert.equal(c.currency, 'EUR');
    assert.equal(c.credit_limit, '25000.00');
    assert.deepEqual(c.tags, ['key-account', 'de']);
    assert.deepEqual(c.custom_fields, { region: 'North' });
    assert.equal(c.payment_terms_days, 14);

    const again = await api.send('PUT', '/api/v1/customers/ACME', body);
    assert.equal(again.status, 200);
    const renamed = await api.send('PUT', '/api/v1/customers/ACME', { ...body, name: 'Acme AG' });
    assert.equal(renamed.status, 200);
    assert.equal(((await api.get('/api/v1/customers/ACME')).json as Record<string, unknown>).name, 'Acme AG');
    const [event] = await db().query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE entity = 'customer' ORDER BY id LIMIT 1`,
    );
    assert.equal(event?.actor, 'api:erp');
  });

  it('PUT leaves fields that are left out as they are and clears fields sent as null', async () => {
    const r = await api.send('PUT', '/api/v1/customers/ACME', { name: 'Acme AG', credit_limit: null });
    assert.equal(r.status, 200, r.body);
    const c = r.json as Record<string, unknown>;
    assert.equal(c.credit_limit, null);
    assert.deepEqual(c.tags, ['key-account', 'de']);
    assert.equal(c.priority, 'high');
  });

  it('PUT refuses a body external_id that differs from the URL, and unknown fields, naming them', async () => {
    const mismatch = await api.send('PUT', '/api/v1/customers/ACME', { external_id: 'OTHER', name: 'x' });
    assert.equal(mismatch.status, 400);
    assert.equal((mismatch.json as ErrorJson).error.details?.[0]?.path, 'body.external_id');
    const unknown = await api.send('PUT', '/api/v1/customers/NEW', { name: 'x', naem: 'y' });
    assert.equal(unknown.status, 400);
    assert.match((unknown.json as ErrorJson).error.message, /^body\.naem: is not a known field/);
    const custom = await api.send('PUT', '/api/v1/customers/NEW', {
      name: 'x',
      custom_fields: { Currency: 'USD' },
    });
    assert.equal(custom.status, 400);
    assert.match((custom.json as ErrorJson).error.message, /body\.custom_fields\.Currency/);
    assert.equal((await api.get('/api/v1/customers/NEW')).status, 404);
  });

  it('PUT answers 422 rejected_rows when the import refuses the record', async () => {
    const r = await api.send('PUT', '/api/v1/invoices/INV-X', {
      customer_external_id: 'NOBODY',
      number: 'INV-X',
      issue_date: '2026-01-01',
      amount: '10.00',
    });
    assert.equal(r.status, 422, r.body);
    const err = (r.json as ErrorJson).error;
    assert.equal(err.code, 'rejected_rows');
    assert.equal(err.details?.[0]?.path, 'body.customer_external_id');
    assert.match(err.message, /NOBODY/);
    assert.equal(await count('invoices'), 0);
    // ?create_customers=true creates the customer instead
    const ok = await api.send('PUT', '/api/v1/invoices/INV-X?create_customers=true', {
      customer_external_id: 'NOBODY',
      number: 'INV-X',
      issue_date: '2026-01-01',
      amount: '10.00',
    });
    assert.equal(ok.status, 201, ok.body);
    assert.equal((await api.get('/api/v1/customers/NOBODY')).status, 200);
  });

  it('POST upserts a batch and returns the import result; the same batch again changes nothing', async () => {
    const items = Array.from({ length: 1200 }, (_, i) => ({
      customer_external_id: 'ACME',
      number: `B-${String(i).padStart(4, '0')}`,
      issue_date: '2026-02-01',
      due_date: '2026-03-03',
      amount: `${100 + i}.50`,
    }));
    const r = await api.send('POST', '/api/v1/invoices', { items });
    assert.equal(r.status, 200, r.body.slice(0, 500));
    assert.deepEqual(r.json, {
      kind: 'invoices',
      rows: 1200,
      inserted: 1200,
      updated: 0,
      unchanged: 0,
      rejected: [],
    });
    const again = await api.send('POST', '/api/v1/invoices', { items });
    assert.deepEqual(again.json, {
      kind: 'invoices',
      rows: 1200,
      inserted: 0,
      updated: 0,
      unchanged: 1200,
      rejected: [],
    });
    const inv = (await api.get('/api/v1/invoices/B-0007')).json as Record<string, unknown>;
    assert.equal(inv.amount, '107.50');
    assert.equal(inv.open_balance, '107.50');
  });

  it('POST with any bad item answers 422 listing the rejected rows and writes nothing', async () => {
    const before = await count('invoices');
    const r = await api.send('POST', '/api/v1/invoices', {
      items: [
        { customer_external_id: 'ACME', number: 'N-1', issue_date: '2026-02-01', amount: '10.00' },
        { customer_external_id: 'ACME', number: 'N-2', issue_date: '2026-02-01', amount: '10.001' },
        { customer_external_id: 'GHOST', number: 'N-3', issue_date: '2026-02-01', amount: '10.00' },
      ],
    });
    assert.equal(r.status, 422, r.body);
    const err = (r.json as ErrorJson).error;
    assert.equal(err.code, 'rejected_rows');
    assert.match(err.message, /2 of 3 items were rejected, so nothing was written/);
    assert.deepEqual(
      err.details?.map((d) => [d.row, d.path]),
      [
        [2, 'body.items[1].amount'],
        [3, 'body.items[2].customer_external_id'],
      ],
    );
    assert.equal(await count('invoices'), before);

    const partial = await api.send('POST', '/api/v1/invoices?partial=true', {
      items: [
        { customer_external_id: 'ACME', number: 'N-1', issue_date: '2026-02-01', amount: '10.00' },
        { customer_external_id: 'GHOST', number: 'N-3', issue_date: '2026-02-01', amount: '10.00' },
      ],
    });
    assert.equal(partial.status, 200);
    const result = partial.json as { inserted: number; rejected: { row: number }[] };
    assert.equal(result.inserted, 1);
    assert.deepEqual(
      result.rejected.map((e) => e.row),
      [2],
    );
    assert.equal(await count('invoices'), (before ?? 0) + 1);
  });

  it('validation errors name the field path, e.g. body.items[3].due_date', async () => {
    const before = await count('invoices');
    const items = Array.from({ length: 5 }, (_, i) => ({
      customer_external_id: 'ACME',
      number: `V-${i}`,
      issue_date: '2026-02-01',
      amount: '1.00',
      ...(i === 3 ? { due_date: '2026-02-30' } : {}),
      ...(i === 4 ? { amount: 12.5 } : {}),
    }));
    const r = await api.send('POST', '/api/v1/invoices', { items });
    assert.equal(r.status, 400);
    const err = (r.json as ErrorJson).error;
    assert.equal(err.code, 'validation_failed');
    assert.match(err.message, /^body\.items\[3\]\.due_date: must be a date written YYYY-MM-DD \(and 1 more/);
    assert.deepEqual(
      err.details?.map((d) => d.path),
      ['body.items[3].due_date', 'body.items[4].amount'],
    );
    assert.equal(await count('invoices'), before);

    const empty = await api.send('POST', '/api/v1/customers', { items: [] });
    assert.equal(empty.status, 400);
    assert.match(empty.body, /body\.items: must hold at least one item/);
    const missing = await api.send('POST', '/api/v1/customers', { items: [{ name: 'no id' }] });
    assert.equal(missing.status, 400);
    assert.match(missing.body, /body\.items\[0\]\.external_id/);
  });

  it('malformed JSON is a 400 malformed_json; a wrong content type is a 415', async () => {
    const r = await api.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { ...api.auth, 'content-type': 'application/json' },
      payload: '{"items": [',
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.code, 'malformed_json');
    const text = await api.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { ...api.auth, 'content-type': 'text/csv' },
      payload: 'external_id,name\nX,Y\n',
    });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().error.code, 'unsupported_media_type');
  });

  it('?dry_run=true counts without writing', async () => {
    const before = await count('customers');
    const r = await api.send('POST', '/api/v1/customers?dry_run=true', {
      items: [
        { external_id: 'DRY-1', name: 'Dry One' },
        { external_id: 'DRY-2', name: 'Dry Two' },
      ],
    });
    assert.equal(r.status, 200);
    assert.equal((r.json as { inserted: number }).inserted, 2);
    assert.equal(await count('customers'), before);
  });

  it('upserts contacts, payments with applied_to as a list, and credit notes', async () => {
    const contact = await api.send('PUT', '/api/v1/contacts/K-1', {
      customer_external_id: 'ACME',
      name: 'Anna',
      email: 'anna@acme.example',
      role: 'ap',
    });
    assert.equal(contact.status, 201, contact.body);
    assert.equal((contact.json as Record<string, unknown>).role, 'ap');

    const payment = await api.send('PUT', '/api/v1/payments/PAY-1', {
      customer_external_id: 'ACME',
      date: '2026-03-10',
      amount: '150.00',
      applied_to: [{ invoice: 'B-0000', amount: '100.50' }, { invoice: 'B-0001' }],
    });
    assert.equal(payment.status, 201, payment.body);
    const p = payment.json as {
      applications: { invoice_external_id: string; amount: string }[];
      unapplied: string;
    };
    assert.deepEqual(
      p.applications.map((a) => [a.invoice_external_id, a.amount]),
      [
        ['B-0000', '100.50'],
        ['B-0001', '49.50'],
      ],
    );
    assert.equal(p.unapplied, '0.00');
    assert.equal(
      ((await api.get('/api/v1/invoices/B-0001')).json as Record<string, unknown>).open_balance,
      '52.00',
    );

    const credit = await api.send('PUT', '/api/v1/credit-notes/CN-1', {
      customer_external_id: 'ACME',
      number: 'CN-1',
      date: '2026-03-11',
      amount: '2.00',
      applied_to: 'B-0001:2.00',
    });
    assert.equal(credit.status, 201, credit.body);
    assert.equal(
      ((await api.get('/api/v1/invoices/B-0001')).json as Record<string, unknown>).open_balance,
      '50.00',
    );

    assert.equal((await api.send('DELETE', '/api/v1/credit-notes/CN-1')).status, 204);
    assert.equal(
      ((await api.get('/api/v1/invoices/B-0001')).json as Record<string, unknown>).open_balance,
      '52.00',
    );
    assert.equal((await api.send('DELETE', '/api/v1/payments/PAY-1')).status, 204);
    assert.equal(
      ((await api.get('/api/v1/invoices/B-0001')).json as Record<string, unknown>).open_balance,
      '101.50',
    );
  });

  it('voiding an invoice through PUT takes it out of the open totals', async () => {
    const r = await api.send('PUT', '/api/v1/invoices/B-0002', {
      customer_external_id: 'ACME',
      number: 'B-0002',
      issue_date: '2026-02-01',
      due_date: '2026-03-03',
      amount: '102.50',
      status: 'void',
    });
    assert.equal(r.status, 200, r.body);
    assert.equal((r.json as Record<string, unknown>).status, 'void');
    const voided = await api.get('/api/v1/invoices?status=void&customer=ACME');
    assert.deepEqual(
      (voided.json as { items: { external_id: string }[] }).items.map((i) => i.external_id),
      ['B-0002'],
    );
  });
});
