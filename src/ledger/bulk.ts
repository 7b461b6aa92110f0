/**
 * Bulk actions over customers (the workspace's customer list): add or remove a tag, assign a
 * collector, pause dunning (indefinitely or until a date) or resume it — for customers picked
 * by external id, or for every customer matching a list filter. One transaction: the customers
 * are locked, changed with one statement, and each changed customer gets its own timeline
 * event; a customer the action does not change (already tagged, already paused…) is counted
 * as unchanged and gets no event. Any error writes nothing.
 *
 * "All matching the filter" carries the count the person confirmed: when the filter matches a
 * different number of customers inside the transaction, nothing is written
 * (BulkCountChangedError), so a list that moved meanwhile is never changed blindly.
 */
import { recordEvents, type TimelineEvent } from '../platform/audit.ts';
import type { Db } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';
import { type CalendarDate, isCalendarDate } from './dates.ts';
import { type CustomerFilter, customerConditions } from './read.ts';

export const BULK_ACTIONS = ['add_tag', 'remove_tag', 'assign_collector', 'pause', 'resume'] as const;

export type BulkAction =
  | { kind: 'add_tag'; tag: string }
  | { kind: 'remove_tag'; tag: string }
  /** userId null: unassign */
  | { kind: 'assign_collector'; userId: number | null }
  /** until null: paused until resumed */
  | { kind: 'pause'; until: CalendarDate | null }
  | { kind: 'resume' };

export type BulkTarget =
  | { externalIds: string[] }
  | { filter: Omit<CustomerFilter, 'limit' | 'cursor' | 'sort' | 'reverse'>; expectedCount: number };

/** Most customers picked one by one; most customers one "all matching" action may change. */
export const MAX_PICKED = 1000;
export const MAX_MATCHING = 100_000;

export interface BulkResult {
  action: (typeof BULK_ACTIONS)[number];
  /** customers the action was applied to */
  matched: number;
  /** of those, customers it changed (each has a timeline event) */
  changed: number;
  /** already in the asked state */
  unchanged: number;
  /** external ids of the changed customers (at most the first 100) */
  changed_customers: string[];
}

/** The filter matches another number of customers than the caller confirmed (API 409). */
export class BulkCountChangedError extends UserError {}

interface Locked {
  id: number;
  external_id: string;
  tags: string[];
  collector_user_id: number | null;
  dunning_paused: boolean;
  paused_until: string | null;
}

const LOCKED_COLUMNS = 'c.id, c.external_id, c.tags, c.collector_user_id, c.dunning_paused, c.paused_until';

function checkTag(tag: string): string {
  const trimmed = tag.trim();
  if (!trimmed || trimmed.length > 100 || /\p{Cc}/u.test(trimmed)) {
    throw new UserError('tag: give 1–100 characters without control characters');
  }
  return trimmed;
}

