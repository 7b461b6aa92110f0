/**
 * The documents over the API (src/http/routes/documents.ts): statement and invoice PDFs as
 * downloads, invoice PDF uploads (checked, stored, served and attached byte for byte), and
 * the one public function the sender calls per statement. On both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  contentDisposition,
  invoicePdf,
  MAX_INVOICE_PDF_BYTES,
  safeFileName,
  statementPdf,
} from '../../src/messages/documents/index.ts';
import { type TestApi, testApi } from '../http/support.ts';
import { describeEachEngine } from '../support/db.ts';
import { inspectPdf } from './support/pdf.ts';

/** A small but real PDF (one empty page), as an ERP would export it. */
const UPLOADED = Buffer.from(
  [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
    '',
  ].join('\n'),
  'latin1',
);

describeEachEngine('documents API', (db) => {
  let api: TestApi;
  before(async () => {
    await db().exec(`
      UPDATE organisation SET name = 'Złota Rybka Sp. z o.o.', address = 'ul. Łąkowa 7, 90-554 Łódź',
        settings = '{"remittance": "IBAN PL61 1090 1014 0000 0712 1981 2874"}';
      INSERT INTO customers (external_id, name, language) VALUES ('K-1', 'Señor Müller & Cía', 'de'),
        ('K-2', 'Other Customer', NULL);
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'ext-1', id, 'FV/2026/001', DATE '2026-02-01', DATE '2026-03-03', 'EUR', 123450 FROM customers WHERE external_id = 'K-1';
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount)
      SELECT 'ext-2', id, 'FV/2026/002', DATE '2026-03-02', DATE '2026-04-01', 'EUR', 50000 FROM customers WHERE external_id = 'K-1';
      INSERT INTO payments (external_id, customer_id, date, amount, currency, reference)
      SELECT 'PAY-1', id, DATE '2026-03-05', 23450, 'EUR', 'ÜW-77' FROM customers WHERE external_id = 'K-1';
      INSERT INTO applications (invoice_id, kind, payment_id, amount, date)
      SELECT i.id, 'payment', p.id, p.amount, p.date FROM invoices i, payments p
       WHERE i.external_id = 'ext-1' AND p.external_id = 'PAY-1';
    `);
    api = await testApi(db());
  });
  after(async () => {
    await api.app.close();
  });

  const download = async (url: string, headers: Record<string, string> = api.auth) => {
    const r = await api.app.inject({ method: 'GET', url, headers });
    return { status: r.statusCode, headers: r.headers, bytes: r.rawPayload, body: r.body };
  };
  const upload = async (externalId: string, payload: Buffer, contentType = 'application/pdf') => {
    const r = await api.app.inject({
      method: 'PUT',
      url: `/api/v1/invoices/${externalId}/pdf`,
      headers: { ...api.auth, 'content-type': contentType },
      payload,
    });
    return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, unknown> };
  };

  it('serves the statement as of a day, in the customer language, with a safe file name', async () => {
    const r = await download('/api/v1/customers/K-1/statement.pdf?as_of=2026-03-15');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['content-type'], 'application/pdf');
    assert.equal(
      r.headers['content-disposition'],
      `attachment; filename="statement-2026-03-15.pdf"; filename*=UTF-8''statement-2026-03-15.pdf`,
    );
    const text = inspectPdf(r.bytes).pageTexts.join('\n').replace(/\s+/g, ' ');
    for (const expected of [
      'Kontoauszug',
      'Señor Müller & Cía',
      'Złota Rybka Sp. z o.o.',
      'Rechnung FV/2026/002',
      'Zahlung ÜW-77',
      '1.234,50 €', // opening balance: FV/2026/001 issued in February
      '1.500,00 €', // closing: 1234.50 + 500.00 − 234.50
      'IBAN PL61 1090 1014 0000 0712 1981 2874',
    ]) {
      assert.ok(text.includes(expected), `missing "${expected}" in: ${text}`);
    }
    // the same bytes as the function the sender calls
    const direct = await statementPdf(db(), 'K-1', '2026-03-15');
    assert.equal(direct.fileName, 'statement-2026-03-15.pdf');
    assert.ok(direct.bytes.equals(r.bytes), 'API and sender render different statements');
  });

  it('takes a period start and refuses one after the statement date', async () => {
    const r = await download('/api/v1/customers/K-1/statement.pdf?as_of=2026-03-15&from=2026-02-01');
    assert.equal(r.status, 200, r.body);
    const text = inspectPdf(r.bytes).pageTexts.join('\n');
    assert.match(text, /Rechnung FV\/2026\/001/); // issued in February: now a line of its own
    const bad = await download('/api/v1/customers/K-1/statement.pdf?as_of=2026-03-15&from=2026-03-16');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /from: 2026-03-16 is after as_of 2026-03-15/);
    const badDate = await download('/api/v1/customers/K-1/statement.pdf?as_of=2026-13-01');
    assert.equal(badDate.status, 400);
    assert.match(badDate.body, /as_of/);
  });

  it('answers 404 for an unknown customer or invoice and 401 without a key', async () => {
    const customer = await download('/api/v1/customers/NOPE/statement.pdf');
    const message = (body: string) => (JSON.parse(body) as { error: { message: string } }).error.message;
    assert.equal(customer.status, 404, customer.body);
    assert.match(message(customer.body), /no customer with external_id "NOPE"/);
    const invoice = await download('/api/v1/invoices/NOPE/pdf');
    assert.equal(invoice.status, 404);
    assert.match(message(invoice.body), /no invoice with external_id "NOPE"/);
    const anonymous = await download('/api/v1/customers/K-1/statement.pdf', {});
    assert.equal(anonymous.status, 401);
    const upload = await api.app.inject({
      method: 'PUT',
      url: '/api/v1/invoices/ext-1/pdf',
      headers: { 'content-type': 'application/pdf' },
      payload: UPLOADED,
    });
    assert.equal(upload.statusCode, 401);
  });

  it('renders an invoice copy when none was imported, named after its number', async () => {
    const r = await download('/api/v1/invoices/ext-1/pdf?as_of=2026-03-15');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-dunwell-document-origin'], 'rendered');
    assert.equal(
      r.headers['content-disposition'],
      `attachment; filename="FV_2026_001.pdf"; filename*=UTF-8''FV%2F2026%2F001.pdf`,
    );
    const text = inspectPdf(r.bytes).pageTexts.join('\n').replace(/\s+/g, ' ');
    for (const expected of [
      'Rechnungsnummer FV/2026/001',
      'Señor Müller & Cía',
      '1.000,00 €',
      'Zahlung ÜW-77',
    ]) {
      assert.ok(text.includes(expected), `missing "${expected}" in: ${text}`);
    }
  });

  it('refuses an upload that is not a PDF, is too large or has another type, storing nothing', async () => {
    const notPdf = await upload('ext-1', Buffer.from('<html>invoice</html>'));
    assert.equal(notPdf.status, 422);
    assert.match(String((notPdf.json.error as { message: string }).message), /not a PDF file/);
    const tooLarge = Buffer.alloc(MAX_INVOICE_PDF_BYTES + 1, 0x20);
    UPLOADED.copy(tooLarge);
    const large = await upload('ext-1', tooLarge);
    assert.equal(large.status, 413);
    assert.match(String((large.json.error as { message: string }).message), /larger than 10 MB/);
    const wrongType = await upload('ext-1', UPLOADED, 'text/plain');
    assert.equal(wrongType.status, 415);
    assert.match(String((wrongType.json.error as { message: string }).message), /application\/pdf/);
    const unknown = await upload('NOPE', UPLOADED);
    assert.equal(unknown.status, 404);
    const stored = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM documents');
    assert.deepEqual(stored, [{ n: 0 }]);
  });

  it('stores an uploaded PDF, serves and attaches it byte for byte, and puts it on the timeline once', async () => {
    const first = await upload('ext-1', UPLOADED);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.json.invoice, 'FV/2026/001');
    assert.equal(first.json.size, UPLOADED.length);
    assert.equal(first.json.changed, true);
    assert.match(String(first.json.sha256), /^[0-9a-f]{64}$/);
    const again = await upload('ext-1', UPLOADED);
    assert.equal(again.json.changed, false);

    const r = await download('/api/v1/invoices/ext-1/pdf');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-dunwell-document-origin'], 'imported');
    assert.ok(r.bytes.equals(UPLOADED), 'the served PDF differs from the uploaded one');
    const attached = await invoicePdf(db(), 'FV/2026/001', '2026-03-15');
    assert.equal(attached.origin, 'imported');
    assert.ok(attached.bytes.equals(UPLOADED), 'the attachment differs from the uploaded one');

    const events = await db().query<{ action: string; actor: string; entity_id: string }>(
      `SELECT action, actor, entity_id FROM audit_log WHERE action = 'invoice.pdf_stored'`,
    );
    assert.deepEqual(events, [{ action: 'invoice.pdf_stored', actor: 'api:test', entity_id: 'FV/2026/001' }]);
    // the other invoice still gets a rendered copy
    const other = await download('/api/v1/invoices/ext-2/pdf');
    assert.equal(other.headers['x-dunwell-document-origin'], 'rendered');
  });
});

describe('download file names', () => {
  it('keep headers clean whatever the name holds', () => {
    for (const name of [
      'a"\r\nX-Evil: 1.pdf',
      '../../etc/passwd',
      'Ñandú 2026/03.pdf',
      '\u0000.pdf',
      '',
      '....pdf',
    ]) {
      const header = contentDisposition(name);
      assert.ok(![...header].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e), header);
      const ascii = /filename="([^"]*)"/.exec(header)?.[1];
      assert.match(ascii ?? '', /^[A-Za-z0-9][A-Za-z0-9._-]*$/, `${JSON.stringify(name)} → ${header}`);
      assert.equal(header.match(/"/g)?.length, 2, header);
    }
    assert.equal(safeFileName('FV/2026/001.pdf'), 'FV_2026_001.pdf');
    assert.equal(safeFileName('Ñandú 2026.pdf'), 'and_2026.pdf');
    assert.equal(safeFileName('....pdf'), 'document.pdf');
    assert.equal(safeFileName('x'.repeat(300) + '.pdf').length, 120);
  });
});
