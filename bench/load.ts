/**
 * `dunwell bench load [--duration S] [--connections N] [--processes P] [--pdf] [--rebuild]
 *                     [--sample N] [--pg-url URL] [--label TEXT]`
 *
 * Issue 8 item 6: `--connections` (default 200) concurrent clients on loopback (autocannon)
 * for `--duration` seconds (default 60) against the 1M-invoice benchmark ledger on PostgreSQL
 * (bench/support/ledger.ts), served by `dunwell serve --role web` (`--processes P` starts P of
 * them on one database and spreads every target's clients evenly over them — how Dunwell
 * scales on one machine: several web processes behind a proxy).
 *
 * All targets run at the same time, each with its share of the connections:
 *   - portal page: GET /portal/<signed link> for `--sample` (default 1,000) random customers
 *     (half of the connections);
 *   - API reads with an API key (the other half, in four equal parts): the customers list,
 *     a customer, that customer's open invoices, the aging report.
 * With `--pdf`, a second phase of a third of the duration with the same connections
 * downloads statement PDFs and invoice PDFs through the portal (for information: rendering
 * a PDF is CPU work, not a read).
 *
 * Reports per target: throughput, p50 / p95 / p99 / max, connection errors, non-2xx; the
 * server processes' peak RSS and CPU seconds; the load average. Goal: p99 ≤ 50 ms for portal
 * pages and API reads, zero errors. Writes bench-results/load.json.
 */
import { loadavg } from 'node:os';
import { parseFlags } from '../src/cli/command.ts';
import { openDatabase } from '../src/platform/db/index.ts';
import { portalToken } from '../src/portal/links.ts';
import type { BenchContext } from './support/context.ts';
import { DEFAULT_ADMIN_URL, positive } from './support/engines.ts';
import { cycle, driveRun, type HttpTarget, mergeRuns, type TargetFigures } from './support/http-load.ts';
import { benchLedger, LEDGER_TODAY } from './support/ledger.ts';
import { formatBytes } from './support/measure.ts';
import { formatTable, writeResult } from './support/report.ts';
import { startServe } from './support/server.ts';

export const summary = 'portal and API reads under 200 concurrent clients on the 1M-invoice ledger (issue 8)';

const GOAL_P99_MS = 50;

interface Sampled {
  external_id: string;
  token: string;
  invoice: string;
}

/** Signed portal links (valid a year past the ledger's now) and an invoice for `n` random customers. */
async function sample(store: string, secretKey: string, now: string, n: number): Promise<Sampled[]> {
  const db = await openDatabase(store);
  try {
    const rows = await db.query<{ id: number; external_id: string; number: string }>(
      `SELECT c.id, c.external_id,
              (SELECT i.number FROM invoices i WHERE i.customer_id = c.id ORDER BY i.due_date DESC, i.id DESC LIMIT 1) AS number
         FROM customers c
        WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = c.id)
        ORDER BY md5(c.id::text) LIMIT $1`,
      [n],
    );
    const at = new Date(now);
    const expiresAt = new Date(at.getTime() + 365 * 86_400_000);
    const out: Sampled[] = [];
    for (const r of rows) {
      const token = await portalToken(
        db,
        { customerId: r.id, expiresAt, now: at },
        { publicUrl: 'http://127.0.0.1', secretKey },
      );
      out.push({ external_id: r.external_id, token, invoice: r.number });
    }
    return out;
  } finally {
    await db.close();
  }
}

/** Splits `total` connections into `parts` whole shares (the first ones get the remainder). */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

async function phase(
  urls: string[],
  targets: { target: HttpTarget; connections: number }[],
  duration: number,
): Promise<TargetFigures[]> {
  const runs = await Promise.all(
    targets.map(async ({ target, connections }) => {
      const perServer = shares(connections, urls.length);
      const parts = await Promise.all(
        urls.map((url, i) =>
          perServer[i]! > 0
            ? driveRun(url, target, { connections: perServer[i]!, duration, timeoutSeconds: 10 })
            : null,
        ),
      );
      return mergeRuns(
        target.name,
        parts.filter((p) => p !== null),
      );
    }),
  );
  return runs;
}

