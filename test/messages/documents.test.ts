/**
 * Statement lines from ledger rows, and the statement and invoice PDFs: page count and page
 * numbers, the embedded Unicode font, and the text a reader sees. Text comes from pdftotext
 * when it is installed, else from the built-in reader of test/messages/support/pdf.ts; each
 * test says which one it used.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderInvoicePdf } from '../../src/messages/documents/invoice-pdf.ts';
import type { DocumentBranding } from '../../src/messages/documents/pdf.ts';
import { buildStatement, type LedgerInvoice } from '../../src/messages/documents/statement-data.ts';
import { renderStatementPdf } from '../../src/messages/documents/statement-pdf.ts';
import { inspectPdf } from './support/pdf.ts';

/*
 * Calendar of the small ledger (EUR unless said):
 *   2026-01-10 INV-1 1000.00 issued, due 2026-02-09
 *   2026-01-20 INV-V  500.00 issued, void (never on the statement)
 *   2026-02-01 INV-2  200.00 issued, due 2026-03-03
 *   2026-02-05 PAY-1  600.00 received, applied to INV-1
 *   2026-02-10 CN-1    50.00 credit note, applied to INV-2
 *   2026-02-12 INV-3  300.00 issued as partly paid by the ERP: adjustment 100.00 dated 2026-02-12
 *   2026-02-15 INV-U  USD 70.00 issued, due 2026-02-20
 *   2026-03-05 PAY-2  999.00 after the period (not on a statement to 2026-02-28)
 * Period 2026-02-01 … 2026-02-28.
 */
const invoices: LedgerInvoice[] = [
  {
    number: 'INV-1',
    issueDate: '2026-01-10',
    dueDate: '2026-02-09',
    currency: 'EUR',
    amount: 100000,
    status: 'open',
  },
  {
    number: 'INV-V',
    issueDate: '2026-01-20',
    dueDate: '2026-02-19',
    currency: 'EUR',
    amount: 50000,
    status: 'void',
  },
  {
    number: 'INV-2',
    issueDate: '2026-02-01',
    dueDate: '2026-03-03',
    currency: 'EUR',
    amount: 20000,
    status: 'open',
  },
  {
    number: 'INV-3',
    issueDate: '2026-02-12',
    dueDate: '2026-01-01',
    currency: 'EUR',
    amount: 30000,
    status: 'open',
  },
  {
    number: 'INV-U',
    issueDate: '2026-02-15',
    dueDate: '2026-02-20',
    currency: 'USD',
    amount: 7000,
    status: 'open',
  },
];
const ledger = {
  from: '2026-02-01',
  to: '2026-02-28',
  invoices,
  payments: [
    { reference: 'PAY-1', date: '2026-02-05', currency: 'EUR', amount: 60000 },
    { reference: 'PAY-2', date: '2026-03-05', currency: 'EUR', amount: 99900 },
  ],
  creditNotes: [{ number: 'CN-1', date: '2026-02-10', currency: 'EUR', amount: 5000 }],
  applications: [
    { invoiceNumber: 'INV-1', kind: 'payment' as const, date: '2026-02-05', amount: 60000 },
    { invoiceNumber: 'INV-2', kind: 'credit_note' as const, date: '2026-02-10', amount: 5000 },
    { invoiceNumber: 'INV-3', kind: 'adjustment' as const, date: '2026-02-12', amount: 10000 },
    { invoiceNumber: 'INV-1', kind: 'payment' as const, date: '2026-03-05', amount: 40000 },
  ],
};

