// The matcher (pure): rules in order, tolerant invoice numbers, combined and partial
// payments, and properties over random ledgers and statements (fast-check): money is
// conserved, no invoice gets more than it owed, no payment reaches another customer's invoice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type EntryToMatch,
  invoiceKey,
  type LedgerInvoice,
  type LedgerSnapshot,
  matchEntries,
  nameKey,
} from '../../src/payments/reconcile/match.ts';

const inv = (
  id: number,
  customerId: number,
  number: string,
  openBalance: number,
  dueDate = '2026-11-01',
): LedgerInvoice => ({
  id,
  customerId,
  number,
  currency: 'EUR',
  dueDate,
  issueDate: '2026-10-01',
  openBalance,
});

const ledger: LedgerSnapshot = {
  invoices: [
    inv(1, 1, 'INV-1001', 10000, '2026-11-01'),
    inv(2, 1, 'INV-1002', 25000, '2026-11-10'),
    inv(3, 1, 'INV-1003', 4000, '2026-11-20'),
    inv(4, 2, 'INV-2001', 10000, '2026-11-05'),
    inv(5, 2, 'INV-2002', 7550, '2026-11-15'),
    inv(6, 3, '2026/0042', 5000, '2026-11-15'),
  ],
  customers: [
    { id: 1, name: 'Acme GmbH' },
    { id: 2, name: 'Borealis Ltd.' },
    { id: 3, name: 'Cirrus SA' },
  ],
  bankAccounts: new Map([['DE89370400440532013000', 2]]),
};

const credit = (amount: number, over: Partial<EntryToMatch> = {}): EntryToMatch => ({
  amount,
  currency: 'EUR',
  reversal: false,
  texts: [],
  counterpartyName: null,
  counterpartyIban: null,
  ...over,
});

const summary = (d: ReturnType<typeof matchEntries>[number]) =>
  d.status === 'matched'
    ? {
        status: d.status,
        rule: d.rule,
        customer: d.customerId,
        apps: d.applications.map((a) => [a.number, a.amount]),
        credit: d.credit,
      }
    : { status: d.status };

describe('matching (pure)', () => {
  it('normalises invoice numbers and payer names', () => {
    assert.equal(invoiceKey('INV-0001001'), invoiceKey('inv 1001'));
    assert.equal(invoiceKey('2026/0042'), '202642');
    assert.notEqual(invoiceKey('INV-1001'), invoiceKey('INV-10011'));
    assert.equal(nameKey('ACME GmbH & Co. KG'), 'ACME');
    assert.equal(nameKey('Borealis Limited'), nameKey('borealis ltd.'));
  });

  it('finds invoice numbers however they are written, splits combined and partial payments', () => {
    const decisions = matchEntries(
      [
        credit(10000, { texts: ['Rechnung inv/01001'] }),
        credit(29000, { texts: ['INV 1002, INV-1003'] }),
        credit(3000, { texts: ['part of INV-2002'] }),
        credit(6000, { texts: ['invoice 2026-42 + extra'] }),
      ],
      ledger,
    );
    assert.deepEqual(decisions.map(summary), [
      { status: 'matched', rule: 'invoice_number', customer: 1, apps: [['INV-1001', 10000]], credit: 0 },
      {
        status: 'matched',
        rule: 'invoice_number',
        customer: 1,
        apps: [
          ['INV-1002', 25000],
          ['INV-1003', 4000],
        ],
        credit: 0,
      },
      { status: 'matched', rule: 'invoice_number', customer: 2, apps: [['INV-2002', 3000]], credit: 0 },
      // an overpayment: the invoice, then the customer's credit (nothing else is open)
      { status: 'matched', rule: 'invoice_number', customer: 3, apps: [['2026/0042', 5000]], credit: 1000 },
    ]);
  });

  it('does not settle a balance twice within one file', () => {
    const [first, second] = matchEntries(
      [credit(10000, { texts: ['INV-1001'] }), credit(10000, { texts: ['INV-1001 again'] })],
      ledger,
    );
    assert.deepEqual(summary(first!).apps, [['INV-1001', 10000]]);
    // INV-1001 is paid: the second goes to Acme's oldest open invoice
    assert.deepEqual(summary(second!).apps, [['INV-1002', 10000]]);
  });

  it('uses the payer account or name, then the amount within that customer', () => {
    const decisions = matchEntries(
      [
        credit(7550, { counterpartyIban: 'de89 3704 0044 0532 0130 00' }),
        credit(14000, { counterpartyName: 'ACME GMBH' }),
        credit(1234, { counterpartyName: 'Cirrus S.A.' }),
      ],
      ledger,
    );
    assert.deepEqual(decisions.map(summary), [
      { status: 'matched', rule: 'amount', customer: 2, apps: [['INV-2002', 7550]], credit: 0 },
      // 140.00 = INV-1001 + INV-1003, the only combination of Acme's open invoices
      {
        status: 'matched',
        rule: 'amount',
        customer: 1,
        apps: [
          ['INV-1001', 10000],
          ['INV-1003', 4000],
        ],
        credit: 0,
      },
      { status: 'matched', rule: 'counterparty', customer: 3, apps: [['2026/0042', 1234]], credit: 0 },
    ]);
  });

  it('matches an unknown payer by a unique balance only; ignores debits and reversals', () => {
    const decisions = matchEntries(
      [
        credit(25000),
        credit(10000),
        credit(-500),
        credit(4000, { reversal: true, texts: ['INV-1003'] }),
        credit(1),
      ],
      ledger,
    );
    assert.deepEqual(
      decisions.map((d) => [d.status, d.status === 'matched' ? d.applications.map((a) => a.number) : null]),
      [
        ['matched', ['INV-1002']],
        // INV-1001 and INV-2001 both owe 100.00: nothing tells them apart
        ['unmatched', null],
        ['ignored', null],
        ['ignored', null],
        ['unmatched', null],
      ],
    );
  });

  it('does not take a unique balance when the payer’s name belongs to someone else', () => {
    const decisions = matchEntries(
      [
        credit(25000, { counterpartyName: 'Payroll Mueller' }),
        credit(25000, { counterpartyName: 'ACME Holding' }),
      ],
      ledger,
    );
    assert.deepEqual(
      decisions.map((d) => [d.status, d.status === 'matched' ? d.customerId : null]),
      [
        ['unmatched', null],
        ['matched', 1],
      ],
    );
  });

  it('leaves a text naming two customers’ invoices, or another currency, to a person', () => {
    const decisions = matchEntries(
      [
        credit(20000, { texts: ['INV-1001 INV-2001'] }),
        credit(10000, { currency: 'USD', texts: ['INV-1001'] }),
      ],
      ledger,
    );
    assert.deepEqual(
      decisions.map((d) => d.status),
      ['unmatched', 'unmatched'],
    );
  });
});