export async function run(ctx: BenchContext): Promise<number> {
  const { values } = parseFlags(
    ctx.argv,
    {
      duration: { type: 'string' },
      connections: { type: 'string' },
      processes: { type: 'string' },
      sample: { type: 'string' },
      pdf: { type: 'boolean' },
      rebuild: { type: 'boolean' },
      'pg-url': { type: 'string' },
      label: { type: 'string' },
    },
    false,
  );
  const duration = positive(values.duration, 60, '--duration');
  const connections = positive(values.connections, 200, '--connections');
  const processes = positive(values.processes, 1, '--processes');
  const sampleSize = positive(values.sample, 1000, '--sample');
  const adminUrl = values['pg-url'] ?? DEFAULT_ADMIN_URL;

  const ledger = await benchLedger('postgres', {
    adminUrl,
    rebuild: values.rebuild ?? false,
    note: ctx.note,
  });
  ctx.note(`signing portal links for ${sampleSize} customers …`);
  const sampled = await sample(ledger.store, ledger.secret_key, ledger.now, sampleSize);
  const customer = cycle(sampled);
  const bearer = { authorization: `Bearer ${ledger.api_key}` };
  const half = Math.ceil(connections / 2);
  const apiShares = shares(connections - half, 4);
  const readTargets: { target: HttpTarget; connections: number }[] = [
    { target: { name: 'portal page', path: () => `/portal/${customer().token}` }, connections: half },
    {
      target: { name: 'API customers list', path: () => '/api/v1/customers?limit=50', headers: bearer },
      connections: apiShares[0]!,
    },
    {
      target: {
        name: 'API customer',
        path: () => `/api/v1/customers/${encodeURIComponent(customer().external_id)}`,
        headers: bearer,
      },
      connections: apiShares[1]!,
    },
    {
      target: {
        name: 'API customer invoices',
        path: () =>
          `/api/v1/invoices?customer=${encodeURIComponent(customer().external_id)}&status=open&limit=50`,
        headers: bearer,
      },
      connections: apiShares[2]!,
    },
    {
      target: {
        name: 'API report aging',
        path: () => `/api/v1/reports/aging?as_of=${LEDGER_TODAY}`,
        headers: bearer,
      },
      connections: apiShares[3]!,
    },
  ].filter((t) => t.connections > 0);

  const servers = [];
  const loadBefore = loadavg()[0] ?? 0;
  let reads: TargetFigures[] = [];
  let pdfs: TargetFigures[] = [];
  let readCpuSeconds = 0;
  try {
    for (let i = 0; i < processes; i++) {
      servers.push(
        await startServe({
          store: ledger.store,
          role: 'web',
          env: { DUNWELL_NOW: ledger.now, DUNWELL_SECRET_KEY: ledger.secret_key },
        }),
      );
    }
    const urls = servers.map((s) => s.url);
    ctx.note(`${processes} web process(es) at ${urls.join(', ')}; warming up …`);
    await phase(
      urls,
      readTargets.map((t) => ({ ...t, connections: Math.min(t.connections, 4) })),
      3,
    );
    ctx.note(`reads: ${connections} connections for ${duration} s …`);
    const cpuBefore = servers.reduce((sum, s) => sum + (s.cpuSeconds() ?? 0), 0);
    reads = await phase(urls, readTargets, duration);
    readCpuSeconds = servers.reduce((sum, s) => sum + (s.cpuSeconds() ?? 0), 0) - cpuBefore;
    if (values.pdf) {
      const pdfDuration = Math.max(5, Math.round(duration / 3));
      ctx.note(`PDFs: ${connections} connections for ${pdfDuration} s …`);
      const pdfHalf = shares(connections, 2);
      pdfs = await phase(
        urls,
        [
          {
            target: { name: 'portal statement PDF', path: () => `/portal/${customer().token}/statement.pdf` },
            connections: pdfHalf[0]!,
          },
          {
            target: {
              name: 'portal invoice PDF',
              path: () => {
                const c = customer();
                return `/portal/${c.token}/invoices/${encodeURIComponent(c.invoice)}.pdf`;
              },
            },
            connections: pdfHalf[1]!,
          },
        ],
        pdfDuration,
      );
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  const loadAfter = loadavg()[0] ?? 0;
  const rows = (list: TargetFigures[]) =>
    list.map((f) => [
      f.name,
      String(f.connections),
      String(f.requests),
      String(f.throughput),
      f.p50_ms.toFixed(1),
      f.p95_ms.toFixed(1),
      f.p99_ms.toFixed(1),
      f.max_ms.toFixed(1),
      String(f.errors),
      String(f.non_2xx),
    ]);
  const headers = [
    'target',
    'conns',
    'requests',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'errors',
    'non-2xx',
  ];
  const total = reads.reduce((sum, f) => sum + f.throughput, 0);
  const readRequests = reads.reduce((sum, f) => sum + f.requests, 0);
  // load-independent: the web processes' own CPU per request (PostgreSQL's is not in it)
  const cpuMsPerRequest = readRequests
    ? Math.round((readCpuSeconds * 1000 * 100) / readRequests) / 100
    : null;
  ctx.print(
    `\nreads: ${connections} connections, ${duration} s, ${processes} web process(es); load ${loadBefore.toFixed(1)}→${loadAfter.toFixed(1)}; ${total} req/s in all; web process CPU ${readCpuSeconds.toFixed(1)} s = ${cpuMsPerRequest ?? 'n/a'} ms per request`,
  );
  ctx.print(formatTable(headers, rows(reads)));
  if (pdfs.length) {
    ctx.print('\nPDF downloads (for information)');
    ctx.print(formatTable(headers, rows(pdfs)));
  }
  const serverFigures = servers.map((s) => ({ peak_rss_bytes: s.peakRss(), cpu_seconds: s.cpuSeconds() }));
  ctx.print(
    `server peak RSS ${serverFigures.map((s) => formatBytes(s.peak_rss_bytes)).join(', ')}; CPU ${serverFigures.map((s) => s.cpu_seconds?.toFixed(1) ?? 'n/a').join(', ')} s`,
  );
  const missing = reads.filter((f) => f.p99_ms > GOAL_P99_MS || f.errors > 0 || f.non_2xx > 0);
  ctx.print(
    missing.length === 0
      ? `goal met: p99 ≤ ${GOAL_P99_MS} ms and no errors on every read target`
      : `goal missed by: ${missing.map((f) => `${f.name} (p99 ${f.p99_ms} ms, ${f.errors + f.non_2xx} errors)`).join('; ')}`,
  );
  const path = writeResult('load', {
    command: `npm run bench -- load ${ctx.argv.join(' ')}`.trim(),
    label: values.label ?? null,
    goal: { p99_ms: GOAL_P99_MS, errors: 0 },
    ledger: {
      store: ledger.store,
      built_at: ledger.built_at,
      customers: ledger.customers,
      invoices: ledger.invoices,
      now: ledger.now,
    },
    duration_seconds: duration,
    connections,
    processes,
    load_average: { before: loadBefore, after: loadAfter },
    servers: serverFigures,
    read_phase: {
      requests: readRequests,
      web_cpu_seconds: readCpuSeconds,
      web_cpu_ms_per_request: cpuMsPerRequest,
    },
    reads,
    pdfs,
  });
  ctx.print(`wrote ${path}`);
  if (ctx.json) ctx.printJson({ reads, pdfs, servers: serverFigures });
  return 0;
}