describe('statement data', () => {
  const statement = buildStatement(ledger);
  const eur = statement.sections.find((s) => s.currency === 'EUR')!;
  const usd = statement.sections.find((s) => s.currency === 'USD')!;

  it('keeps one section per currency, never summed', () => {
    assert.deepEqual(
      statement.sections.map((s) => s.currency),
      ['EUR', 'USD'],
    );
    assert.equal(usd.closingBalance, 7000);
  });

  it('opens with the balance before the period and runs it line by line', () => {
    assert.equal(eur.openingBalance, 100000);
    assert.deepEqual(
      eur.lines.map((l) => [l.date, l.kind, l.reference, l.debit, l.credit, l.balance]),
      [
        ['2026-02-01', 'invoice', 'INV-2', 20000, 0, 120000],
        ['2026-02-05', 'payment', 'PAY-1', 0, 60000, 60000],
        ['2026-02-10', 'credit_note', 'CN-1', 0, 5000, 55000],
        ['2026-02-12', 'invoice', 'INV-3', 30000, 0, 85000],
        ['2026-02-12', 'adjustment', 'INV-3', 0, 10000, 75000],
      ],
    );
    assert.equal(eur.closingBalance, 75000);
    assert.deepEqual(eur.totals, { invoiced: 50000, paid: 60000, credited: 5000, adjusted: 10000 });
  });

  it('ages what is open at the period end and reconciles with the closing balance', () => {
    // INV-1 400.00 (19 days past due), INV-2 150.00 (not yet due), INV-3 200.00 (58 days)
    assert.deepEqual(eur.aging, {
      current: 15000,
      '1-30': 40000,
      '31-60': 20000,
      '61-90': 0,
      '91+': 0,
      total: 75000,
    });
    assert.equal(eur.unapplied, 0);
    assert.deepEqual(
      eur.openItems.map((i) => [i.number, i.open, i.daysPastDue]),
      [
        ['INV-3', 20000, 58],
        ['INV-1', 40000, 19],
        ['INV-2', 15000, -3],
      ],
    );
  });

  it('shows money on account as unapplied', () => {
    const withUnapplied = buildStatement({
      ...ledger,
      payments: [...ledger.payments, { reference: 'ADV', date: '2026-02-20', currency: 'EUR', amount: 2500 }],
    });
    assert.equal(withUnapplied.sections[0]!.unapplied, -2500);
    assert.equal(withUnapplied.sections[0]!.closingBalance, 72500);
  });

  it('refuses an empty period', () => {
    assert.throws(() => buildStatement({ ...ledger, from: '2026-03-01', to: '2026-02-28' }), /empty/);
  });
});

const org: DocumentBranding = {
  name: 'Złota Rybka Sp. z o.o.',
  address: 'ul. Łąkowa 7\n90-554 Łódź, Polska',
  logo: null,
  remittance: 'IBAN PL61 1090 1014 0000 0712 1981 2874 · SWIFT WBKPPLPP',
};

function manyInvoices(count: number): LedgerInvoice[] {
  return Array.from({ length: count }, (_, i) => ({
    number: `FV/2026/${String(i + 1).padStart(3, '0')}`,
    issueDate: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
    dueDate: '2026-04-30',
    currency: 'EUR',
    amount: 10000 + i,
    status: 'open' as const,
  }));
}

