/**
 * Registers the outbox sender with `dunwell serve` and the demo (src/platform/workers.ts
 * imports every src/<part>/worker.ts). On start it settles messages an earlier process left
 * in `sending` (src/messages/sender/sender.ts, recover), then drains the outbox every
 * DUNWELL_SENDER_INTERVAL_SECONDS (default 10): to SMTP when DUNWELL_SMTP_URL is set, else into
 * the built-in mail catcher. Stopping waits for the batch in hand; nothing more is claimed.
 */
import { loadConfig } from '../platform/config.ts';
import { registerWorker } from '../platform/workers.ts';
import { createSender, type SendCounts, senderTuning } from './sender/index.ts';

export const DEFAULT_SENDER_INTERVAL_MS = 10_000;

function describeCounts(c: SendCounts): string {
  return Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

registerWorker('sender', async ({ db, clock, log }) => {
  const seconds = Number(process.env.DUNWELL_SENDER_INTERVAL_SECONDS);
  const intervalMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_SENDER_INTERVAL_MS;
  // a bad SMTP or DKIM setting fails `serve` at start, with the setting named
  const sender = createSender(db, { clock, config: loadConfig(), log, ...senderTuning(process.env) });
  const stop = { requested: false };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = () => {
    running = (async () => {
      try {
        const recovered = await sender.recover();
        const counts = await sender.drain(Number.POSITIVE_INFINITY, stop);
        counts.unknown += recovered.unknown;
        counts.sent += recovered.sent;
        const line = describeCounts(counts);
        if (line) log(`sender: ${line}`);
      } catch (err) {
        log(`sender: ${(err as Error).message}`);
      }
    })().finally(() => {
      if (!stop.requested) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();
  return async () => {
    stop.requested = true;
    if (timer) clearTimeout(timer);
    await running;
    await sender.close();
  };
});
