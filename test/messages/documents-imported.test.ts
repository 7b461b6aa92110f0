/**
 * Invoice PDFs named by an import (src/messages/documents/imported.ts): the URL fetcher's
 * contract against a real HTTP server on loopback (SSRF refusals, redirects, limits, pinned
 * address), files relative to the import's folder, and storing them on both engines.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  fetchPdf,
  invoicePdf,
  isPublicAddress,
  MAX_INVOICE_PDF_BYTES,
  readPdfFile,
  storeImportedInvoicePdfs,
} from '../../src/messages/documents/index.ts';
import { UserError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';

const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);

/** A loopback server: /a.pdf, /b.pdf, /html, /huge, /slow, /redirect → /a.pdf, /loop → /loop. */
async function pdfServer(): Promise<{ server: Server; base: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    switch (request.url) {
      case '/a.pdf':
        response.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF);
        return;
      case '/b.pdf':
        response.writeHead(200).end(Buffer.concat([PDF, Buffer.from('% second version\n')]));
        return;
      case '/html':
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
        return;
      case '/huge': {
        // no content-length: the limit must hold while streaming
        response.writeHead(200);
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        response.write(PDF);
        let sent = 0;
        const pump = () => {
          while (sent < 12 && response.write(chunk)) sent++;
          if (sent < 12) response.once('drain', pump);
          else response.end();
        };
        pump();
        return;
      }
      case '/slow':
        response.writeHead(200);
        response.write('%PDF-');
        return; // never ends
      case '/redirect':
        response.writeHead(302, { location: '/a.pdf' }).end();
        return;
      case '/loop':
        response.writeHead(302, { location: '/loop' }).end();
        return;
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, hits };
}

const refuses = async (work: Promise<unknown>, pattern: RegExp) => {
  await assert.rejects(work, (e: unknown) => {
    assert.ok(e instanceof UserError, `not a UserError: ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
};

describe('invoice PDF fetcher (port contract, real HTTP on loopback)', () => {
  let srv: Awaited<ReturnType<typeof pdfServer>>;
  before(async () => {
    srv = await pdfServer();
  });
  after(() => {
    srv.server.closeAllConnections();
    srv.server.close();
  });
  const inside = { allowPrivateNetworks: true, timeoutMs: 2000 };

  it('tells public from non-public addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
    ])
      assert.equal(isPublicAddress(a), false, a);
    for (const a of ['::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'])
      assert.equal(isPublicAddress(a), false, a);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34'])
      assert.equal(isPublicAddress(a), true, a);
  });

  it('refuses loopback, private and resolving-to-private hosts unless allowed, before connecting', async () => {
    const before = srv.hits.length;
    await refuses(fetchPdf(`${srv.base}/a.pdf`), /non-public address \(127\.0\.0\.1\)/);
    await refuses(fetchPdf('http://[::1]:9/a.pdf'), /non-public address \(::1\)/);
    await refuses(
      fetchPdf('https://erp.example/a.pdf', {
        resolveHost: async () => [{ address: '10.0.0.5', family: 4 }],
      }),
      /erp\.example is a private.*10\.0\.0\.5/,
    );
    // one private answer among public ones is enough to refuse
    await refuses(
      fetchPdf('https://erp.example/a.pdf', {
        resolveHost: async () => [
          { address: '93.184.216.34', family: 4 },
          { address: '169.254.169.254', family: 4 },
        ],
      }),
      /169\.254\.169\.254/,
    );
    assert.equal(srv.hits.length, before, 'a refused URL was requested');
  });

  it('refuses other schemes and credentials in the URL', async () => {
    await refuses(fetchPdf('file:///etc/passwd'), /only http and https/);
    await refuses(fetchPdf('ftp://example.com/a.pdf'), /only http and https/);
    await refuses(fetchPdf('http://user:secret@example.com/a.pdf'), /user name or password/);
    await refuses(fetchPdf('not a url'), /not a URL/);
  });

  it('fetches a PDF, follows a few redirects, and connects to the address it checked', async () => {
    assert.ok((await fetchPdf(`${srv.base}/a.pdf`, inside)).equals(PDF));
    assert.ok((await fetchPdf(`${srv.base}/redirect`, inside)).equals(PDF));
    await refuses(fetchPdf(`${srv.base}/loop`, inside), /more than 3 redirects/);
    // the name resolves (once, checked) to the loopback server: the request goes there
    const port = new URL(srv.base).port;
    const pinned = await fetchPdf(`http://pdfs.invalid:${port}/a.pdf`, {
      ...inside,
      resolveHost: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    assert.ok(pinned.equals(PDF));
  });

  it('refuses what is not a PDF, too large, missing or too slow', async () => {
    await refuses(fetchPdf(`${srv.base}/html`, inside), /not a PDF file/);
    await refuses(fetchPdf(`${srv.base}/huge`, inside), /larger than 10 MB/);
    await refuses(fetchPdf(`${srv.base}/nothing`, inside), /answered 404/);
    await refuses(fetchPdf(`${srv.base}/slow`, { ...inside, timeoutMs: 300 }), /no complete answer within/);
  });
});

