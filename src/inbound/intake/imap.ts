/**
 * The IMAP source (imapflow): reads new messages from a mailbox, stores each one raw (and
 * the highest UID stored, in the same transaction), processes it, and moves what is stored
 * to a "processed" folder. UIDVALIDITY + UID live in inbound_mailboxes, so a restarted
 * poller neither reads a message twice nor misses one; a crash between storing and moving
 * leaves the message in the inbox, where the next round moves it (it is not stored again).
 */
import { ImapFlow } from 'imapflow';
import { UserError } from '../../platform/errors.ts';
import { type IntakeDeps, processInbound, processPending } from './process.ts';
import { storeRaw } from './store.ts';

export const DEFAULT_PROCESSED_FOLDER = ['Dunwell', 'Processed'];

export interface ImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
}

/** `imap://user:pass@host:143/INBOX` (imaps:// for implicit TLS) → settings. */
export function imapSettings(url: URL): ImapSettings {
  const secure = url.protocol === 'imaps:';
  if (!secure && url.protocol !== 'imap:')
    throw new UserError(`DUNWELL_IMAP_URL must start with imap:// or imaps:// (got "${url.protocol}")`);
  if (!url.hostname) throw new UserError('DUNWELL_IMAP_URL names no host (imap://user:pass@host:143/INBOX)');
  if (!url.username) throw new UserError('DUNWELL_IMAP_URL names no user (imap://user:pass@host:143/INBOX)');
  const mailbox = decodeURIComponent(url.pathname.replace(/^\/+/, '')) || 'INBOX';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(url.username),
    pass: decodeURIComponent(url.password),
    mailbox,
  };
}

export function openImapClient(settings: ImapSettings): ImapFlow {
  return new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: { user: settings.user, pass: settings.pass },
    logger: false,
    // IDLE one second after the last command (imapflow's default waits 15 s), so new mail
    // announced by the server starts a round at once
    disableAutoIdle: false,
    autoIdleDelay: 1000,
  });
}

export interface PollOptions {
  /** Folder the stored messages move to (created when missing). */
  processedFolder?: string[];
  /** Messages per round at most (the rest waits for the next round). */
  batchSize?: number;
  actor?: string;
  /**
   * Test hook: called after a message is stored (its UID recorded) and before it is
   * processed; throwing here is how the tests crash the poller mid-batch.
   */
  afterStore?: (uid: number, index: number) => void | Promise<void>;
}

export interface PollResult {
  mailbox: string;
  uid_validity: number;
  /** Messages newly stored this round. */
  stored: number;
  /** Already stored (same Message-ID and content): not stored again. */
  duplicates: number;
  /** Messages of 0 bytes: nothing to store; skipped and moved. */
  empty: number;
  /** Messages processed this round (new ones and earlier failures or leftovers). */
  processed: number;
  failed: number;
  moved: number;
  last_uid: number;
}

function mailboxKey(s: ImapSettings): string {
  return `${s.user}@${s.host}:${s.port}/${s.mailbox}`;
}

