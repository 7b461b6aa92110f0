/**
 * Rate limits kept in the database (portal_rate_events), so they hold across restarts and
 * across several server processes. A bucket is a string such as 'link-ip:203.0.113.7'.
 */
import type { Queryable } from '../platform/db/index.ts';

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
  await q.execute('DELETE FROM portal_rate_events WHERE bucket = $1 AND at <= $2', [bucket, since]);
  const inserted = await q.query<{ id: number }>(
    `INSERT INTO portal_rate_events (bucket, at)
     SELECT $1, $2 WHERE (SELECT count(*) FROM portal_rate_events WHERE bucket = $1 AND at > $3) < $4
     RETURNING id`,
    [bucket, now.toISOString(), since, rule.limit],
  );
  return inserted.length > 0;
}
