/**
 * The key ring that signs portal links, and per-customer revocation. Keys live in
 * portal_signing_keys: with DUNWELL_SECRET_KEY configured a key's secret is derived from it
 * and the key id (nothing secret is stored); without one (the embedded demo) a random
 * 32-byte secret is generated once and kept in the database, so links survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { recordEvent } from '../platform/audit.ts';
import type { Db, Queryable } from '../platform/db/index.ts';
import { deriveKey } from './tokens.ts';

export interface KeyRing {
  /** the key that signs new links */
  signingKeyId: string;
  /** every key that still verifies links */
  keys: Map<string, Buffer>;
}

type KeyRow = { id: string; secret: unknown; retired_at: string | null; created_at: string };

function toBuffer(value: unknown): Buffer | null {
  if (value == null) return null;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new Error('unexpected bytea value');
}

function newKeyId(now: Date): string {
  return `k${now.getTime().toString(36)}${randomBytes(2).toString('hex')}`;
}

function ring(
  rows: KeyRow[],
  secretKey: string | null,
): { keys: Map<string, Buffer>; signing: string | null } {
  const keys = new Map<string, Buffer>();
  let signing: { id: string; created: string } | null = null;
  for (const row of rows) {
    const stored = toBuffer(row.secret);
    const key = stored ?? (secretKey ? deriveKey(secretKey, row.id) : null);
    if (!key) continue; // derived from a secret key that is no longer configured
    keys.set(row.id, key);
    // with a configured secret, only derived keys sign (a stored demo secret is weaker)
    const mayBeSigner = row.retired_at === null && (secretKey ? stored === null : true);
    if (mayBeSigner && (!signing || row.created_at > signing.created))
      signing = { id: row.id, created: row.created_at };
  }
  return { keys, signing: signing?.id ?? null };
}

async function addKey(db: Queryable, secretKey: string | null, now: Date): Promise<void> {
  await db.execute('INSERT INTO portal_signing_keys (id, secret, created_at) VALUES ($1, $2, $3)', [
    newKeyId(now),
    secretKey ? null : randomBytes(32),
    now.toISOString(),
  ]);
}

/** Loads the keys; creates the first signing key when there is none usable. */
export async function loadKeyRing(db: Queryable, secretKey: string | null, now: Date): Promise<KeyRing> {
  const read = async () =>
    ring(
      await db.query<KeyRow>(
        'SELECT id, secret, retired_at, created_at FROM portal_signing_keys ORDER BY id',
      ),
      secretKey,
    );
  let current = await read();
  if (!current.signing) {
    await addKey(db, secretKey, now);
    current = await read();
  }
  if (!current.signing) throw new Error('no portal signing key could be created');
  return { signingKeyId: current.signing, keys: current.keys };
}

/**
 * Starts signing with a new key. Older keys keep verifying the links they signed until those
 * expire; delete a row from portal_signing_keys to invalidate its links at once.
 */
export async function rotatePortalKey(db: Db, secretKey: string | null, now: Date): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute('UPDATE portal_signing_keys SET retired_at = $1 WHERE retired_at IS NULL', [
      now.toISOString(),
    ]);
    await addKey(tx, secretKey, now);
    const ringNow = await loadKeyRing(tx, secretKey, now);
    return ringNow.signingKeyId;
  });
}

/** Refuses every link of the customer issued before `now` (links issued later work). */
export async function revokePortalLinks(db: Db, customerId: number, actor: string, now: Date): Promise<void> {
  // links carry whole seconds: one issued in the same second as the revocation is refused too
  const before = new Date((Math.floor(now.getTime() / 1000) + 1) * 1000).toISOString();
  await db.transaction(async (tx) => {
    await tx.execute(
      `INSERT INTO portal_revocations (customer_id, revoked_before, revoked_by) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id) DO UPDATE SET revoked_before = excluded.revoked_before, revoked_by = excluded.revoked_by`,
      [customerId, before, actor],
    );
    await recordEvent(tx, {
      actor,
      customerId,
      action: 'portal.links_revoked',
      entity: 'customer',
      entityId: customerId,
      data: { revoked_before: before },
    });
  });
}

/** The customer's revocation instant in unix seconds, or null. */
export async function revokedBefore(db: Queryable, customerId: number): Promise<number | null> {
  const [row] = await db.query<{ revoked_before: string }>(
    'SELECT revoked_before FROM portal_revocations WHERE customer_id = $1',
    [customerId],
  );
  return row ? Math.floor(new Date(row.revoked_before).getTime() / 1000) : null;
}
