// Promises to pay: the pure transition rules, creating a promise (with its refusals), the
// refresh from payments (kept / partial / broken), R6 (an open promise holds dunning), and a
// broken promise firing the promise_broken campaign and a collector task.
//
// Calendar (Nov 2026): today 15 (Sun); promised date 20 (Fri); grace 2 → deadline 22 (Sun);
// first broken day 23 (Mon).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_CAMPAIGNS_PATH } from '../../src/campaigns/definition.ts';
import { runEngine } from '../../src/campaigns/run.ts';
import { applyCampaignFile } from '../../src/campaigns/store.ts';
import { promiseOutcome } from '../../src/ledger/promise-rules.ts';
import { createPromise, listPromises, refreshPromises } from '../../src/ledger/promises.ts';
import { listOutbox } from '../../src/messages/outbox.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { NotFoundError, UserError } from '../../src/platform/errors.ts';
import { listTasks } from '../../src/tasks/index.ts';
import { describeEachEngine } from '../support/db.ts';

describe('promise rules (pure)', () => {
  const base = {
    promisedDate: '2026-11-20',
    graceDays: 2,
    amount: null,
    balanceAtPromise: 10000,
    invoiceStatus: 'open' as const,
    balanceAtCheck: 10000,
    lastApplicationOn: null,
  };
  it('stays open until the deadline while a balance is left', () => {
    assert.equal(promiseOutcome(base, '2026-11-15'), null);
    assert.equal(promiseOutcome(base, '2026-11-22'), null);
  });
  it('is kept as soon as the balance is 0 (even early)', () => {
    assert.deepEqual(
      promiseOutcome({ ...base, balanceAtCheck: 0, lastApplicationOn: '2026-11-18' }, '2026-11-19'),
      {
        status: 'kept',
        settledOn: '2026-11-18',
        paid: 10000,
      },
    );
  });
  it('is partial after the deadline when something but not all was paid', () => {
    assert.deepEqual(promiseOutcome({ ...base, balanceAtCheck: 4000 }, '2026-11-23'), {
      status: 'partial',
      settledOn: '2026-11-23',
      paid: 6000,
    });
    assert.equal(
      promiseOutcome({ ...base, amount: 6000, balanceAtCheck: 4000 }, '2026-11-23')!.status,
      'partial',
    );
  });
  it('is broken the day after the deadline when nothing was paid', () => {
    assert.deepEqual(promiseOutcome(base, '2026-11-23'), {
      status: 'broken',
      settledOn: '2026-11-23',
      paid: 0,
    });
    assert.equal(promiseOutcome(base, '2026-12-30')!.settledOn, '2026-11-23');
  });
  it('closes as kept when the invoice is voided', () => {
    assert.equal(promiseOutcome({ ...base, invoiceStatus: 'void' }, '2026-11-16')!.status, 'kept');
  });
});

