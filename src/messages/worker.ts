/**
 * Registers the outbox sender with `dunwell serve` and the demo (src/platform/workers.ts
 * imports every src/<part>/worker.ts). On start it settles messages an earlier process left
 * in `sending` (src/messages/sender/sender.ts, recover), then drains the outbox every
 * DUNWELL_SENDER_INTERVAL_SECONDS (default 10): to SMTP when one is configured (DUNWELL_SMTP_URL
 * or Settings → Email), else into the built-in mail catcher. Stopping waits for the batch in
 * hand; nothing more is claimed.
 */
import { registerWorker, type WorkerDeps } from '../platform/workers.ts';
import { configFingerprint, effectiveConfig } from '../settings/index.ts';
import { createSender, type SendCounts, type Sender, senderTuning } from './sender/index.ts';

export const DEFAULT_SENDER_INTERVAL_MS = 10_000;

function describeCounts(c: SendCounts): string {
  return Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

/**
 * The sender follows the effective settings (src/settings): each round re-reads them (one small
 * query) and, when they changed since the sender was made, closes it and makes a new one, so a
 * SMTP or DKIM change saved in the workspace applies from the next round without a restart.
 */
export async function startSender({ db, clock, log }: WorkerDeps): Promise<() => Promise<void>> {
  const seconds = Number(process.env.DUNWELL_SENDER_INTERVAL_SECONDS);
  const intervalMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_SENDER_INTERVAL_MS;
  let sender: Sender | null = null;
  let fingerprint = '';
  const current = async (): Promise<Sender> => {
    const config = await effectiveConfig(db);
    const next = configFingerprint(config);
    if (sender && next === fingerprint) return sender;
    if (sender) {
      const old = sender;
      sender = null;
      await old.close();
      log('sender: the mail settings changed; sending with the new ones');
    }
    sender = createSender(db, { clock, config, log, ...senderTuning(process.env) });
    fingerprint = next;
    return sender;
  };
  // a bad SMTP or DKIM setting fails `serve` at start, with the setting named
  await current();
  const stop = { requested: false };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = () => {
    running = (async () => {
      try {
        const sender = await current();
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
    await sender?.close();
  };
}

registerWorker('sender', startSender);
