/**
 * Registers the IMAP poller with `dunwell serve` (src/platform/workers.ts imports every
 * src/<part>/worker.ts). It polls only when an IMAP mailbox is configured (DUNWELL_IMAP_URL,
 * imapUrl in the config file, or Settings → IMAP in the workspace);
 * DUNWELL_INBOUND_INTERVAL_SECONDS sets the longest wait between rounds (default 60; new mail
 * announced by IDLE starts a round at once).
 */
import { registerWorker, type WorkerDeps } from '../platform/workers.ts';
import { configFingerprint, effectiveConfig } from '../settings/index.ts';
import { startImapLoop } from './intake/imap.ts';

/** How often the poller checks whether the IMAP settings changed (saved in the workspace). */
const SETTINGS_CHECK_MS = 30_000;

/**
 * Polls the mailbox of the effective settings (src/settings): every SETTINGS_CHECK_MS (or the
 * poll interval, if shorter) it re-reads them and restarts the loop when the IMAP URL or the
 * reply address changed, so a mailbox saved in the workspace is polled without a restart.
 */
export async function startInbound({ db, clock, log }: WorkerDeps): Promise<() => Promise<void>> {
  const seconds = Number(process.env.DUNWELL_INBOUND_INTERVAL_SECONDS);
  const intervalMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
  let loop: { fingerprint: string; stop: () => Promise<void> } | null = null;
  const follow = async () => {
    const config = await effectiveConfig(db);
    const fingerprint = config.imapUrl
      ? configFingerprint([config.imapUrl, config.replyLocalPart, config.replyDomain])
      : 'off';
    if (loop?.fingerprint === fingerprint) return;
    if (loop) {
      await loop.stop();
      log('inbound: the IMAP settings changed; polling with the new ones');
    }
    loop = config.imapUrl
      ? {
          fingerprint,
          stop: startImapLoop(
            { db, clock, log, reply: { localPart: config.replyLocalPart, domain: config.replyDomain } },
            config.imapUrl,
            { intervalMs, actor: 'imap' },
          ),
        }
      : { fingerprint, stop: async () => {} };
  };
  await follow();
  let checking: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      checking = checking.then(follow).catch((err: unknown) => log(`inbound: ${(err as Error).message}`));
    },
    Math.min(SETTINGS_CHECK_MS, intervalMs),
  );
  return async () => {
    clearInterval(timer);
    await checking;
    await loop?.stop();
  };
}

registerWorker('inbound', startInbound);
