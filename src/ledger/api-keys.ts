/**
 * API keys: bearer tokens for the REST API. A key is `dw_` + 32 random bytes (base64url);
 * only its SHA-256 is stored, with a short prefix so a person can tell keys apart in a list.
 * A presented key is looked up by its hash, so comparing it leaks nothing through timing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';

export interface ApiKeyInfo {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedApiKey {
  id: number;
  name: string;
  /** The whole key; shown once, never stored. */
  key: string;
  prefix: string;
  created_at: string;
}

/** The caller a valid key stands for. */
export interface ApiKeyCaller {
  id: number;
  name: string;
}

const KEY_PATTERN = /^dw_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 10; // 'dw_' + 7 characters
/** last_used_at is written at most this often per key, so busy clients do not write on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100 || /[\p{Cc}]/u.test(trimmed)) {
    throw new UserError(
      `API key name "${name}" is not usable: give a short name (1–100 characters, no control characters) ` +
        'that says who uses the key, e.g. "erp-sync"',
    );
  }
  return trimmed;
}

export async function createApiKey(db: Queryable, name: string): Promise<CreatedApiKey> {
  const keyName = checkName(name);
  const key = `dw_${randomBytes(32).toString('base64url')}`;
  const prefix = key.slice(0, PREFIX_LENGTH);
  const [row] = await db.query<{ id: number; created_at: string }>(
    'INSERT INTO api_keys (name, prefix, key_hash) VALUES ($1, $2, $3) RETURNING id, created_at',
    [keyName, prefix, hashApiKey(key)],
  );
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  return { id: row.id, name: keyName, key, prefix, created_at: row.created_at };
}

export async function listApiKeys(db: Queryable): Promise<ApiKeyInfo[]> {
  return db.query<ApiKeyInfo & Record<string, unknown>>(
    'SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id',
  );
}

/** Revokes a key by id; revoking a revoked key is a no-op that still answers with it. */
export async function revokeApiKey(db: Queryable, id: number, now: Date): Promise<ApiKeyInfo> {
  const [row] = await db.query<ApiKeyInfo & Record<string, unknown>>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2)
      WHERE id = $1
      RETURNING id, name, prefix, created_at, last_used_at, revoked_at`,
    [id, now.toISOString()],
  );
  if (!row) throw new NotFoundError(`no API key with id ${id}; run "dunwell apikeys list" to see the ids`);
  return row;
}

/**
 * The caller of a presented key, or null when the key is malformed, unknown or revoked.
 * Records the use (at most once a minute per key).
 */
export async function authenticateApiKey(
  db: Queryable,
  key: string,
  now: Date,
): Promise<ApiKeyCaller | null> {
  if (!KEY_PATTERN.test(key)) return null;
  const [row] = await db.query<{ id: number; name: string; last_used_at: string | null }>(
    'SELECT id, name, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
    [hashApiKey(key)],
  );
  if (!row) return null;
  const lastUsed = row.last_used_at ? Date.parse(row.last_used_at) : Number.NEGATIVE_INFINITY;
  if (now.getTime() - lastUsed >= LAST_USED_RESOLUTION_MS) {
    // The condition repeats the check so concurrent requests write once.
    await db.execute(
      `UPDATE api_keys SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - interval '1 minute')`,
      [row.id, now.toISOString()],
    );
  }
  return { id: row.id, name: row.name };
}
