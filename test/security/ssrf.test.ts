/**
 * SSRF through imported invoice PDF URLs (issue 8, security suite). An import file's
 * `pdf_url` is fetched by the server, so a spreadsheet must not be able to make Dunwell
 * request anything inside its own network: loopback, private ranges, link-local (cloud
 * metadata), IPv6 loopback, unique-local and site-local, IPv4 hidden in IPv6, the many
 * spellings of 127.0.0.1, DNS names that resolve to such addresses, and redirects from a
 * public server to any of them. All are refused before a connection is made, unless the
 * deployment sets allowPrivatePdfUrls (DUNWELL_ALLOW_PRIVATE_PDF_URLS=true).
 *
 * A loopback HTTP server counts every request it receives: a refused URL must leave it at 0.
 */
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchPdf, isPublicAddress, type PdfFetchOptions } from '../../src/messages/documents/imported.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { UserError } from '../../src/platform/errors.ts';

const PDF = Buffer.from('%PDF-1.4\n% internal document\n');
/** A documentation address outside every non-public range (93.184.216.0/24, example.com's). */
const PUBLIC = '93.184.216.34';

let server: http.Server;
let port = 0;
const hits: string[] = [];
let redirectTo = '';

async function refused(url: string, options: PdfFetchOptions = {}, pattern = /non-public address/) {
  await assert.rejects(fetchPdf(url, { timeoutMs: 2000, ...options }), (e: unknown) => {
    assert.ok(e instanceof UserError, `${url}: not a UserError: ${String(e)}`);
    assert.match(e.message, pattern, url);
    assert.ok(!/[\r\n]/.test(e.message), 'one line');
    return true;
  });
}

/**
 * Makes the fetcher's connection to PUBLIC land on the loopback server (the test has no public
 * server): only the socket's destination changes; the URL, the address checks and the pinned
 * address the fetcher chose stay as they are.
 */
