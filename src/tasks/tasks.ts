/**
 * Collector tasks: calls to make, contacts to check, replies and disputes to read, broken
 * promises to chase. The engine creates most of them (task steps, R7's "no valid email");
 * collectors close them with `tasks done ID`.
 */
import type { CalendarDate } from '../ledger/dates.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Db, Queryable } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';

export const TASK_KINDS = [
  'call',
  'check_contact',
  'no_email',
  'reply',
  'dispute',
  'promise_broken',
  'other',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
export type TaskStatus = 'open' | 'done';

/** PRODUCT §2.2: `dunwell tasks list --json` items. */
export interface TaskView {
  id: number;
  customer_external_id: string;
  kind: TaskKind;
  title: string;
  due: CalendarDate;
  status: TaskStatus;
  invoices: string[];
}

export interface TaskFilter {
  status?: TaskStatus | undefined;
  customerExternalId?: string | undefined;
  /** Only tasks due on or before this date. */
  dueBy?: CalendarDate | undefined;
  limit?: number | undefined;
  /** Keyset paging: only tasks after this (due, id) in list order. */
  after?: { due: CalendarDate; id: number } | undefined;
}

const SELECT = `SELECT t.id, c.external_id AS customer_external_id, t.kind, t.title, t.due, t.status,
         coalesce((SELECT array_agg(i.number ORDER BY i.due_date, i.number)
                     FROM invoices i WHERE i.id = ANY (t.invoice_ids)), '{}') AS invoices
    FROM tasks t JOIN customers c ON c.id = t.customer_id`;

/** Tasks oldest due first (then by id). */
export async function listTasks(q: Queryable, filter: TaskFilter = {}): Promise<TaskView[]> {
  return q.query<TaskView & Record<string, unknown>>(
    `${SELECT}
      WHERE ($1::text IS NULL OR t.status = $1)
        AND ($2::text IS NULL OR c.external_id = $2)
        AND ($3::date IS NULL OR t.due <= $3)
        AND ($5::date IS NULL OR (t.due, t.id) > ($5::date, $6::bigint))
      ORDER BY t.due, t.id
      LIMIT $4`,
    [
      filter.status ?? null,
      filter.customerExternalId ?? null,
      filter.dueBy ?? null,
      filter.limit ?? null,
      filter.after?.due ?? null,
      filter.after?.id ?? null,
    ],
  );
}

export async function getTask(q: Queryable, id: number): Promise<TaskView> {
  const [row] = await q.query<TaskView & Record<string, unknown>>(`${SELECT} WHERE t.id = $1`, [id]);
  if (!row) throw new NotFoundError(`no task with id ${id}`);
  return row;
}

/** Marks a task done (who and when on the task and on the customer's timeline). */
export async function completeTask(db: Db, input: { id: number; actor: string }): Promise<TaskView> {
  if (!Number.isSafeInteger(input.id) || input.id <= 0) {
    throw new UserError(`task id "${input.id}" is not a task number; see "dunwell tasks list"`);
  }
  return db.transaction(async (tx) => {
    const [task] = await tx.query<{
      id: number;
      customer_id: number;
      status: TaskStatus;
      done_by: string | null;
    }>('SELECT id, customer_id, status, done_by FROM tasks WHERE id = $1 FOR UPDATE', [input.id]);
    if (!task) throw new NotFoundError(`no task with id ${input.id}`);
    if (task.status === 'done') throw new UserError(`task ${input.id} is already done (by ${task.done_by})`);
    await tx.execute(`UPDATE tasks SET status = 'done', done_by = $2, done_at = now() WHERE id = $1`, [
      input.id,
      input.actor,
    ]);
    await recordEvent(tx, {
      actor: input.actor,
      customerId: task.customer_id,
      action: 'task.done',
      entity: 'task',
      entityId: input.id,
    });
    return getTask(tx, input.id);
  });
}
