/**
 * POST /api/v1/inbound (the webhook mail providers call) and the inbound routes: a raw
 * message in with a bearer key or a per-endpoint secret (query or header), 413 over 25 MB,
 * 400 for an empty body, the unassigned list, assign, accept and undo — on both engines.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createWebhookSecret, revokeWebhookSecret } from '../../src/inbound/intake/index.ts';
import { type TestApi, testApi } from '../http/support.ts';
import { describeEachEngine } from '../support/db.ts';
import { replyMessage } from './support/messages.ts';

describeEachEngine('inbound API', (getDb) => {
  let api: TestApi;
  before(async () => {
    const db = getDb();
    await db.exec(`
      INSERT INTO customers (external_id, name) VALUES ('C1', 'Customer One');
      INSERT INTO contacts (external_id, customer_id, name, email)
        SELECT 'K1', id, 'Jane', 'jane@customer.example' FROM customers;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'I1', id, 'INV-1001', '2026-01-29', '2026-02-28', 'EUR', 125000 FROM customers;
    `);
    api = await testApi(db);
  });
  after(async () => api.app.close());

  const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    api.app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: { 'content-type': 'message/rfc822', ...headers },
    });

  it('takes a raw message with a bearer key: stored, processed, threaded by sender', async () => {
    const raw = replyMessage({
      from: 'jane@customer.example',
      messageId: 'api-1@customer.example',
      body: 'Hello,\r\n\r\nwe will pay INV-1001 by 27 March 2026.\r\n\r\nJane',
    });
    const r = await post('/api/v1/inbound', raw, api.auth);
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.equal(body.status, 'processed');
    assert.equal(body.source, 'api');
    assert.equal(body.kind, 'reply');
    assert.equal(body.customer_external_id, 'C1');
    assert.equal(body.duplicate, false);
    assert.deepEqual(body.proposal, { type: 'promise', invoices: ['INV-1001'], promised_date: '2026-03-27' });

    const accepted = await api.send('POST', `/api/v1/inbound/${body.id}/accept`, {});
    assert.equal(accepted.status, 200, accepted.body);
    assert.equal((accepted.json as { proposal_status: string }).proposal_status, 'accepted');
    const promises = await getDb().query<{ promised_date: string }>('SELECT promised_date FROM promises');
    assert.deepEqual(promises, [{ promised_date: '2026-03-27' }]);
    const undone = await api.send('POST', `/api/v1/inbound/${body.id}/undo`, {});
    assert.equal(undone.status, 200, undone.body);
    assert.equal((await getDb().query('SELECT 1 FROM promises')).length, 0);
    const again = await api.send('POST', `/api/v1/inbound/${body.id}/undo`, {});
    assert.equal(again.status, 422);
  });

  it('accepts a per-endpoint secret in the query or a header; refuses a wrong or revoked one', async () => {
    const db = getDb();
    const secret = await createWebhookSecret(db, 'mailgun');
    const raw = (n: number) =>
      replyMessage({ from: 'stranger@nowhere.example', messageId: `sec-${n}@x`, body: 'Who are you?' });
    const byQuery = await post(`/api/v1/inbound?secret=${secret.secret}`, raw(1));
    assert.equal(byQuery.statusCode, 200, byQuery.body);
    const byHeader = await post('/api/v1/inbound', raw(2), { 'x-dunwell-inbound-secret': secret.secret });
    assert.equal(byHeader.statusCode, 200, byHeader.body);
    assert.equal(byHeader.json().source_ref, 'webhook:mailgun');
    const wrong = await post(`/api/v1/inbound?secret=dwin_${'A'.repeat(43)}`, raw(3));
    assert.equal(wrong.statusCode, 401);
    // The secret opens this route only, not the rest of the API.
    const elsewhere = await api.app.inject({ method: 'GET', url: `/api/v1/inbound?secret=${secret.secret}` });
    assert.equal(elsewhere.statusCode, 401);
    await revokeWebhookSecret(db, secret.id);
    const revoked = await post(`/api/v1/inbound?secret=${secret.secret}`, raw(4));
    assert.equal(revoked.statusCode, 401);
    assert.equal(
      (await db.query(`SELECT 1 FROM inbound_messages WHERE message_id IN ('sec-3@x', 'sec-4@x')`)).length,
      0,
    );
  });

  it('refuses more than 25 MB with a clear 413 and an empty body with 400; stores nothing', async () => {
    const before = await getDb().query<{ n: number }>('SELECT count(*)::int AS n FROM inbound_messages');
    const big = Buffer.alloc(25 * 1024 * 1024 + 1, 'a');
    const r = await post('/api/v1/inbound', big, api.auth);
    assert.equal(r.statusCode, 413);
    assert.match(r.json().error.message, /larger than 25 MB.*not stored/);
    const empty = await post('/api/v1/inbound', '', api.auth);
    assert.equal(empty.statusCode, 400);
    assert.match(empty.json().error.message, /empty/);
    const after = await getDb().query<{ n: number }>('SELECT count(*)::int AS n FROM inbound_messages');
    assert.deepEqual(after, before);
  });

  it('lists unassigned mail and assigns it to a customer', async () => {
    const list = await api.get('/api/v1/inbound?status=unassigned');
    assert.equal(list.status, 200, list.body);
    const items = (list.json as { items: { id: number; from: string }[] }).items;
    assert.ok(items.length >= 2);
    assert.ok(items.every((i) => i.from === 'stranger@nowhere.example'));
    const target = items[0]!;
    const assigned = await api.send('POST', `/api/v1/inbound/${target.id}/assign`, {
      customer_external_id: 'C1',
    });
    assert.equal(assigned.status, 200, assigned.body);
    assert.equal((assigned.json as { thread_method: string }).thread_method, 'manual');
    const missing = await api.send('POST', `/api/v1/inbound/${target.id}/assign`, {
      customer_external_id: 'NOPE',
    });
    assert.equal(missing.status, 404);
    const after = await api.get('/api/v1/inbound?status=unassigned');
    assert.ok(!(after.json as { items: { id: number }[] }).items.some((i) => i.id === target.id));
    const one = await api.get(`/api/v1/inbound/${target.id}`);
    assert.equal((one.json as { customer_external_id: string }).customer_external_id, 'C1');
    assert.equal((await api.get('/api/v1/inbound/999999')).status, 404);
  });
});