/** One round over an open client: store new mail, process, move. */
export async function pollMailbox(
  deps: IntakeDeps,
  client: ImapFlow,
  settings: ImapSettings,
  options: PollOptions = {},
): Promise<PollResult> {
  const actor = options.actor ?? 'imap';
  const key = mailboxKey(settings);
  const created = await client.mailboxCreate(options.processedFolder ?? DEFAULT_PROCESSED_FOLDER);
  const processedPath = created.path;
  const lock = await client.getMailboxLock(settings.mailbox);
  try {
    const box = client.mailbox;
    if (!box) throw new Error(`mailbox ${settings.mailbox} could not be opened`);
    const uidValidity = Number(box.uidValidity);
    let lastUid = await mailboxState(deps, key, uidValidity);

    // Leftovers of a crashed round (stored, not processed) first.
    let processed = await processPending(deps, actor);

    const found = (await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || [];
    // "N:*" always includes the highest UID, even when it is below N.
    const uids = found.filter((u) => u > lastUid).sort((a, b) => a - b);
    const batch = uids.slice(0, options.batchSize ?? 200);
    let stored = 0;
    let duplicates = 0;
    let failed = 0;
    let empty = 0;
    for (const [index, uid] of batch.entries()) {
      const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      if (message === false || !message.source) continue; // expunged meanwhile
      const raw = new Uint8Array(message.source);
      if (raw.byteLength === 0) {
        // Nothing to keep: skip it (and move it) instead of failing every round on it.
        await deps.db.execute(
          'UPDATE inbound_mailboxes SET last_uid = $2, updated_at = $3 WHERE mailbox = $1 AND last_uid < $2',
          [key, uid, deps.clock.now().toISOString()],
        );
        lastUid = uid;
        empty++;
        continue;
      }
      const result = await deps.db.transaction(async (tx) => {
        const s = await storeRaw(tx, {
          raw,
          source: 'imap',
          sourceRef: `${key};UIDVALIDITY=${uidValidity};UID=${uid}`,
          now: deps.clock.now(),
          imap: { mailbox: key, uidValidity, uid },
        });
        await tx.execute(
          'UPDATE inbound_mailboxes SET last_uid = $2, updated_at = $3 WHERE mailbox = $1 AND last_uid < $2',
          [key, uid, deps.clock.now().toISOString()],
        );
        return s;
      });
      lastUid = uid;
      if (result.duplicate) duplicates++;
      else stored++;
      await options.afterStore?.(uid, index);
      if (result.status !== 'processed') {
        await processInbound(deps, result.id, { actor });
        processed++;
        const [row] = await deps.db.query<{ status: string }>(
          'SELECT status FROM inbound_messages WHERE id = $1',
          [result.id],
        );
        if (row?.status === 'failed') failed++;
      }
    }
    // Everything up to lastUid is stored: move it out of the inbox (also what a crash left).
    let moved = 0;
    if (lastUid > 0 && (box.exists ?? 0) > 0) {
      const inInbox = ((await client.search({ uid: `1:${lastUid}` }, { uid: true })) || []).filter(
        (u) => u <= lastUid,
      );
      if (inInbox.length > 0) {
        const r = await client.messageMove(inInbox.join(','), processedPath, { uid: true });
        moved = r ? inInbox.length : 0;
      }
    }
    return {
      mailbox: key,
      uid_validity: uidValidity,
      stored,
      duplicates,
      empty,
      processed,
      failed,
      moved,
      last_uid: lastUid,
    };
  } finally {
    lock.release();
  }
}

/** The last UID stored for this mailbox; a new UIDVALIDITY starts again from 0. */
async function mailboxState(deps: IntakeDeps, key: string, uidValidity: number): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.query<{ uid_validity: number; last_uid: number }>(
      'SELECT uid_validity, last_uid FROM inbound_mailboxes WHERE mailbox = $1 FOR UPDATE',
      [key],
    );
    if (row && row.uid_validity === uidValidity) return row.last_uid;
    await tx.execute(
      `INSERT INTO inbound_mailboxes (mailbox, uid_validity, last_uid, updated_at) VALUES ($1, $2, 0, $3)
       ON CONFLICT (mailbox) DO UPDATE SET uid_validity = EXCLUDED.uid_validity, last_uid = 0,
                                           updated_at = EXCLUDED.updated_at`,
      [key, uidValidity, deps.clock.now().toISOString()],
    );
    return 0;
  });
}

/** `dunwell inbound poll`: connect, one round, log out. */
export async function pollOnce(deps: IntakeDeps, url: URL, options: PollOptions = {}): Promise<PollResult> {
  const settings = imapSettings(url);
  const client = openImapClient(settings);
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(
      `cannot connect to the IMAP server ${settings.host}:${settings.port} as ${settings.user}: ${(err as Error).message}`,
    );
  }
  try {
    return await pollMailbox(deps, client, settings, options);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/**
 * The serve loop: one connection, a round at start, then a round whenever the server says
 * new mail exists (IDLE; imapflow falls back to NOOP polling when the server lacks IDLE) or
 * every `intervalMs` at the latest. Errors are logged and the connection retried with
 * backoff; a bad message never stops the loop (it is stored as failed).
 */
export function startImapLoop(
  deps: IntakeDeps & { log(line: string): void },
  url: URL,
  options: PollOptions & { intervalMs?: number } = {},
): () => Promise<void> {
  const settings = imapSettings(url);
  let stopped = false;
  let wake: (() => void) | null = null;
  let client: ImapFlow | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });
  const loop = (async () => {
    let backoff = 1000;
    while (!stopped) {
      try {
        client = openImapClient(settings);
        client.on('exists', (info: { count: number; prevCount: number }) => {
          if (info.count > info.prevCount) wake?.();
        });
        client.on('close', () => wake?.());
        await client.connect();
        backoff = 1000;
        while (!stopped && client.usable) {
          const r = await pollMailbox(deps, client, settings, options);
          if (r.stored + r.processed + r.moved > 0)
            deps.log(
              `inbound: ${r.mailbox}: stored ${r.stored}, processed ${r.processed} (${r.failed} failed), moved ${r.moved}`,
            );
          if (stopped) break;
          await client.mailboxOpen(settings.mailbox);
          await sleep(options.intervalMs ?? 60_000);
        }
      } catch (err) {
        if (stopped) break;
        deps.log(`inbound: IMAP ${settings.host}:${settings.port}: ${(err as Error).message}; retrying`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 60_000);
      } finally {
        const c = client;
        client = null;
        if (c) await c.logout().catch(() => c.close());
      }
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    const c = client;
    if (c) await c.logout().catch(() => c.close());
    await loop;
  };
}