export async function bulkUpdateCustomers(
  db: Db,
  input: { action: BulkAction; target: BulkTarget; actor: string; today: CalendarDate },
): Promise<BulkResult> {
  const { action } = input;
  // Validate everything before the transaction: a bad request writes nothing.
  const tag = action.kind === 'add_tag' || action.kind === 'remove_tag' ? checkTag(action.tag) : null;
  if (action.kind === 'pause' && action.until !== null) {
    if (!isCalendarDate(action.until))
      throw new UserError(`until: "${action.until}" is not a date (YYYY-MM-DD)`);
    if (action.until <= input.today) {
      throw new UserError(`until: ${action.until} is not after today (${input.today}); give a later date`);
    }
  }
  if ('externalIds' in input.target) {
    if (input.target.externalIds.length === 0) throw new UserError('customers: pick at least one customer');
    if (input.target.externalIds.length > MAX_PICKED) {
      throw new UserError(`customers: at most ${MAX_PICKED} customers at once; use a filter for more`);
    }
  }

  return db.transaction(async (tx) => {
    let collectorEmail: string | null = null;
    if (action.kind === 'assign_collector' && action.userId !== null) {
      const [user] = await tx.query<{ email: string; role: string; disabled_at: string | null }>(
        'SELECT email, role, disabled_at FROM users WHERE id = $1',
        [action.userId],
      );
      if (!user || user.disabled_at !== null || user.role === 'viewer') {
        throw new UserError(
          `collector: user ${action.userId} is not an active collector or admin (GET /api/v1/collectors lists them)`,
        );
      }
      collectorEmail = user.email;
    }

    let locked: Locked[];
    if ('externalIds' in input.target) {
      const wanted = [...new Set(input.target.externalIds)];
      locked = await tx.query<Locked & Record<string, unknown>>(
        `SELECT ${LOCKED_COLUMNS} FROM customers c WHERE c.external_id = ANY ($1::text[]) ORDER BY c.id FOR UPDATE`,
        [wanted],
      );
      if (locked.length !== wanted.length) {
        const found = new Set(locked.map((c) => c.external_id));
        const missing = wanted.filter((id) => !found.has(id));
        throw new NotFoundError(
          `customers: no customer with external_id ${missing
            .slice(0, 10)
            .map((id) => `"${id}"`)
            .join(
              ', ',
            )}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}; nothing was changed`,
        );
      }
    } else {
      const params: unknown[] = [];
      const bind = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      const where = customerConditions(input.target.filter, bind);
      locked = await tx.query<Locked & Record<string, unknown>>(
        `SELECT ${LOCKED_COLUMNS} FROM customers c JOIN organisation o ON o.id = 1
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY c.id LIMIT ${MAX_MATCHING + 1} FOR UPDATE OF c`,
        params,
      );
      if (locked.length > MAX_MATCHING) {
        throw new UserError(`the filter matches more than ${MAX_MATCHING} customers; narrow it down`);
      }
      if (locked.length !== input.target.expectedCount) {
        throw new BulkCountChangedError(
          `the filter now matches ${locked.length} customers, not the ${input.target.expectedCount} you confirmed; ` +
            'nothing was changed: check the list and confirm again',
        );
      }
    }

    const ids = locked.map((c) => c.id);
    let changedIds: number[] = [];
    const returning = 'RETURNING id';
    switch (action.kind) {
      case 'add_tag':
        changedIds = (
          await tx.query<{ id: number }>(
            `UPDATE customers SET tags = array_append(tags, $2::text), updated_at = now()
              WHERE id = ANY ($1::bigint[]) AND NOT (tags @> ARRAY[$2::text]) ${returning}`,
            [ids, tag],
          )
        ).map((r) => Number(r.id));
        break;
      case 'remove_tag':
        changedIds = (
          await tx.query<{ id: number }>(
            `UPDATE customers SET tags = array_remove(tags, $2::text), updated_at = now()
              WHERE id = ANY ($1::bigint[]) AND tags @> ARRAY[$2::text] ${returning}`,
            [ids, tag],
          )
        ).map((r) => Number(r.id));
        break;
      case 'assign_collector':
        changedIds = (
          await tx.query<{ id: number }>(
            `UPDATE customers SET collector_user_id = $2::bigint, updated_at = now()
              WHERE id = ANY ($1::bigint[]) AND collector_user_id IS DISTINCT FROM $2::bigint ${returning}`,
            [ids, action.userId],
          )
        ).map((r) => Number(r.id));
        break;
      case 'pause':
        changedIds = (
          await tx.query<{ id: number }>(
            `UPDATE customers SET dunning_paused = $2::boolean, paused_until = $3::date, updated_at = now()
              WHERE id = ANY ($1::bigint[])
                AND (dunning_paused, paused_until) IS DISTINCT FROM ($2::boolean, $3::date) ${returning}`,
            [ids, action.until === null, action.until],
          )
        ).map((r) => Number(r.id));
        break;
      case 'resume':
        changedIds = (
          await tx.query<{ id: number }>(
            `UPDATE customers SET dunning_paused = false, paused_until = NULL, updated_at = now()
              WHERE id = ANY ($1::bigint[]) AND (dunning_paused OR paused_until IS NOT NULL) ${returning}`,
            [ids],
          )
        ).map((r) => Number(r.id));
        break;
    }

    const changed = new Set(changedIds);
    const events: TimelineEvent[] = [];
    const changedCustomers: string[] = [];
    for (const customer of locked) {
      if (!changed.has(Number(customer.id))) continue;
      changedCustomers.push(customer.external_id);
      events.push({
        actor: input.actor,
        customerId: Number(customer.id),
        entity: 'customer',
        entityId: customer.external_id,
        ...eventFor(action, customer, tag, collectorEmail),
      });
    }
    await recordEvents(tx, events);
    return {
      action: action.kind,
      matched: locked.length,
      changed: changed.size,
      unchanged: locked.length - changed.size,
      changed_customers: changedCustomers.slice(0, 100),
    };
  });
}

/** The timeline event of one changed customer: the same actions as the one-by-one changes. */
function eventFor(
  action: BulkAction,
  before: Locked,
  tag: string | null,
  collectorEmail: string | null,
): { action: string; data: Record<string, unknown> } {
  const pauseBefore = { paused: before.dunning_paused, paused_until: before.paused_until };
  switch (action.kind) {
    case 'add_tag':
      return { action: 'customer.tagged', data: { tag, bulk: true } };
    case 'remove_tag':
      return { action: 'customer.untagged', data: { tag, bulk: true } };
    case 'assign_collector':
      return {
        action: 'customer.collector_assigned',
        data: { collector: collectorEmail, before: before.collector_user_id, bulk: true },
      };
    case 'pause':
      return { action: 'customer.paused', data: { until: action.until, before: pauseBefore, bulk: true } };
    case 'resume':
      return { action: 'customer.resumed', data: { before: pauseBefore, bulk: true } };
  }
}
