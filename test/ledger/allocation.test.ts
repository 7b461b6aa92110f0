import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  allocatePayment,
  numbersInReference,
  type OpenInvoice,
  splitAgainstAdjustment,
} from '../../src/ledger/allocation.ts';

const inv = (
  id: number,
  number: string,
  dueDate: string,
  openBalance: number,
  currency = 'EUR',
): OpenInvoice => ({
  id,
  number,
  currency,
  dueDate,
  issueDate: '2024-01-01',
  openBalance,
});

// Three open EUR invoices, due in January, February and March; one USD invoice due first.
const invoices = [
  inv(1, 'INV-1001', '2024-02-15', 10000),
  inv(2, 'INV-1002', '2024-01-15', 5000),
  inv(3, 'INV-1003', '2024-03-15', 7000),
  inv(4, 'INV-2000', '2023-12-01', 9999, 'USD'),
];

describe('allocation', () => {
  it('applies explicit applied_to first: stated amounts, else up to the open balance', () => {
    const r = allocatePayment(
      {
        amount: 12000,
        currency: 'EUR',
        reference: '',
        appliedTo: [
          { number: 'INV-1003', amount: 3000 },
          { number: 'INV-1001', amount: null },
        ],
      },
      invoices,
    );
    assert.deepEqual(
      r.applications.map((a) => [a.number, a.amount, a.rule]),
      [
        ['INV-1003', 3000, 'applied_to'],
        ['INV-1001', 9000, 'applied_to'],
      ],
    );
    assert.equal(r.unapplied, 0);
  });

  it('continues with invoice numbers in the reference, then oldest due date first', () => {
    const r = allocatePayment(
      { amount: 20000, currency: 'EUR', reference: 'Payment INV-1003 / INV-1001', appliedTo: [] },
      invoices,
    );
    assert.deepEqual(
      r.applications.map((a) => [a.number, a.amount, a.rule]),
      [
        ['INV-1003', 7000, 'reference'],
        ['INV-1001', 10000, 'reference'],
        ['INV-1002', 3000, 'oldest'],
      ],
    );
  });

  it('allocates oldest due date first and keeps an overpayment as credit', () => {
    const r = allocatePayment(
      { amount: 25000, currency: 'EUR', reference: 'thanks', appliedTo: [] },
      invoices,
    );
    assert.deepEqual(
      r.applications.map((a) => [a.number, a.amount]),
      [
        ['INV-1002', 5000],
        ['INV-1001', 10000],
        ['INV-1003', 7000],
      ],
    );
    assert.equal(r.unapplied, 3000);
  });

  it('never crosses currencies and reports applied_to numbers it cannot use', () => {
    const r = allocatePayment(
      {
        amount: 500,
        currency: 'USD',
        reference: 'INV-1001',
        appliedTo: [{ number: 'INV-1002', amount: null }],
      },
      invoices,
    );
    assert.deepEqual(
      r.applications.map((a) => [a.number, a.amount]),
      [['INV-2000', 500]],
    );
    assert.deepEqual(r.unmatched, ['INV-1002']);
  });

  it('matches whole tokens only', () => {
    assert.deepEqual(numbersInReference('Pay INV-10011 and inv-1001.', ['INV-1001', 'INV-1002']), [
      'INV-1001',
    ]);
    assert.deepEqual(numbersInReference('1001,1002', ['1001', '1002', '100']), ['1001', '1002']);
    assert.deepEqual(numbersInReference('A21001', ['1001']), []);
  });

  it('consumes an adjustment before the open balance', () => {
    assert.deepEqual(splitAgainstAdjustment(6000, 4000), { fromAdjustment: 4000, fromOpenBalance: 2000 });
    assert.deepEqual(splitAgainstAdjustment(3000, 4000), { fromAdjustment: 3000, fromOpenBalance: 0 });
    assert.deepEqual(splitAgainstAdjustment(3000, 0), { fromAdjustment: 0, fromOpenBalance: 3000 });
  });

  it('never loses or creates a cent and never over-applies an invoice (property)', () => {
    const invoiceArb = fc.record({
      number: fc.constantFrom('A-1', 'A-2', 'B-3', '44', '45', 'X/9'),
      currency: fc.constantFrom('EUR', 'JPY'),
      dueDate: fc.constantFrom('2024-01-01', '2024-02-01', '2024-03-01'),
      openBalance: fc.integer({ min: -100, max: 100_000 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(invoiceArb, { selector: (i) => i.number, maxLength: 6 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.constantFrom('EUR', 'JPY'),
        fc.string(),
        fc.array(
          fc.record({
            number: fc.constantFrom('A-1', 'A-2', 'B-3', '44', 'nope'),
            amount: fc.option(fc.integer({ min: 1, max: 50_000 })),
          }),
          { maxLength: 4 },
        ),
        (list, amount, currency, reference, appliedTo) => {
          const open = list.map((i, n) => ({ ...i, id: n + 1, issueDate: '2023-12-01' }));
          const r = allocatePayment({ amount, currency, reference, appliedTo }, open);
          const applied = r.applications.reduce((s, a) => s + a.amount, 0);
          assert.equal(applied + r.unapplied, amount);
          assert.ok(r.unapplied >= 0);
          for (const a of r.applications) {
            const target = open.find((i) => i.id === a.invoiceId)!;
            assert.ok(a.amount > 0);
            assert.equal(target.currency, currency);
            assert.ok(a.amount <= target.openBalance);
          }
          assert.equal(new Set(r.applications.map((a) => a.invoiceId)).size, r.applications.length);
          // only an amount that no open invoice can take stays unapplied
          const capacity = open
            .filter((i) => i.currency === currency)
            .reduce((s, i) => s + Math.max(0, i.openBalance), 0);
          assert.equal(r.unapplied, Math.max(0, amount - capacity));
        },
      ),
      { numRuns: 500 },
    );
  });
});
