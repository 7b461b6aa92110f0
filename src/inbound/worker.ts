/**
 * Registers the IMAP poller with `dunwell serve` (src/platform/workers.ts imports every
 * src/<part>/worker.ts). It runs only when DUNWELL_IMAP_URL (or imapUrl in the config file)
 * is set; DUNWELL_INBOUND_INTERVAL_SECONDS sets the longest wait between rounds (default 60;
 * new mail announced by IDLE starts a round at once).
 */
import { loadConfig } from '../platform/config.ts';
import { registerWorker } from '../platform/workers.ts';
import { startImapLoop } from './intake/imap.ts';

registerWorker('inbound', async ({ db, clock, log }) => {
  const config = loadConfig();
  if (!config.imapUrl) return async () => {};
  const seconds = Number(process.env.DUNWELL_INBOUND_INTERVAL_SECONDS);
  const intervalMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
  return startImapLoop(
    { db, clock, log, reply: { localPart: config.replyLocalPart, domain: config.replyDomain } },
    config.imapUrl,
    { intervalMs, actor: 'imap' },
  );
});
