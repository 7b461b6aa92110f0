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