function routePublicToLoopback(): () => void {
  const original = http.get;
  const patched = ((url: URL, options: http.RequestOptions, callback: (r: IncomingMessage) => void) => {
    const pinned = options.lookup;
    return original(
      url,
      {
        ...options,
        lookup: (host, opts, cb) =>
          pinned!(host, opts, ((err: Error | null, address: unknown, family?: number) => {
            const chosen = Array.isArray(address) ? address[0]?.address : address;
            if (chosen !== PUBLIC) return (cb as (...a: unknown[]) => void)(err, address, family);
            if ((opts as { all?: boolean }).all)
              (cb as (...a: unknown[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
            else (cb as (...a: unknown[]) => void)(null, '127.0.0.1', 4);
          }) as never),
        port,
      },
      callback,
    );
  }) as typeof http.get;
  http.get = patched;
  return () => {
    http.get = original;
  };
}

describe('SSRF: imported PDF URLs', () => {
  before(async () => {
    server = http.createServer((request: IncomingMessage, response: ServerResponse) => {
      hits.push(request.url ?? '');
      if (request.url === '/redirect') response.writeHead(302, { location: redirectTo }).end();
      else response.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('refuses loopback in every spelling, before connecting', async () => {
    const before = hits.length;
    for (const host of [
      '127.0.0.1',
      '127.1',
      '127.255.255.254',
      '2130706433', // 127.0.0.1 as one number
      '0x7f000001',
      '0177.0.0.1', // octal
      '0x7f.0.0.1',
      '0.0.0.0',
      '0',
      'localhost', // resolved by the system resolver (/etc/hosts)
      '[::1]',
      '[0:0:0:0:0:0:0:1]',
      '[::]',
      '[::ffff:127.0.0.1]', // IPv4-mapped; WHATWG URL rewrites it to [::ffff:7f00:1]
      '[::ffff:7f00:1]',
      '[0:0:0:0:0:ffff:7f00:1]',
      '[::127.0.0.1]', // IPv4-compatible (deprecated)
      '[::ffff:0:127.0.0.1]', // SIIT
      '[64:ff9b::127.0.0.1]', // NAT64
    ]) {
      await refused(`http://${host}:${port}/a.pdf`);
    }
    assert.equal(hits.length, before, 'a refused URL reached the server');
  });

  it('refuses private, shared, link-local (cloud metadata) and other non-public ranges', async () => {
    for (const host of [
      '10.0.0.1',
      '10.255.255.255',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.0.1',
      '100.64.0.1', // carrier-grade NAT
      '169.254.169.254', // AWS/GCP/Azure metadata
      '192.0.0.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '[fd00::1]',
      '[fc00::1]',
      '[fe80::1]',
      '[fec0::1]',
      '[ff02::1]',
      '[::ffff:10.0.0.1]',
      '[::ffff:169.254.169.254]',
    ]) {
      await refused(`http://${host}/latest/meta-data/`);
    }
  });

  it('refuses a DNS name when any address it resolves to is non-public', async () => {
    for (const answer of [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '10.0.0.5', family: 4 }],
      [{ address: '::1', family: 6 }],
      [{ address: '::ffff:192.168.1.1', family: 6 }],
      [{ address: 'fd12:3456::1', family: 6 }],
      [
        { address: PUBLIC, family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
      [
        { address: '2606:4700:4700::1111', family: 6 },
        { address: '::1', family: 6 },
      ],
    ]) {
      await refused(`https://erp.example/invoices/1.pdf`, { resolveHost: async () => answer });
    }
    await refused('https://erp.example/1.pdf', { resolveHost: async () => [] }, /does not resolve/);
    await refused(
      'https://erp.example/1.pdf',
      { resolveHost: async () => Promise.reject(new Error('NXDOMAIN')) },
      /does not resolve/,
    );
  });

  it('checks every redirect target the same way: a public server cannot bounce the fetch inside', async () => {
    const restore = routePublicToLoopback();
    try {
      const resolveHost = async (host: string) =>
        host === 'public.example' ? [{ address: PUBLIC, family: 4 }] : [{ address: '10.1.2.3', family: 4 }];
      // the route works: a public host's PDF is fetched (through the loopback stand-in)
      redirectTo = '/a.pdf';
      assert.ok(
        (await fetchPdf('http://public.example/redirect', { resolveHost, timeoutMs: 2000 })).equals(PDF),
      );
      for (const target of [
        `http://127.0.0.1:${port}/a.pdf`,
        `http://[::1]:${port}/a.pdf`,
        `http://[::ffff:127.0.0.1]:${port}/a.pdf`,
        'http://169.254.169.254/latest/meta-data/',
        `http://internal.example:${port}/a.pdf`, // resolves to 10.1.2.3
        `http://2130706433:${port}/a.pdf`,
        'file:///etc/passwd',
        'gopher://127.0.0.1:25/',
      ]) {
        redirectTo = target;
        const before = hits.filter((h) => h === '/a.pdf').length;
        await refused(
          'http://public.example/redirect',
          { resolveHost },
          /non-public address|only http and https/,
        );
        assert.equal(hits.filter((h) => h === '/a.pdf').length, before, `followed the redirect to ${target}`);
      }
    } finally {
      restore();
    }
  });

  it('fetches from inside the network only when the deployment allows it', async () => {
    assert.equal(loadConfig({}, '/').allowPrivatePdfUrls, false, 'the guard is on by default');
    assert.equal(loadConfig({ DUNWELL_ALLOW_PRIVATE_PDF_URLS: 'true' }, '/').allowPrivatePdfUrls, true);
    assert.throws(
      () => loadConfig({ DUNWELL_ALLOW_PRIVATE_PDF_URLS: 'sometimes' }, '/'),
      /is not true or false/,
    );
    await refused(`http://127.0.0.1:${port}/a.pdf`, { allowPrivateNetworks: false });
    const bytes = await fetchPdf(`http://127.0.0.1:${port}/a.pdf`, {
      allowPrivateNetworks: true,
      timeoutMs: 2000,
    });
    assert.ok(bytes.equals(PDF));
  });

  it('judges IPv4 hidden in IPv6 by its IPv4 address', () => {
    for (const a of ['::ffff:7f00:1', '::7f00:1', '::ffff:0:7f00:1', '::ffff:a9fe:a9fe', 'fec0::1'])
      assert.equal(isPublicAddress(a), false, a);
    for (const a of ['::ffff:5db8:d822', '2606:4700:4700::1111']) assert.equal(isPublicAddress(a), true, a);
  });
});
