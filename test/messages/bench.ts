/**
 * Throughput of message rendering and statement PDFs (not a test: timing goals live in
 * benchmarks). Run: node --import tsx test/messages/bench.ts [seconds per measure, default 5]
 *
 * - renders/s: the shipped past-due template (de) for a customer with 10 invoices in two
 *   currencies: subject + HTML + derived text, MJML compiled once (cached), variables built
 *   each time from plain data as the sender would.
 * - PDFs/s: an account statement with 30 lines (one page), DejaVu Sans embedded.
 */

import { loadDefaultTemplates } from '../../src/messages/defaults/templates/index.ts';
import { buildStatement, type LedgerInvoice } from '../../src/messages/documents/statement-data.ts';
import { renderStatementPdf } from '../../src/messages/documents/statement-pdf.ts';
import { renderMessage } from '../../src/messages/templates/render.ts';
import {
  buildVariables,
  type InvoiceData,
  SAMPLE_VARIABLE_INPUT,
} from '../../src/messages/templates/variables.ts';

const seconds = Number(process.argv[2] ?? 5);

async function measure(name: string, work: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 20; i++) await work(); // warm-up: JIT, caches, font parsing
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await work();
    count++;
  }
  const elapsed = (performance.now() - started) / 1000;
  console.log(`${name}: ${(count / elapsed).toFixed(0)}/s (${count} in ${elapsed.toFixed(1)} s)`);
}

const template = loadDefaultTemplates().find((t) => t.key === 'past-due' && t.language === 'de')!;
const invoices: InvoiceData[] = Array.from({ length: 10 }, (_, i) => ({
  number: `RE-2026-${String(i + 1).padStart(4, '0')}`,
  issueDate: '2026-01-05',
  dueDate: `2026-02-${String(1 + i * 2).padStart(2, '0')}`,
  currency: i < 7 ? 'EUR' : 'USD',
  amount: 100000 + i * 1234,
  balance: 90000 + i * 1234,
  pdfUrl: `https://ar.example/portal/invoices/RE-2026-${i + 1}.pdf`,
}));

await measure('past-due (de, 10 invoices) renders', async () => {
  const variables = buildVariables({
    ...SAMPLE_VARIABLE_INPUT,
    customer: { ...SAMPLE_VARIABLE_INPUT.customer, language: 'de' },
    invoices,
  });
  return renderMessage({ ...template, version: 1 }, variables);
});

const lines: LedgerInvoice[] = Array.from({ length: 28 }, (_, i) => ({
  number: `RE-2026-${String(i + 1).padStart(4, '0')}`,
  issueDate: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
  dueDate: '2026-04-15',
  currency: 'EUR',
  amount: 50000 + i,
  status: 'open',
}));
const statement = buildStatement({
  from: '2026-03-01',
  to: '2026-03-31',
  invoices: lines,
  payments: [],
  creditNotes: [],
  applications: [],
});
// 28 invoices + opening + closing = 30 lines
await measure('statement PDF (30 lines) renders', () =>
  renderStatementPdf({
    organisation: {
      name: 'Nordlicht Logistik GmbH',
      address: 'Hafenstraße 12\n20457 Hamburg',
      logo: null,
      remittance: null,
    },
    customer: { externalId: 'C-1', name: 'Łódź Café & Señor Müller S.L.' },
    language: 'de',
    statement,
  }),
);
