/**
 * Invoice PDFs that come with an import: a `pdf_path` (a file next to the import, e.g. the
 * ERP's export folder) or a `pdf_url` (a link to the ERP's document store) per invoice. They
 * are read or fetched once, checked (a PDF, at most MAX_INVOICE_PDF_BYTES) and stored in
 * `documents`; from then on the stored bytes are attached and served as they are.
 *
 * Fetching a URL somebody put into a spreadsheet must not let that spreadsheet reach inside
 * the network Dunwell runs in (SSRF). So by default a URL is refused unless every address its
 * host resolves to is public; the connection then goes to the address that was checked (no
 * second DNS answer can swap in 127.0.0.1), redirects are followed at most 3 times and each
 * target is checked the same way, and the body is cut off past the size limit or the time
 * limit. A deployment whose ERP lives on the internal network says so with
 * `allowPrivateNetworks`.
 */
import { lookup } from 'node:dns/promises';
import { readFile, realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Queryable } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import { checkPdf, MAX_INVOICE_PDF_BYTES, saveInvoiceDocument } from './load.ts';

export interface PdfFetchOptions {
  /** fetch from loopback, private, link-local and other non-public addresses too (default false) */
  readonly allowPrivateNetworks?: boolean;
  /** give up after this long (default 15 s) */
  readonly timeoutMs?: number;
  /** resolves a host name; tests and special setups may replace it */
  readonly resolveHost?: (host: string) => Promise<{ address: string; family: number }[]>;
}

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  ['::ffff:0:0:0', 96], // SIIT-translated IPv4 (::ffff:0:a.b.c.d)
  ['64:ff9b::', 96], // NAT64
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['ff00::', 8], // multicast
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** True for an address Dunwell may fetch from without `allowPrivateNetworks`. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  // IPv4-mapped (::ffff:a.b.c.d) is judged by its IPv4 address
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return !NON_PUBLIC.check(mapped[1]!, 'ipv4');
  return !NON_PUBLIC.check(address, 'ipv6');
}

const MAX_REDIRECTS = 3;

async function defaultResolve(host: string): Promise<{ address: string; family: number }[]> {
  return lookup(host, { all: true, verbatim: true });
}

/**
 * Downloads a PDF from an http(s) URL under the rules in the module comment. Throws a
 * UserError naming the URL and the reason; never returns anything but a checked PDF.
 */
export async function fetchPdf(url: string, options: PdfFetchOptions = {}): Promise<Buffer> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const target = await checkedTarget(current, options);
    const answer = await get(target, options.timeoutMs ?? 15_000);
    if (answer.redirect !== undefined) {
      if (hop >= MAX_REDIRECTS) throw new UserError(`${url}: more than ${MAX_REDIRECTS} redirects`);
      current = new URL(answer.redirect, current).href;
      continue;
    }
    checkPdf(url, answer.body);
    return answer.body;
  }
}

interface Target {
  readonly url: URL;
  readonly address: string;
  readonly family: number;
  readonly shown: string;
}

