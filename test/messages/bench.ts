/**
 * Throughput of message rendering and statement PDFs (not a test: timing goals live in
 * benchmarks). Run: node --import tsx test/messages/bench.ts [seconds per measure, default 5]
 *
 * - renders/s: the shipped past-due template (de) for a customer with 10 invoices in two
 *   currencies: subject + HTML + derived text, MJML compiled once (cached), variables built
 *   each time from plain data as the sender would.
 * - PDFs/s: an account statement with 30 lines (28 invoices, opening and closing balance),
 *   DejaVu Sans embedded; without a logo, with a 320×96 RGB PNG logo and with the same logo
 *   with an alpha channel. Each line also gives the CPU time per PDF (user + system, so
 *   other processes on a busy machine inflate it less than the wall-clock rate) and the size.
 * - statementPdf(): the public function the sender and the API call — the ledger query on
 *   an embedded PGlite plus the render — for one customer with the same 28 invoices.
 */

import { loadDefaultTemplates } from '../../src/messages/defaults/templates/index.ts';
import { statementPdf } from '../../src/messages/documents/index.ts';
import { buildStatement, type LedgerInvoice } from '../../src/messages/documents/statement-data.ts';
import { renderStatementPdf } from '../../src/messages/documents/statement-pdf.ts';
import { renderMessage } from '../../src/messages/templates/render.ts';
import {
  buildVariables,
  type InvoiceData,
  SAMPLE_VARIABLE_INPUT,
} from '../../src/messages/templates/variables.ts';
import { freshPglite } from '../support/db.ts';
import { pngImage } from './support/png.ts';

const seconds = Number(process.argv[2] ?? 5);

async function measure(name: string, work: () => Promise<unknown>): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 20; i++) last = await work(); // warm-up: JIT, caches, font parsing
  let count = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await work();
    count++;
  }
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / count;
  const size = Buffer.isBuffer(last) ? `, ${(last.length / 1024).toFixed(1)} KB` : '';
  console.log(
    `${name}: ${(count / elapsed).toFixed(0)}/s (${count} in ${elapsed.toFixed(1)} s), ${cpuMs.toFixed(2)} ms CPU each${size}`,
  );
}

/** A 320×96 PNG (colour gradient), RGB or RGBA: a typical logo. */
function logoPng(alpha: boolean): Buffer {
  const gradient = [(x: number) => 31 + (x % 64), (_: number, y: number) => 78 + (y % 32), () => 121];
  return pngImage(320, 96, {
    alpha,
    pixel: (x, y, c) => (c < 3 ? gradient[c]!(x, y) : 255 - ((x + y) % 128)),
  });
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
const organisation = {
  name: 'Nordlicht Logistik GmbH',
  address: 'Hafenstraße 12\n20457 Hamburg',
  logo: null,
  remittance: null,
};
for (const [label, logo] of [
  ['no logo', null],
  ['RGB PNG logo', logoPng(false)],
  ['RGBA PNG logo', logoPng(true)],
] as const) {
  await measure(`statement PDF (30 lines, ${label}) renders`, () =>
    renderStatementPdf({
      organisation: { ...organisation, logo },
      customer: { externalId: 'C-1', name: 'Łódź Café & Señor Müller S.L.' },
      language: 'de',
      statement,
    }),
  );
}

const db = await freshPglite();
await db.exec(`
  UPDATE organisation SET name = 'Nordlicht Logistik GmbH', address = 'Hafenstraße 12, 20457 Hamburg', language = 'de';
  INSERT INTO customers (external_id, name) VALUES ('C-1', 'Łódź Café & Señor Müller S.L.');
  INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
  SELECT 'RE-2026-' || lpad(g::text, 4, '0'), c.id, 'RE-2026-' || lpad(g::text, 4, '0'),
         DATE '2026-03-01' + (g - 1) % 28, DATE '2026-04-15', 'EUR', 50000 + g
    FROM customers c, generate_series(1, 28) g;
`);
await measure(
  'statementPdf() from PGlite (1 query + render)',
  async () => (await statementPdf(db, 'C-1', '2026-03-31')).bytes,
);
await db.close();
