import type { Queryable } from './db/index.ts';

/**
 * One entry on a customer's timeline (the audit log). Every change made by a person, an
 * import, the API, the portal or the engine writes one, in the same transaction as the change.
 *
 * actor: 'engine', 'import', 'cli', 'api:<key name>', 'user:<email>', 'portal:<contact email>'.
 */
export interface TimelineEvent {
  actor: string;
  customerId: number | null;
  /** What happened, as a dotted verb: 'invoice.disputed', 'promise.created', 'customer.paused'. */
  action: string;
  /** The thing it happened to: 'invoice', 'customer', 'promise', 'payment', … */
  entity: string;
  entityId?: string | number | null;
  data?: Record<string, unknown>;
  /** ISO instant; defaults to the database's now(). */
  at?: string;
}

export async function recordEvent(db: Queryable, event: TimelineEvent): Promise<void> {
  await recordEvents(db, [event]);
}

/** Writes many events with one statement (imports write one per customer they touch). */
export async function recordEvents(db: Queryable, events: readonly TimelineEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.execute(
    `INSERT INTO audit_log (at, actor, customer_id, action, entity, entity_id, data)
     SELECT coalesce(e.at, now()), e.actor, e.customer_id, e.action, e.entity, e.entity_id, coalesce(e.data, '{}')
       FROM jsonb_to_recordset($1::jsonb)
         AS e(at timestamptz, actor text, customer_id bigint, action text, entity text, entity_id text, data jsonb)`,
    [
      JSON.stringify(
        events.map((e) => ({
          at: e.at ?? null,
          actor: e.actor,
          customer_id: e.customerId,
          action: e.action,
          entity: e.entity,
          entity_id: e.entityId == null ? null : String(e.entityId),
          data: e.data ?? {},
        })),
      ),
    ],
  );
}

export interface TimelineEntry {
  id: number;
  /** `at` with microseconds, for keyset cursors (the ISO `at` is rounded to milliseconds) */
  cursor_at: string;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  data: Record<string, unknown>;
}

export interface TimelineFilter {
  customerId: number;
  /** action prefixes, e.g. ['message', 'payment']: 'message' matches 'message.sent' */
  kinds?: readonly string[];
  /** continue strictly before this (at with microseconds, as `cursor_at` gives it; id), newest first */
  before?: { at: string; id: number };
  limit: number;
}

/**
 * A customer's timeline, newest first, read by keyset on (at, id) through the
 * (customer_id, at) index. Fetches limit + 1 rows so the caller can tell whether more follow.
 */
export async function listTimeline(db: Queryable, f: TimelineFilter): Promise<TimelineEntry[]> {
  const params: unknown[] = [f.customerId];
  let where = 'customer_id = $1';
  if (f.kinds && f.kinds.length > 0) {
    params.push(f.kinds.map((k) => `${k.replace(/[\\%_]/g, (c) => `\\${c}`)}.%`));
    params.push([...f.kinds]);
    where += ` AND (action LIKE ANY ($${params.length - 1}::text[]) OR action = ANY ($${params.length}::text[]))`;
  }
  if (f.before) {
    params.push(f.before.at, f.before.id);
    where += ` AND (at, id) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(f.limit + 1);
  return db.query<TimelineEntry & Record<string, unknown>>(
    `SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
            at, actor, action, entity, entity_id, data FROM audit_log
      WHERE ${where} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
}
