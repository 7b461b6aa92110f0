// The customer page's API: the header summary (balances, average days late, risk), and the
// collector actions — add a note, log a call with a follow-up task, queue a one-off message
// through the outbox (R6 and R7 when queued, the paid check when sent), assign a campaign —
// each on the timeline, each refused whole on bad input, each refused to a viewer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { createSender } from '../../src/messages/sender/sender.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { signIn } from '../../src/users/sessions.ts';
import { addUser } from '../../src/users/users.ts';
import { testConfig } from '../messages/support/sender-fixture.ts';
import { describeEachEngine } from '../support/db.ts';
import { NOW, seedLedger, type TestApi, TODAY, testApi } from './support.ts';

type Json = Record<string, unknown>;
const PASSWORD = 'customer page password 1';

describeEachEngine('http customer page actions', (db) => {
  let api: TestApi;
  const sessions: Record<string, Record<string, string>> = {};
  const timeline = async (customer: string) =>
    ((await api.get(`/api/v1/customers/${customer}/timeline?limit=100`)).json as { items: Json[] }).items;
  const as = (role: string, method: 'POST' | 'PUT', url: string, payload: unknown) =>
    api.app.inject({
      method,
      url,
      headers: { ...sessions[role], 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });

  before(async () => {
    await seedLedger(db());
    api = await testApi(db(), 'desk');
    for (const role of ['collector', 'viewer'] as const) {
      await addUser(db(), { email: `${role}@example.com`, role, password: PASSWORD });
      const s = await signIn(
        db(),
        { email: `${role}@example.com`, password: PASSWORD, client: role },
        new Date(NOW),
      );
      sessions[role] = { cookie: `dunwell_session=${s.token}`, 'x-csrf-token': s.csrfToken };
    }
    const file = parseYaml(readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'));
    assert.equal((await api.send('PUT', '/api/v1/campaigns', file)).status, 200);
    // C005's payment history (all EUR, issued 2025-06-01, H-4 2023-12-02):
    //   H-1 1000.00 due 2025-07-01, paid 2025-07-31 (30 days late)
    //   H-2 3000.00 due 2025-08-01, paid 2025-08-06 (5 days late)
    //   H-3  500.00 due 2025-09-01, paid 2025-08-20 (early: 0 days late)
    //   H-4  700.00 due 2024-01-01, paid 2024-02-01 (closed more than 12 months before TODAY: not counted)
    //   → (1000 × 30 + 3000 × 5 + 500 × 0) / 4500 = 10 days
    await db().exec(`
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT h.n, c.id, h.n, least(DATE '2025-06-01', h.due - 30), h.due, 'EUR', h.amount FROM customers c
       CROSS JOIN (VALUES ('H-1', DATE '2025-07-01', 100000), ('H-2', DATE '2025-08-01', 300000),
                          ('H-3', DATE '2025-09-01', 50000), ('H-4', DATE '2024-01-01', 70000)) AS h(n, due, amount)
       WHERE c.external_id = 'C005';
      INSERT INTO applications (invoice_id, kind, amount, date)
      SELECT i.id, 'adjustment', i.amount, p.d FROM invoices i
        JOIN (VALUES ('H-1', DATE '2025-07-31'), ('H-2', DATE '2025-08-06'), ('H-3', DATE '2025-08-20'),
                     ('H-4', DATE '2024-02-01')) AS p(n, d) ON p.n = i.number;`);
  });
  after(async () => {
    await api.app.close();
  });

  it('summary: balances, average days late over 12 months, risk with its signals', async () => {
    const r = await api.get('/api/v1/customers/C005/summary');
    assert.equal(r.status, 200, r.body);
    const s = r.json as Json & { risk: { level: string; score: number; factors: Json[] } };
    assert.deepEqual(s.open_balance, { EUR: '30.06' });
    assert.deepEqual(s.overdue, { EUR: '10.01' });
    assert.equal(s.avg_days_late, 10);
    assert.equal(s.paid_invoices_12m, 3);
    // days late 10 → 1 point; overdue share 10.01 / 30.06 = 33 % → 1 point: medium
    assert.deepEqual(s.risk, {
      level: 'medium',
      score: 2,
      factors: [
        { factor: 'days_late', points: 1, value: 10 },
        { factor: 'overdue_share', points: 1, value: 1001 / 3006 },
      ],
    });
    assert.equal(s.campaign, null);
    assert.deepEqual(
      (s.campaigns as Json[]).map((c) => c.key),
      ['key-accounts', 'standard'],
    );
    assert.equal((await api.get('/api/v1/customers/NOPE/summary')).status, 404);
  });

  it('a note lands in the notes and on the timeline; a bad one writes nothing', async () => {
    const r = await api.send('POST', '/api/v1/customers/C003/notes', {
      body: 'Asked for a copy of I-C003-1',
      invoice: 'I-C003-1',
    });
    assert.equal(r.status, 201, r.body);
    assert.equal((r.json as Json).author, 'api:desk');
    const [entry] = await timeline('C003');
    assert.equal(entry?.action, 'note.added');
    assert.deepEqual(entry?.data, { body: 'Asked for a copy of I-C003-1', invoices: ['I-C003-1'] });

    const bad = await api.send('POST', '/api/v1/customers/C003/notes', { body: 'x', invoice: 'I-C004-1' });
    assert.equal(bad.status, 422, bad.body);
    assert.match(bad.body, /I-C004-1.*not one of C003/);
    const blank = await api.send('POST', '/api/v1/customers/C003/notes', { body: '   ' });
    assert.equal(blank.status, 422, blank.body);
    const [{ n }] = (await db().query<{ n: number }>('SELECT count(*)::int AS n FROM notes')) as [
      { n: number },
    ];
    assert.equal(n, 1);
  });

  it('a logged call with a next-step date opens a call task for that day', async () => {
    const r = await api.send('POST', '/api/v1/customers/C003/calls', {
      outcome: 'reached',
      contact: 'K-C003-1',
      note: 'Payment run is on Friday',
      next_step: 'Check the Friday payment run',
      next_step_date: '2026-03-20',
    });
    assert.equal(r.status, 201, r.body);
    const call = r.json as Json;
    assert.equal(typeof call.task_id, 'number');
    const task = (await api.get(`/api/v1/tasks/${call.task_id}`)).json as Json;
    assert.equal(task.kind, 'call');
    assert.equal(task.due, '2026-03-20');
    assert.equal(task.title, 'Check the Friday payment run');
    assert.equal(task.customer_external_id, 'C003');
    const [entry] = await timeline('C003');
    assert.equal(entry?.action, 'call.logged');
    assert.equal((entry!.data as Json).next_step_date, '2026-03-20');

    const plain = await api.send('POST', '/api/v1/customers/C003/calls', { outcome: 'no_answer' });
    assert.equal(plain.status, 201, plain.body);
    assert.equal((plain.json as Json).task_id, null);

    const tasksBefore = await db().query('SELECT id FROM tasks');
    for (const body of [
      { outcome: 'reached', next_step_date: '2026-03-14' },
      { outcome: 'chatted' },
      { outcome: 'reached', contact: 'K-C004-1', next_step_date: '2026-03-20' },
    ]) {
      const refused = await api.send('POST', '/api/v1/customers/C003/calls', body);
      assert.ok(refused.status === 400 || refused.status === 422, refused.body);
    }
    assert.equal((await db().query('SELECT id FROM tasks')).length, tasksBefore.length);
    assert.equal((await db().query('SELECT id FROM customer_calls')).length, 2);
  });

  it('a one-off message goes through the outbox with the invoices R6 allows, and the paid check applies when sending', async () => {
    // C004: I-C004-1 (due 01-15), -2 (due today), -3; dispute -3 so it is left out
    assert.equal(
      (await api.send('POST', '/api/v1/invoices/I-C004-3/dispute', { reason: 'price' })).status,
      201,
    );
    const r = await api.send('POST', '/api/v1/customers/C004/messages', {
      template: 'past-due',
      attach_invoices: true,
    });
    assert.equal(r.status, 201, r.body);
    const m = r.json as Json;
    assert.deepEqual(m.invoices, ['I-C004-1', 'I-C004-2']);
    assert.deepEqual(m.to, ['ap1@c004.example', 'ap2@c004.example']);
    assert.deepEqual(m.attachments, ['I-C004-1.pdf', 'I-C004-2.pdf']);
    assert.equal(m.planned_for, TODAY);
    const outbox = (await api.get('/api/v1/outbox?customer=C004')).json as { items: Json[] };
    assert.deepEqual(
      outbox.items.map((x) => [x.id, x.campaign, x.step, x.template, x.status]),
      [[m.id, 'manual', 'one-off', 'past-due', 'planned']],
    );
    const [entry] = await timeline('C004');
    assert.equal(entry?.action, 'message.queued');

    // R6 when queued: a listed disputed invoice, a paused customer; R7: nobody to mail
    for (const [customer, body, pattern] of [
      ['C004', { template: 'past-due', invoices: ['I-C004-3'] }, /I-C004-3 is disputed/],
      ['C020', { template: 'past-due' }, /paused/],
      ['C004', { template: 'no-such-template' }, /no template "no-such-template"/],
      ['S1', { template: 'welcome', invoices: [] }, /no contact that receives dunning/],
    ] as const) {
      const refused = await api.send('POST', `/api/v1/customers/${customer}/messages`, body);
      assert.equal(refused.status, 422, refused.body);
      assert.match((refused.json as { error: { message: string } }).error.message, pattern);
    }
    // a message about no invoice may go to a paused customer
    const welcome = await api.send('POST', '/api/v1/customers/C020/messages', {
      template: 'welcome',
      invoices: [],
    });
    assert.equal(welcome.status, 201, welcome.body);

    // paid in full before sending: the sender's paid check cancels the message
    await db().exec(`
      INSERT INTO applications (invoice_id, kind, amount, date)
      SELECT id, 'adjustment', amount, DATE '${TODAY}' FROM invoices WHERE number IN ('I-C004-1', 'I-C004-2');`);
    const sender = createSender(db(), { clock: fixedClock(NOW), config: testConfig({}), renderThreads: 0 });
    try {
      await sender.drain();
    } finally {
      await sender.close();
    }
    const [row] = await db().query<{ status: string; cancel_reason: string }>(
      'SELECT status, cancel_reason FROM outbox_messages WHERE id = $1',
      [m.id],
    );
    assert.deepEqual(row, { status: 'cancelled', cancel_reason: 'paid' });
    const [sent] = await db().query<{ status: string }>('SELECT status FROM outbox_messages WHERE id = $1', [
      (welcome.json as Json).id,
    ]);
    assert.equal(sent?.status, 'sent');
  });

  it('assigns a dunning campaign of the active set, and back to the audience rules', async () => {
    const r = await api.send('PUT', '/api/v1/customers/C030/campaign', { campaign: 'key-accounts' });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, { customer_external_id: 'C030', campaign: 'key-accounts', previous: null });
    assert.equal(((await api.get('/api/v1/customers/C030/summary')).json as Json).campaign, 'key-accounts');
    const [entry] = await timeline('C030');
    assert.equal(entry?.action, 'customer.campaign_changed');
    assert.deepEqual(entry?.data, { from: null, to: 'key-accounts' });
    for (const campaign of ['welcome', 'nope']) {
      const refused = await api.send('PUT', '/api/v1/customers/C030/campaign', { campaign });
      assert.equal(refused.status, 422, refused.body);
      assert.match(refused.body, /choose one of key-accounts, standard/);
    }
    const back = await api.send('PUT', '/api/v1/customers/C030/campaign', { campaign: null });
    assert.deepEqual(back.json, { customer_external_id: 'C030', campaign: null, previous: 'key-accounts' });
  });

  it('collectors act; viewers are refused every action (403) and nothing is written', async () => {
    const actions: [method: 'POST' | 'PUT', url: string, body: Json][] = [
      ['POST', '/api/v1/customers/C040/notes', { body: 'hello' }],
      ['POST', '/api/v1/customers/C040/calls', { outcome: 'voicemail' }],
      ['POST', '/api/v1/customers/C040/messages', { template: 'statement', invoices: [] }],
      ['PUT', '/api/v1/customers/C040/campaign', { campaign: 'standard' }],
    ];
    for (const [method, url, body] of actions) {
      const refused = await as('viewer', method, url, body);
      assert.equal(refused.statusCode, 403, `${url}: ${refused.body}`);
    }
    assert.equal((await timeline('C040')).length, 0);
    for (const [method, url, body] of actions) {
      const done = await as('collector', method, url, body);
      assert.ok(done.statusCode === 200 || done.statusCode === 201, `${url}: ${done.body}`);
    }
    const actionsOnTimeline = (await timeline('C040')).map((e) => [e.action, e.actor]);
    assert.deepEqual(actionsOnTimeline, [
      ['customer.campaign_changed', 'user:collector@example.com'],
      ['message.queued', 'user:collector@example.com'],
      ['call.logged', 'user:collector@example.com'],
      ['note.added', 'user:collector@example.com'],
    ]);
  });
});
