/**
 * Registers the scheduler with `dunwell serve` (src/platform/workers.ts imports every
 * src/<part>/worker.ts). DUNWELL_SCHEDULER_INTERVAL_SECONDS overrides the 5-minute interval.
 */
import { registerWorker } from '../platform/workers.ts';
import { DEFAULT_SCHEDULER_INTERVAL_MS, startScheduler } from './scheduler.ts';

registerWorker('scheduler', async ({ db, clock, log }) => {
  const seconds = Number(process.env.DUNWELL_SCHEDULER_INTERVAL_SECONDS);
  const intervalMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_SCHEDULER_INTERVAL_MS;
  return startScheduler({ db, clock, intervalMs, log });
});