describe('statement PDF', () => {
  it('puts 75 lines on 3 pages, numbered, with the table header on each', async (t) => {
    const statement = buildStatement({
      from: '2026-03-01',
      to: '2026-03-31',
      invoices: manyInvoices(75),
      payments: [],
      creditNotes: [],
      applications: [],
    });
    assert.equal(statement.sections[0]!.lines.length, 75);
    const pdf = await renderStatementPdf({
      organisation: org,
      customer: { externalId: 'K-17', name: 'Ñandú Großhandel Ærø' },
      language: 'en',
      statement,
    });
    const inspected = inspectPdf(pdf);
    t.diagnostic(
      `checked: %PDF- header, %%EOF, page tree (${inspected.pages} pages), embedded fonts [${inspected.embeddedFonts}], text via ${inspected.textSource}`,
    );
    assert.equal(inspected.pages, 3);
    inspected.pageTexts.forEach((text, i) => {
      assert.match(text, new RegExp(`Page ${i + 1} of 3`));
      assert.match(text, /Date\s+Document\s+Due date\s+Charges\s+Payments\s+Balance/);
    });
    const invoiceLines = inspected.pageTexts.map(
      (text) => (text.match(/Invoice FV\/2026\/\d{3}/g) ?? []).length,
    );
    assert.deepEqual(invoiceLines, [29, 30, 16]); // opening balance + 29, then 30, then 16 + closing
    assert.match(inspected.pageTexts[2]!, /Closing balance/);
    assert.match(inspected.pageTexts[2]!, /Aging of open invoices/);
    assert.match(inspected.pageTexts[2]!, /Remittance details/);
  });

  it('embeds DejaVu Sans and renders ä, ł, ñ, € as text', async (t) => {
    const statement = buildStatement(ledger);
    const pdf = await renderStatementPdf({
      organisation: org,
      customer: { externalId: 'K-17', name: 'Ñandú Großhandel Ærø – Łukasz' },
      language: 'de',
      statement,
    });
    const inspected = inspectPdf(pdf);
    t.diagnostic(`text via ${inspected.textSource}; fonts ${inspected.embeddedFonts.join(', ')}`);
    assert.deepEqual(inspected.embeddedFonts, ['DejaVuSans', 'DejaVuSans-Bold']);
    const text = inspected.pageTexts.join('\n');
    for (const expected of [
      'Złota Rybka Sp. z o.o.',
      'Łódź, Polska',
      'Ñandú Großhandel Ærø',
      'Kontoauszug',
      'Anfangssaldo',
      '1.000,00 €',
      'Rechnung INV-2',
      'Zahlung PAY-1',
      'Gutschrift CN-1',
      'Konto in USD',
      '70,00 $',
      'Altersstruktur der offenen Rechnungen',
      'IBAN PL61 1090 1014 0000 0712 1981 2874',
    ]) {
      assert.ok(text.replace(/\s+/g, ' ').includes(expected), `missing "${expected}" in:\n${text}`);
    }
    assert.doesNotMatch(text, /INV-V/, 'void invoice listed');
    assert.doesNotMatch(text, /PAY-2/, 'payment after the period listed');
    assert.equal(inspected.pages, 1);
    assert.match(text, /Seite 1 von 1/);
  });

  it('is the same document for the same data', async () => {
    const input = {
      organisation: org,
      customer: { externalId: 'K-1', name: 'A' },
      language: 'fr',
      statement: buildStatement(ledger),
    };
    const a = await renderStatementPdf(input);
    const b = await renderStatementPdf(input);
    assert.ok(a.equals(b), 'two renders of the same statement differ');
  });
});

describe('invoice PDF', () => {
  it('prints the invoice copy with settlements and the balance due, in the reader language', async (t) => {
    const pdf = await renderInvoicePdf({
      organisation: org,
      customer: { externalId: 'K-17', name: 'Señora Núñez' },
      language: 'es',
      invoice: {
        number: 'FV/2026/001',
        issueDate: '2026-01-10',
        dueDate: '2026-02-09',
        currency: 'EUR',
        amount: 123450,
        poNumber: 'PO-ÄÖÜ-9',
      },
      settlements: [
        { date: '2026-02-05', kind: 'payment', reference: 'TRX-1', amount: 20000 },
        { date: '2026-02-07', kind: 'credit_note', reference: 'AB-3', amount: 3450 },
      ],
      asOf: '2026-02-10',
    });
    const inspected = inspectPdf(pdf);
    t.diagnostic(`text via ${inspected.textSource}`);
    assert.equal(inspected.pages, 1);
    const text = inspected.pageTexts.join('\n').replace(/\s+/g, ' ');
    for (const expected of [
      'Factura FV/2026/001',
      '10 de enero de 2026',
      '9 de febrero de 2026',
      'PO-ÄÖÜ-9',
      'Señora Núñez',
      'Importe de la factura 1234,50 €',
      'Importe pendiente 1000,00 €',
      'Pago TRX-1',
      'Abono AB-3',
      'Página 1 de 1',
    ]) {
      assert.ok(text.includes(expected), `missing "${expected}" in: ${text}`);
    }
  });
});
