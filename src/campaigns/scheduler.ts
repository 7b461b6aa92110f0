/**
 * The scheduler inside `dunwell serve`: every few minutes it asks which customers' local time
 * has passed their campaigns' send_at on an allowed day (schedule.ts, pure) and plans each of
 * them once for its local date. Several serve processes may run it at once: the run is
 * idempotent and concurrency-safe (see run.ts), and engine_schedule's primary key records
 * each (customer, local date) once. A customer is recorded only after its plan committed, so a
 * crash in between means it is planned again on the next tick — harmless, the run is a no-op
 * for slots already taken.
 */
import { addDays, type CalendarDate } from '../ledger/dates.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/index.ts';
import { loadOrganisation } from './load.ts';
import { runEngine } from './run.ts';
import { customersDueForPlanning } from './schedule.ts';
import { loadActiveCampaigns } from './store.ts';

export const DEFAULT_SCHEDULER_INTERVAL_MS = 5 * 60_000;

export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  /** Default 5 minutes (DUNWELL_SCHEDULER_INTERVAL_SECONDS in serve). */
  intervalMs?: number;
  log?: (line: string) => void;
}

export interface TickResult {
  planned: { date: CalendarDate; customers: number; messages: number; tasks: number }[];
}

/** One pass: plans every customer that is due now and not yet planned for its local date. */
export async function schedulerTick(db: Db, clock: Clock): Promise<TickResult> {
  const now = clock.now();
  const active = await loadActiveCampaigns(db);
  if (!active || active.campaigns.length === 0) return { planned: [] };
  const org = await loadOrganisation(db);
  // Local dates are within a day of the UTC date; older bookkeeping rows do not matter.
  const since = addDays(now.toISOString().slice(0, 10), -2);
  const rows = await db.query<{ id: number; time_zone: string | null; last: string | null }>(
    `SELECT c.id, c.time_zone, s.last
       FROM customers c
       LEFT JOIN (SELECT customer_id, max(local_date) AS last FROM engine_schedule
                   WHERE local_date >= $1 GROUP BY customer_id) s ON s.customer_id = c.id
      ORDER BY c.id`,
    [since],
  );
  const due = customersDueForPlanning(
    now,
    rows.map((r) => ({ customerId: r.id, timeZone: r.time_zone, lastPlannedOn: r.last })),
    active.campaigns,
    org.timeZone,
  );
  const result: TickResult = { planned: [] };
  for (const group of due) {
    const run = await runEngine(db, {
      date: group.date,
      customerIds: group.customerIds,
      actor: 'scheduler',
      clock,
    });
    await db.execute(
      `INSERT INTO engine_schedule (customer_id, local_date, run_id)
       SELECT id, $2, $3 FROM unnest($1::bigint[]) AS id
       ON CONFLICT (customer_id, local_date) DO NOTHING`,
      [group.customerIds, group.date, run.detail.runId],
    );
    result.planned.push({
      date: group.date,
      customers: group.customerIds.length,
      messages: run.messages,
      tasks: run.tasks,
    });
  }
  return result;
}

/**
 * Starts the loop (first tick at once) and returns `stop`, which waits for a running tick to
 * finish. A failing tick is logged and retried on the next interval.
 */
export function startScheduler(deps: SchedulerDeps): () => Promise<void> {
  const interval = deps.intervalMs ?? DEFAULT_SCHEDULER_INTERVAL_MS;
  const log = deps.log ?? (() => {});
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = schedulerTick(deps.db, deps.clock)
      .then((r) => {
        for (const p of r.planned) {
          log(
            `scheduler: planned ${p.customers} customer(s) for ${p.date}: ${p.messages} message(s), ${p.tasks} task(s)`,
          );
        }
      })
      .catch((err: unknown) => log(`scheduler: tick failed: ${(err as Error).message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, interval);
      });
  };
  tick();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}