describe('matching properties (fast-check)', () => {
  const arbLedger = fc
    .record({
      customers: fc.integer({ min: 1, max: 4 }),
      invoices: fc.array(
        fc.record({
          customer: fc.integer({ min: 1, max: 4 }),
          balance: fc.integer({ min: 1, max: 50_000 }),
          due: fc.integer({ min: 1, max: 28 }),
        }),
        { maxLength: 12 },
      ),
    })
    .map(
      ({ customers, invoices }): LedgerSnapshot => ({
        customers: Array.from({ length: customers }, (_, i) => ({ id: i + 1, name: `Customer ${i + 1}` })),
        invoices: invoices.map((x, i) =>
          inv(
            i + 1,
            Math.min(x.customer, customers),
            `INV-${100 + i}`,
            x.balance,
            `2026-11-${String(x.due).padStart(2, '0')}`,
          ),
        ),
        bankAccounts: new Map([['GB29NWBK60161331926819', 1]]),
      }),
    );
  const arbEntries = (l: LedgerSnapshot) =>
    fc.array(
      fc.record({
        amount: fc.integer({ min: -20_000, max: 60_000 }),
        reversal: fc.boolean(),
        refs: fc.subarray(l.invoices.map((i) => i.number)),
        name: fc.option(fc.constantFrom(...l.customers.map((c) => c.name), 'Stranger'), { nil: null }),
        iban: fc.option(fc.constant('GB29NWBK60161331926819'), { nil: null }),
      }),
      { maxLength: 8 },
    );

  it('conserves money, never over-applies, never crosses customers', () => {
    fc.assert(
      fc.property(
        arbLedger.chain((l) => fc.tuple(fc.constant(l), arbEntries(l))),
        ([l, raw]) => {
          const entries = raw.map((r) =>
            credit(r.amount, {
              reversal: r.reversal,
              texts: [r.refs.join(' ')],
              counterpartyName: r.name,
              counterpartyIban: r.iban,
            }),
          );
          const decisions = matchEntries(entries, l);
          const owner = new Map(l.invoices.map((i) => [i.id, i.customerId]));
          const applied = new Map<number, number>();
          let totalCredits = 0;
          let accounted = 0;
          decisions.forEach((d, k) => {
            const e = entries[k]!;
            const isCredit = e.amount > 0 && !e.reversal;
            if (isCredit) totalCredits += e.amount;
            if (d.status === 'ignored') {
              assert.equal(isCredit, false);
              return;
            }
            assert.equal(isCredit, true);
            if (d.status === 'unmatched') {
              accounted += e.amount;
              return;
            }
            const sum = d.applications.reduce((s, a) => s + a.amount, 0);
            assert.equal(sum + d.credit, e.amount);
            accounted += sum + d.credit;
            for (const a of d.applications) {
              assert.equal(owner.get(a.invoiceId), d.customerId, 'applied to another customer’s invoice');
              assert.ok(a.amount > 0);
              applied.set(a.invoiceId, (applied.get(a.invoiceId) ?? 0) + a.amount);
            }
          });
          assert.equal(accounted, totalCredits);
          for (const i of l.invoices)
            assert.ok((applied.get(i.id) ?? 0) <= i.openBalance, `${i.number} over-applied`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
