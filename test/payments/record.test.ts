// recordPayment: the one path every received payment takes (bank, portal, provider, API).
// Calendar (Nov 2026): see support.ts; a promise for INV-1002 by 11-28, payments dated 11-24.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createPromise } from '../../src/ledger/promises.ts';
import { recordPayment } from '../../src/payments/record.ts';
import { UserError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';
import { balances, customerId, invoiceId, planMessage, seedLedger, TODAY } from './support.ts';

describeEachEngine('recordPayment', (db) => {
  it('applies to the given invoices, keeps the promise, cancels the obsolete message, logs it', async () => {
    await seedLedger(db());
    await createPromise(db(), {
      number: 'INV-1002',
      promisedDate: '2026-11-28',
      actor: 'test',
      today: '2026-11-20',
      graceDays: 2,
    });
    const onlyPaid = await planMessage(db(), 'C-1', ['INV-1002'], TODAY);
    const stillOpen = await planMessage(db(), 'C-1', ['INV-1002', 'INV-1003'], TODAY);
    const c1 = await customerId(db(), 'C-1');
    const inv1002 = await invoiceId(db(), 'INV-1002');
    const result = await db().transaction((tx) =>
      recordPayment(
        tx,
        {
          customerId: c1,
          externalId: 'portal:1',
          date: '2026-11-24',
          amount: 30000,
          currency: 'EUR',
          reference: 'checkout',
          source: 'portal',
          appliedTo: [{ invoiceId: inv1002, amount: 25000 }],
        },
        'portal:ap@acme.test',
        { today: TODAY },
      ),
    );
    // 250.00 to INV-1002 as asked, the remaining 50.00 oldest first: INV-1001
    assert.deepEqual(
      result.applied.map((a) => [a.number, a.amount]),
      [
        ['INV-1002', 25000],
        ['INV-1001', 5000],
      ],
    );
    assert.equal(result.credit, 0);
    assert.equal(result.promisesKept, 1);
    assert.equal(result.messagesCancelled, 1);
    const b = await balances(db());
    assert.equal(b['INV-1001'], 5000);
    assert.equal(b['INV-1002'], 0);
    const statuses = await db().query<{ id: number; status: string }>(
      'SELECT id, status FROM outbox_messages WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[onlyPaid, stillOpen]],
    );
    assert.deepEqual(
      statuses.map((s) => s.status),
      ['cancelled', 'planned'],
    );
    const [promise] = await db().query<{ status: string }>('SELECT status FROM promises');
    assert.equal(promise?.status, 'kept');
    const events = await db().query<{ action: string }>(
      `SELECT action FROM audit_log WHERE customer_id = $1 AND actor = 'portal:ap@acme.test' ORDER BY id`,
      [c1],
    );
    assert.deepEqual(
      events.map((e) => e.action),
      ['payment.recorded', 'promise.kept', 'message.cancelled'],
    );
    const [payment] = await db().query<{ source: string }>(
      `SELECT source FROM payments WHERE external_id = 'portal:1'`,
    );
    assert.equal(payment?.source, 'portal');
  });

  it('is idempotent on the external id and refuses a reused id with other facts', async () => {
    const c1 = await customerId(db(), 'C-1');
    const before = await balances(db());
    const again = await db().transaction((tx) =>
      recordPayment(
        tx,
        {
          customerId: c1,
          externalId: 'portal:1',
          date: '2026-11-24',
          amount: 30000,
          currency: 'EUR',
          reference: 'checkout',
          source: 'portal',
        },
        'portal:ap@acme.test',
      ),
    );
    assert.equal(again.duplicate, true);
    assert.equal(
      again.applied.reduce((s, a) => s + a.amount, 0),
      30000,
    );
    assert.deepEqual(await balances(db()), before);
    await assert.rejects(
      db().transaction((tx) =>
        recordPayment(
          tx,
          {
            customerId: c1,
            externalId: 'portal:1',
            date: '2026-11-24',
            amount: 1,
            currency: 'EUR',
            reference: '',
            source: 'portal',
          },
          'test',
        ),
      ),
      (err) => err instanceof UserError && /already recorded/.test(err.message),
    );
  });

  it('matches by reference, keeps an overpayment as credit and never touches another customer', async () => {
    const c2 = await customerId(db(), 'C-2');
    const result = await db().transaction((tx) =>
      recordPayment(
        tx,
        {
          customerId: c2,
          externalId: 'bank:x',
          date: '2026-11-24',
          amount: 20000,
          currency: 'EUR',
          reference: 'INV-2002 and INV-1001',
          source: 'bank',
        },
        'test',
      ),
    );
    // INV-1001 is C-1's: the reference cannot reach it
    assert.deepEqual(
      result.applied.map((a) => [a.number, a.amount]),
      [
        ['INV-2002', 7550],
        ['INV-2001', 10000],
      ],
    );
    assert.equal(result.credit, 2450);
    assert.equal((await balances(db()))['INV-1001'], 5000);
  });

  it('refuses to apply to another customer’s invoice and writes nothing', async () => {
    const c3 = await customerId(db(), 'C-3');
    const foreign = await invoiceId(db(), 'INV-1003');
    await assert.rejects(
      db().transaction((tx) =>
        recordPayment(
          tx,
          {
            customerId: c3,
            externalId: 'api:9',
            date: '2026-11-24',
            amount: 100,
            currency: 'EUR',
            reference: '',
            source: 'api',
            appliedTo: [{ invoiceId: foreign, amount: 100 }],
          },
          'test',
        ),
      ),
      /INV-1003 is not this customer's/,
    );
    const [n] = await db().query<{ n: number }>(
      `SELECT count(*)::int8 AS n FROM payments WHERE external_id = 'api:9'`,
    );
    assert.equal(n?.n, 0);
  });
});
