/**
 * Prometheus metrics (`GET /metrics`). Two kinds:
 *
 * - Counts that describe the whole installation — outbox messages by status, the age of the
 *   oldest message waiting to be sent, open tasks, the last engine run, inbound mail by status —
 *   are read from the database at scrape time. Several `dunwell serve` processes share one
 *   database, so any of them answers with the same figures, and nothing is lost on restart.
 * - What one process observes — HTTP request durations by route — lives in that process's
 *   registry (each process is scraped on its own, as Prometheus expects).
 *
 * Labels never carry customer data or raw URLs: routes are the registered patterns
 * (`/api/v1/invoices/:external_id`), so portal tokens and ids cannot leak into metrics.
 */
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Queryable } from './db/index.ts';

export interface AppMetrics {
  registry: Registry;
  /** records one answered HTTP request */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** reads the database figures and renders every metric in Prometheus text format */
  render(): Promise<string>;
}

/** Database figures collected on each scrape. */
export interface DatabaseFigures {
  outbox: { status: string; count: number }[];
  /** seconds since the oldest message that is due (planned, planned_for ≤ today) was created; 0 if none */
  queueAgeSeconds: number;
  /** messages due now (planned, planned_for ≤ today) */
  queueDepth: number;
  openTasks: number;
  lastRun: { seconds: number; finishedAt: string; status: string } | null;
  inbound: { status: string; count: number }[];
}

async function tableExists(db: Queryable, name: string): Promise<boolean> {
  const rows = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  return rows[0]?.present === true;
}

export async function readDatabaseFigures(db: Queryable): Promise<DatabaseFigures> {
  const outbox = await db.query<{ status: string; count: number }>(
    'SELECT status, count(*)::int AS count FROM outbox_messages GROUP BY status ORDER BY status',
  );
  const [queue] = await db.query<{ depth: number; age: number | null }>(
    `SELECT count(*)::int AS depth,
            extract(epoch FROM now() - min(created_at))::float8 AS age
       FROM outbox_messages
      WHERE status = 'planned' AND planned_for <= current_date`,
  );
  const [tasks] = await db.query<{ open: number }>(
    "SELECT count(*)::int AS open FROM tasks WHERE status = 'open'",
  );
  const [run] = await db.query<{ seconds: number; finished_at: string; status: string }>(
    `SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds, finished_at, status
       FROM engine_runs WHERE finished_at IS NOT NULL
      ORDER BY finished_at DESC LIMIT 1`,
  );
  const inbound = (await tableExists(db, 'inbound_messages'))
    ? await db.query<{ status: string; count: number }>(
        'SELECT status, count(*)::int AS count FROM inbound_messages GROUP BY status ORDER BY status',
      )
    : [];
  return {
    outbox,
    queueDepth: queue?.depth ?? 0,
    queueAgeSeconds: Math.max(0, queue?.age ?? 0),
    openTasks: tasks?.open ?? 0,
    lastRun: run ? { seconds: run.seconds, finishedAt: run.finished_at, status: run.status } : null,
    inbound,
  };
}

export function createAppMetrics(db: Queryable): AppMetrics {
  const registry = new Registry();
  const http = new Histogram({
    name: 'dunwell_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [registry],
  });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const outbox = gauge('dunwell_outbox_messages', 'Outbox messages by status', ['status']);
  const depth = gauge('dunwell_outbox_queue_depth', 'Planned messages due to be sent now');
  const age = gauge(
    'dunwell_outbox_queue_age_seconds',
    'Age of the oldest planned message that is due (0 when the queue is empty)',
  );
  const tasks = gauge('dunwell_tasks_open', 'Open collector tasks');
  const runSeconds = gauge(
    'dunwell_engine_last_run_duration_seconds',
    'Duration of the last finished engine run',
    ['status'],
  );
  const runAt = gauge(
    'dunwell_engine_last_run_timestamp_seconds',
    'When the last engine run finished (Unix time)',
  );
  const inbound = gauge('dunwell_inbound_messages', 'Inbound messages by processing status', ['status']);

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      http.observe({ method, route, status: String(status) }, seconds);
    },
    async render() {
      const f = await readDatabaseFigures(db);
      outbox.reset();
      for (const row of f.outbox) outbox.set({ status: row.status }, row.count);
      depth.set(f.queueDepth);
      age.set(f.queueAgeSeconds);
      tasks.set(f.openTasks);
      runSeconds.reset();
      runAt.reset();
      if (f.lastRun) {
        runSeconds.set({ status: f.lastRun.status }, f.lastRun.seconds);
        runAt.set(Date.parse(f.lastRun.finishedAt) / 1000);
      }
      inbound.reset();
      for (const row of f.inbound) inbound.set({ status: row.status }, row.count);
      return registry.metrics();
    },
  };
}
