/**
 * Rate limits and throttles kept in the database (rate_events), so they hold across restarts
 * and across several server processes. A bucket is a string such as 'link-ip:203.0.113.7'.
 * Used by the portal (link requests), the payment webhooks and sign-in (failed attempts).
 */
import type { Queryable } from './db/index.ts';

export interface RateLimit {
  /** attempts allowed inside the window */
  limit: number;
  windowSeconds: number;
}

/** Fresh-link requests: per client IP and per (hashed) email address. */
export const LINK_REQUESTS_PER_IP: RateLimit = { limit: 10, windowSeconds: 3600 };
export const LINK_REQUESTS_PER_ADDRESS: RateLimit = { limit: 3, windowSeconds: 3600 };
/** Webhook calls per client IP (Stripe sends far fewer; a flood is refused before any work). */
export const WEBHOOK_CALLS_PER_IP: RateLimit = { limit: 120, windowSeconds: 60 };

/**
 * Counts one attempt in `bucket` at `now` unless the bucket is full; true = allowed. One
 * statement counts and records. Requests racing each other may pass the limit by their
 * number (both count before either inserts); that bound is fine for abuse control.
 */
export async function takeRateSlot(
  q: Queryable,
  bucket: string,
  rule: RateLimit,
  now: Date,
): Promise<boolean> {
  const since = new Date(now.getTime() - rule.windowSeconds * 1000).toISOString();
  await q.execute('DELETE FROM rate_events WHERE bucket = $1 AND at <= $2', [bucket, since]);
  const inserted = await q.query<{ id: number }>(
    `INSERT INTO rate_events (bucket, at)
     SELECT $1, $2 WHERE (SELECT count(*) FROM rate_events WHERE bucket = $1 AND at > $3) < $4
     RETURNING id`,
    [bucket, now.toISOString(), since, rule.limit],
  );
  return inserted.length > 0;
}

/** How many events `bucket` holds within the last `windowSeconds` before `now`. */
export async function eventsInWindow(
  q: Queryable,
  bucket: string,
  windowSeconds: number,
  now: Date,
): Promise<number> {
  const since = new Date(now.getTime() - windowSeconds * 1000).toISOString();
  const [row] = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM rate_events WHERE bucket = $1 AND at > $2',
    [bucket, since],
  );
  return row?.n ?? 0;
}

/** Records one event in `bucket` (no limit applied), dropping the bucket's events older than a day. */
export async function noteEvent(q: Queryable, bucket: string, now: Date): Promise<void> {
  await q.execute('DELETE FROM rate_events WHERE bucket = $1 AND at < $2', [
    bucket,
    new Date(now.getTime() - 86_400_000).toISOString(),
  ]);
  await q.execute('INSERT INTO rate_events (bucket, at) VALUES ($1, $2)', [bucket, now.toISOString()]);
}

/** Forgets every event of `bucket`. */
export async function clearBucket(q: Queryable, bucket: string): Promise<void> {
  await q.execute('DELETE FROM rate_events WHERE bucket = $1', [bucket]);
}
