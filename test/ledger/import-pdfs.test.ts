// `dunwell import invoices` with a pdf_path column: each named PDF is stored with its invoice
// (relative to the file's folder), a missing or non-PDF file is listed and keeps none of the
// others out, and a path leaving the folder is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { seedDataDir } from '../support/db.ts';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

it('stores the invoice PDFs an import file names, and lists the ones it cannot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dunwell-import-pdfs-'));
  const store = join(dir, 'store');
  await seedDataDir(store);
  writeFileSync(join(dir, 'inv-1.pdf'), PDF);
  writeFileSync(join(dir, 'inv-2.pdf'), 'not a pdf');
  writeFileSync(
    join(dir, 'invoices.csv'),
    [
      'number,customer_external_id,issue_date,due_date,currency,amount,pdf_path',
      'INV-1,C1,2026-01-01,2026-01-31,EUR,100.00,inv-1.pdf',
      'INV-2,C1,2026-01-01,2026-01-31,EUR,100.00,inv-2.pdf',
      'INV-3,C1,2026-01-01,2026-01-31,EUR,100.00,../outside.pdf',
      'INV-4,C1,2026-01-01,2026-01-31,EUR,100.00,',
    ].join('\n'),
  );
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (c) => {
    out += String(c);
  });
  const stderr = new PassThrough().on('data', (c) => {
    err += String(c);
  });
  const code = await main(
    ['import', 'invoices', join(dir, 'invoices.csv'), '--create-customers', '--db', store],
    { stdout, stderr, env: {} },
  );
  assert.equal(code, 0, err);
  assert.match(out, /invoice PDFs: 1 stored, 2 not/);
  assert.match(err, /invoice INV-2: PDF not stored: .*not a PDF/);
  assert.match(err, /invoice INV-3: PDF not stored: .*outside/);
  const db = await openDatabase(store);
  try {
    const docs = await db.query<{ number: string }>(
      "SELECT i.number FROM documents d JOIN invoices i ON i.id = d.invoice_id WHERE d.kind = 'invoice' ORDER BY 1",
    );
    assert.deepEqual(
      docs.map((d) => d.number),
      ['INV-1'],
    );
  } finally {
    await db.close();
  }
});