async function checkedTarget(raw: string, options: PdfFetchOptions): Promise<Target> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`${raw}: not a URL`);
  }
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UserError(`${shown}: only http and https URLs are fetched`);
  if (url.username || url.password)
    throw new UserError(`${shown}: a URL with a user name or password is not fetched`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await (options.resolveHost ?? defaultResolve)(host);
  } catch {
    throw new UserError(`${shown}: the host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw new UserError(`${shown}: the host ${host} does not resolve`);
  if (!options.allowPrivateNetworks) {
    const inside = addresses.find((a) => !isPublicAddress(a.address));
    if (inside) {
      throw new UserError(
        `${shown}: ${host} is a private, loopback or otherwise non-public address (${inside.address}); ` +
          'allow private networks in the configuration to fetch invoice PDFs from inside your network',
      );
    }
  }
  return { url, address: addresses[0]!.address, family: addresses[0]!.family, shown };
}

function get(target: Target, timeoutMs: number): Promise<{ redirect?: string; body: Buffer }> {
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolvePromise, reject) => {
    const fail = (why: string) => reject(new UserError(`${target.shown}: ${why}`));
    const request = client.get(
      target.url,
      {
        // connect to the address that was checked, whatever DNS says now
        lookup: (_host, opts, callback) => {
          if ((opts as { all?: boolean }).all)
            callback(null, [{ address: target.address, family: target.family }]);
          else (callback as (e: null, a: string, f: number) => void)(null, target.address, target.family);
        },
        headers: { accept: 'application/pdf', 'user-agent': 'Dunwell invoice PDF import' },
        timeout: timeoutMs,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          resolvePromise({ redirect: response.headers.location, body: Buffer.alloc(0) });
          return;
        }
        if (status !== 200) {
          response.resume();
          fail(`the server answered ${status}`);
          return;
        }
        const declared = Number(response.headers['content-length']);
        if (declared > MAX_INVOICE_PDF_BYTES) {
          response.destroy();
          fail(`the PDF is larger than ${MAX_INVOICE_PDF_BYTES / 1048576} MB`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_INVOICE_PDF_BYTES) {
            response.destroy();
            fail(`the PDF is larger than ${MAX_INVOICE_PDF_BYTES / 1048576} MB`);
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolvePromise({ body: Buffer.concat(chunks) }));
        response.on('error', (e) => fail(`the download broke off (${e.message})`));
      },
    );
    request.on('timeout', () => {
      request.destroy();
      fail(`no complete answer within ${Math.round(timeoutMs / 1000)} s`);
    });
    request.on('error', (e) => fail(`could not download (${e.message})`));
  });
}

/**
 * Reads a PDF named by an import relative to `baseDir` (the folder of the imported file).
 * A path that leads out of that folder (../, an absolute path elsewhere, a symbolic link out)
 * is refused, so an import file cannot read arbitrary files of the server.
 */
export async function readPdfFile(path: string, baseDir: string): Promise<Buffer> {
  const base = await realpath(baseDir);
  let full: string;
  try {
    full = await realpath(resolve(base, path));
  } catch {
    throw new UserError(`${path}: no such file (looked in ${base})`);
  }
  const rel = relative(base, full);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new UserError(`${path}: outside ${base}; not read`);
  const info = await stat(full);
  if (!info.isFile()) throw new UserError(`${path}: not a file`);
  if (info.size > MAX_INVOICE_PDF_BYTES)
    throw new UserError(
      `${path}: larger than ${MAX_INVOICE_PDF_BYTES / 1048576} MB, the most an invoice PDF may have`,
    );
  const bytes = await readFile(full);
  checkPdf(path, bytes);
  return bytes;
}

export interface ImportedPdfResult {
  readonly number: string;
  readonly source: string;
  readonly status: 'stored' | 'unchanged' | 'failed';
  /** why it failed: one line saying what and where */
  readonly reason?: string;
}

/**
 * Stores the PDFs named by invoices' `pdf_path` column or by a `pdf_path` / `pdf_url` custom
 * field (the import keeps unknown columns there), for invoices that have no stored PDF yet
 * (or all named ones with `refresh`). Each PDF is stored on its own: one bad link does not
 * keep the others out, and it is listed with its reason.
 */
export async function storeImportedInvoicePdfs(
  db: Queryable,
  options: PdfFetchOptions & { baseDir?: string; refresh?: boolean; invoiceNumbers?: readonly string[] } = {},
): Promise<ImportedPdfResult[]> {
  const rows = await db.query<{ number: string; path: string | null; url: string | null }>(
    `SELECT i.number,
            coalesce(nullif(i.pdf_path, ''), nullif(i.custom_fields->>'pdf_path', '')) AS path,
            nullif(i.custom_fields->>'pdf_url', '') AS url
       FROM invoices i
      WHERE (nullif(i.pdf_path, '') IS NOT NULL OR nullif(i.custom_fields->>'pdf_path', '') IS NOT NULL
             OR nullif(i.custom_fields->>'pdf_url', '') IS NOT NULL)
        AND ($1::boolean OR NOT EXISTS (SELECT 1 FROM documents d WHERE d.invoice_id = i.id AND d.kind = 'invoice'))
        AND ($2::text[] IS NULL OR i.number = ANY($2::text[]))
      ORDER BY i.number`,
    [options.refresh === true, options.invoiceNumbers ? [...options.invoiceNumbers] : null],
  );
  const results: ImportedPdfResult[] = [];
  for (const row of rows) {
    const source = row.path ?? row.url!;
    try {
      let bytes: Buffer;
      if (row.path !== null) {
        if (!options.baseDir)
          throw new UserError(`${row.path}: a pdf_path needs the folder it is relative to`);
        bytes = await readPdfFile(row.path, options.baseDir);
      } else {
        bytes = await fetchPdf(row.url!, options);
      }
      const saved = await saveInvoiceDocument(db, row.number, `${row.number}.pdf`, bytes);
      results.push({ number: row.number, source, status: saved.changed ? 'stored' : 'unchanged' });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      results.push({ number: row.number, source, status: 'failed', reason: e.message });
    }
  }
  return results;
}