describeEachEngine('promises to pay', (db) => {
  const today = '2026-11-15';

  async function pay(number: string, amount: number, date: string) {
    await db().execute(
      `WITH p AS (
         INSERT INTO payments (external_id, customer_id, date, amount, currency)
         SELECT 'PAY-' || $1::text || '-' || $3::text, customer_id, $3::date, $2::bigint, currency
           FROM invoices WHERE number = $1::text
         RETURNING id)
       INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
       SELECT i.id, 'payment', p.id, $2::bigint, $3::date FROM invoices i, p WHERE i.number = $1::text`,
      [number, amount, date],
    );
  }

  it('records a promise on the timeline and refuses bad ones with a clear message', async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name, created_at) VALUES ('P1', 'Promiser', '2026-01-05T00:00:00Z');
      INSERT INTO contacts (external_id, customer_id, email) SELECT 'KP1', id, 'ap@p1.test' FROM customers;
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT n, (SELECT id FROM customers), n, '2026-10-01', '2026-11-10', 'EUR', a
          FROM (VALUES ('INV-P1', 10000), ('INV-P2', 5000), ('INV-P3', 8000)) v(n, a);
    `);
    const p = await createPromise(db(), {
      number: 'INV-P1',
      promisedDate: '2026-11-20',
      actor: 'cli',
      today,
      graceDays: 2,
    });
    assert.deepEqual(
      { ...p, id: 0 },
      {
        id: 0,
        invoice: 'INV-P1',
        customer_external_id: 'P1',
        promised_date: '2026-11-20',
        amount: null,
        currency: 'EUR',
        status: 'open',
        grace_days: 2,
        promised_through: '2026-11-22',
        created_by: 'cli',
      },
    );
    const [event] = await db().query<{ actor: string; data: { promised_date: string } }>(
      `SELECT actor, data FROM audit_log WHERE action = 'promise.created'`,
    );
    assert.equal(event!.actor, 'cli');
    assert.equal(event!.data.promised_date, '2026-11-20');

    const attempt = (over: Partial<Parameters<typeof createPromise>[1]>) =>
      createPromise(db(), {
        number: 'INV-P2',
        promisedDate: '2026-11-20',
        actor: 'cli',
        today,
        graceDays: 2,
        ...over,
      });
    await assert.rejects(attempt({ promisedDate: '2026-11-14' }), /in the past \(today is 2026-11-15\)/);
    await assert.rejects(
      attempt({ amount: '50.01' }),
      /more than the open balance of invoice INV-P2 \(50.00\)/,
    );
    await assert.rejects(attempt({ amount: '1,5' }), UserError);
    await assert.rejects(
      attempt({ number: 'INV-X' }),
      (e: unknown) => e instanceof NotFoundError && /no invoice numbered INV-X/.test(String(e)),
    );
    await assert.rejects(attempt({ number: 'INV-P1' }), /already has an open promise to pay by 2026-11-20/);

    const p2 = await attempt({ amount: '30.00' });
    assert.equal(p2.amount, '30.00');
    await attempt({ number: 'INV-P3' });
  });

  it('moves promises to kept, partial and broken from payments', async () => {
    await pay('INV-P1', 10000, '2026-11-19');
    await pay('INV-P2', 3000, '2026-11-21');
    const early = await refreshPromises(db(), '2026-11-19');
    assert.deepEqual(
      early.map((t) => [t.invoice, t.status]),
      [['INV-P1', 'kept']],
    );
    assert.deepEqual(await refreshPromises(db(), '2026-11-22'), []);
    const late = await refreshPromises(db(), '2026-11-23');
    assert.deepEqual(
      late.map((t) => [t.invoice, t.status, t.settledOn, t.paid]),
      [
        ['INV-P2', 'partial', '2026-11-23', 3000],
        ['INV-P3', 'broken', '2026-11-23', 0],
      ],
    );
    assert.deepEqual(await refreshPromises(db(), '2026-11-24'), []);
    assert.deepEqual(
      (await listPromises(db())).map((p) => [p.invoice, p.status]),
      [
        ['INV-P1', 'kept'],
        ['INV-P2', 'partial'],
        ['INV-P3', 'broken'],
      ],
    );
    const events = await db().query<{ action: string; actor: string }>(
      `SELECT action, actor FROM audit_log WHERE entity = 'promise' AND action <> 'promise.created' ORDER BY id`,
    );
    assert.deepEqual(
      events.map((e) => `${e.action}/${e.actor}`),
      ['promise.kept/engine', 'promise.partial/engine', 'promise.broken/engine'],
    );
  });

  it('a broken promise fires the promise_broken campaign and a collector task on the next run', async () => {
    await applyCampaignFile(db(), {
      text: readFileSync(DEFAULT_CAMPAIGNS_PATH, 'utf8'),
      fileName: 'campaigns.yaml',
      actor: 'test',
    });
    const run = await runEngine(db(), {
      date: '2026-11-23',
      actor: 'test',
      clock: fixedClock('2026-11-23T12:00:00Z'),
    });
    assert.ok(run.messages >= 1);
    const broken = (await listOutbox(db())).filter((m) => m.campaign === 'promise-broken');
    assert.deepEqual(
      broken.map((m) => [m.template, m.invoices]),
      [['promise-broken', ['INV-P3']]],
    );
    const tasks = (await listTasks(db())).filter((t) => t.kind === 'promise_broken');
    assert.deepEqual(
      tasks.map((t) => [t.customer_external_id, t.invoices]),
      [['P1', ['INV-P3']]],
    );
  });

  it('an open promise holds dunning for its invoice until promised date + grace (R6)', async () => {
    await db().exec(`
      INSERT INTO customers (external_id, name, created_at) VALUES ('P2', 'Holder', '2026-01-05T00:00:00Z');
      INSERT INTO contacts (external_id, customer_id, email) SELECT 'KP2', id, 'ap@p2.test' FROM customers WHERE external_id = 'P2';
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
        SELECT 'INV-H1', id, 'INV-H1', '2026-11-01', '2026-12-01', 'EUR', 1000 FROM customers WHERE external_id = 'P2';
    `);
    await createPromise(db(), {
      number: 'INV-H1',
      promisedDate: '2026-12-02',
      actor: 'api:test',
      today: '2026-11-20',
      graceDays: 2,
    });
    const clock = fixedClock('2026-12-01T12:00:00Z');
    const covered = await runEngine(db(), {
      date: '2026-12-01',
      dryRun: true,
      actor: 'test',
      clock,
      collect: true,
    });
    assert.deepEqual(
      covered.detail.outbox!.filter((m) => m.invoices.includes('INV-H1') && m.campaign !== 'statement'),
      [],
    );
    // Deadline 2026-12-04 (Fri); the next weekday after it is Mon 2026-12-07: dunning resumes
    // (due was at offset 0 on 12-01, now 6 days late: past catch-up, skipped; nothing else is
    // due yet), and the promise is broken.
    const after = await runEngine(db(), {
      date: '2026-12-07',
      dryRun: true,
      actor: 'test',
      clock,
      collect: true,
    });
    assert.equal(after.detail.promises.broken, 1);
  });
});