describe('invoice PDF files named by an import', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dunwell-pdfs-'));
    await mkdir(join(dir, 'export', 'pdf'), { recursive: true });
    await writeFile(join(dir, 'export', 'pdf', 'INV-1.pdf'), PDF);
    await writeFile(join(dir, 'export', 'pdf', 'note.txt'), 'hello');
    await writeFile(join(dir, 'secret.pdf'), PDF);
    await symlink(join(dir, 'secret.pdf'), join(dir, 'export', 'pdf', 'link.pdf'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads files inside the import folder only', async () => {
    const base = join(dir, 'export');
    assert.ok((await readPdfFile('pdf/INV-1.pdf', base)).equals(PDF));
    await refuses(readPdfFile('../secret.pdf', base), /outside/);
    await refuses(readPdfFile(join(dir, 'secret.pdf'), base), /outside/);
    await refuses(readPdfFile('pdf/link.pdf', base), /outside/);
    await refuses(readPdfFile('pdf/none.pdf', base), /no such file/);
    await refuses(readPdfFile('pdf/note.txt', base), /not a PDF file/);
    await refuses(readPdfFile('pdf', base), /not a file/);
  });

  it('has the same size limit as uploads', () => {
    assert.equal(MAX_INVOICE_PDF_BYTES, 10 * 1024 * 1024);
  });
});

describeEachEngine('imported invoice PDFs stored', (db) => {
  let srv: Awaited<ReturnType<typeof pdfServer>>;
  let dir: string;
  before(async () => {
    srv = await pdfServer();
    dir = await mkdtemp(join(tmpdir(), 'dunwell-pdfs-'));
    await writeFile(join(dir, 'INV-P.pdf'), PDF);
    await db().exec(`
      INSERT INTO customers (external_id, name) VALUES ('K-1', 'Kunde');
      INSERT INTO invoices (external_id, customer_id, number, issue_date, due_date, currency, amount, pdf_path, custom_fields)
      SELECT v.n, c.id, v.n, DATE '2026-03-01', DATE '2026-03-31', 'EUR', 1000, v.path, v.custom::jsonb
        FROM customers c, (VALUES
          ('INV-P', 'INV-P.pdf', '{}'),
          ('INV-C', NULL, '{"pdf_path": "INV-P.pdf"}'),
          ('INV-U', NULL, '{"pdf_url": "${srv.base}/a.pdf"}'),
          ('INV-BAD', NULL, '{"pdf_url": "${srv.base}/html"}'),
          ('INV-NONE', NULL, '{}')
        ) AS v(n, path, custom);
    `);
  });
  after(async () => {
    srv.server.closeAllConnections();
    srv.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses loopback URLs by default and lists each failure with its reason', async () => {
    const results = await storeImportedInvoicePdfs(db(), { baseDir: dir, invoiceNumbers: ['INV-U'] });
    assert.equal(results.length, 1);
    assert.equal(results[0]!.status, 'failed');
    assert.match(results[0]!.reason ?? '', /non-public address/);
  });

  it('stores the named PDFs, keeps going past a bad one, and attaches them as they are', async () => {
    const results = await storeImportedInvoicePdfs(db(), { baseDir: dir, allowPrivateNetworks: true });
    assert.deepEqual(
      results.map((r) => [r.number, r.status]),
      [
        ['INV-BAD', 'failed'],
        ['INV-C', 'stored'],
        ['INV-P', 'stored'],
        ['INV-U', 'stored'],
      ],
    );
    assert.match(results[0]!.reason ?? '', /html: not a PDF file/);
    for (const n of ['INV-C', 'INV-P', 'INV-U']) {
      const pdf = await invoicePdf(db(), n, '2026-03-15');
      assert.equal(pdf.origin, 'imported', n);
      assert.ok(pdf.bytes.equals(PDF), n);
    }
    assert.equal((await invoicePdf(db(), 'INV-NONE', '2026-03-15')).origin, 'rendered');
    // stored ones are not fetched again; refresh fetches and reports unchanged bytes
    const again = await storeImportedInvoicePdfs(db(), { baseDir: dir, allowPrivateNetworks: true });
    assert.deepEqual(
      again.map((r) => r.number),
      ['INV-BAD'],
    );
    const refreshed = await storeImportedInvoicePdfs(db(), {
      baseDir: dir,
      allowPrivateNetworks: true,
      refresh: true,
      invoiceNumbers: ['INV-U'],
    });
    assert.deepEqual(refreshed, [{ number: 'INV-U', source: `${srv.base}/a.pdf`, status: 'unchanged' }]);
  });
});
