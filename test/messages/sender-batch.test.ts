// The sender's batch loaders (one query per table for a claimed batch) give exactly what their
// one-customer versions give: loadVariableInputs vs loadVariableInput, loadStatementPdfInputs vs
// loadStatementPdfInput — across customers with and without listed invoices, two days, an
// invoice paid in part between them, an open promise and dispute, a void invoice, a customer
// without a deliverable contact, two requests for one customer, and an unknown customer.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { loadStatementPdfInput, loadStatementPdfInputs } from '../../src/messages/documents/index.ts';
import {
  type LoadedVariables,
  loadVariableInput,
  loadVariableInputs,
} from '../../src/messages/templates/index.ts';
import { NotFoundError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';
import { addCustomer, addInvoice } from './support/sender-fixture.ts';

describeEachEngine('sender: batch loaders give what the one-customer loaders give', (db) => {
  before(async () => {
    const a = await addCustomer(db(), 'B-1', 'Alpha', [{ name: 'Ann', email: 'ann@alpha.test' }]);
    const b = await addCustomer(db(), 'B-2', 'Beta', [{ name: 'Ben', email: 'ben@beta.test' }], 'de');
    const c = await addCustomer(db(), 'B-3', 'Gamma (no contact)', []);
    for (const [customer, prefix] of [
      [a, 'A'],
      [b, 'B'],
      [c, 'C'],
    ] as const) {
      await addInvoice(db(), customer, `${prefix}-1`, '2026-10-01', 100_00);
      await addInvoice(db(), customer, `${prefix}-2`, '2026-11-01', 250_50);
      await addInvoice(db(), customer, `${prefix}-3`, '2026-11-20', 75_00);
    }
    await db().execute(`UPDATE invoices SET status = 'void' WHERE number = 'B-3'`);
    // A-2 paid in part on 2026-11-24 (between the two days compared)
    await db().execute(
      `INSERT INTO payments (external_id, customer_id, reference, date, currency, amount)
       VALUES ('P-1', $1, 'wire 1', '2026-11-24', 'EUR', 5000)`,
      [a],
    );
    await db().execute(
      `INSERT INTO applications (payment_id, invoice_id, kind, date, amount)
       SELECT p.id, i.id, 'payment', '2026-11-24', 5000 FROM payments p, invoices i
        WHERE p.external_id = 'P-1' AND i.number = 'A-2'`,
    );
    await db().execute(`UPDATE invoices SET open_balance = open_balance - 5000 WHERE number = 'A-2'`);
    const promised = await db().execute(
      `INSERT INTO promises (customer_id, invoice_id, promised_date, amount, balance_at_promise, promised_on,
                             grace_days, created_by)
       SELECT customer_id, id, '2026-12-01', 10000, amount, '2026-11-20', 3, 'test' FROM invoices WHERE number = 'B-1'`,
    );
    const disputed = await db().execute(
      `INSERT INTO disputes (customer_id, invoice_id, reason, opened_by)
       SELECT customer_id, id, 'wrong quantity', 'test' FROM invoices WHERE number = 'B-2'`,
    );
    assert.equal(promised + disputed, 2);
  });

  const requests = [
    { customerExternalId: 'B-1', options: { date: '2026-11-25', publicUrl: 'https://ar.example' } },
    {
      customerExternalId: 'B-1',
      options: { date: '2026-11-23', publicUrl: 'https://ar.example', invoiceNumbers: ['A-2', 'A-1'] },
    },
    {
      customerExternalId: 'B-2',
      options: { date: '2026-11-25', publicUrl: 'https://ar.example', invoiceNumbers: ['B-2'] },
    },
    { customerExternalId: 'B-2', options: { date: '2026-11-25', publicUrl: 'https://ar.example' } },
    { customerExternalId: 'B-3', options: { date: '2026-11-23', publicUrl: 'https://ar.example' } },
    {
      customerExternalId: 'B-3',
      options: { date: '2026-11-25', publicUrl: 'https://ar.example', invoiceNumbers: ['C-9'] },
    },
    { customerExternalId: 'NOPE', options: { date: '2026-11-25', publicUrl: 'https://ar.example' } },
  ];

  it('template variables: the same input per request, and the same error where one fails', async () => {
    const batch = await loadVariableInputs(db(), requests);
    assert.equal(batch.length, requests.length);
    for (const [i, r] of requests.entries()) {
      const one = await loadVariableInput(db(), r.customerExternalId, r.options).catch((e: unknown) => e);
      const got = batch[i];
      if (one instanceof Error) {
        assert.ok(got instanceof NotFoundError, `request ${i}: expected an error`);
        assert.equal(got.message, one.message);
      } else assert.deepEqual(got, one, `request ${i}`);
    }
    // the check means something: the two days differ for B-1 (A-2 paid in part on the 24th),
    // and the promise and the dispute made it into B-2's invoices
    const [first, second] = batch as LoadedVariables[];
    assert.equal(first!.input.invoices.find((x) => x.number === 'A-2')?.balance, 250_50 - 5000);
    assert.equal(second!.input.invoices.find((x) => x.number === 'A-2')?.balance, 250_50);
    const beta = batch[3] as LoadedVariables;
    assert.deepEqual(
      beta.input.invoices.map((x) => [x.promisedDate, x.disputeReason]),
      [
        ['2026-12-01', null],
        [null, 'wrong quantity'],
      ],
    );
  });

  it('statements: the same input per customer; unknown customers are left out', async () => {
    for (const to of ['2026-11-23', '2026-11-25']) {
      const batch = await loadStatementPdfInputs(db(), ['B-1', 'B-2', 'B-3', 'B-1', 'NOPE'], { to });
      assert.deepEqual([...batch.keys()].sort(), ['B-1', 'B-2', 'B-3']);
      for (const id of ['B-1', 'B-2', 'B-3']) {
        assert.deepEqual(batch.get(id), await loadStatementPdfInput(db(), id, { to }), `${id} on ${to}`);
      }
    }
  });
});
