import { z } from 'zod';
import { decodeCursor, toPage } from '../../ledger/read.ts';
import { completeTask, getTask, listTasks, TASK_KINDS } from '../../tasks/index.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody, PageQuery, pageOf } from '../schemas.ts';

/** PRODUCT §2.2's task item (the same as `dunwell tasks list --json`). */
export const TaskItemSchema = z
  .object({
    id: z.number().int().nullable().meta({ description: 'null in forecasts and dry runs (nothing written)' }),
    customer_external_id: z.string(),
    kind: z.enum(TASK_KINDS),
    title: z.string(),
    due: CalendarDateSchema,
    status: z.enum(['open', 'done']),
    invoices: z.array(z.string()),
  })
  .meta({ id: 'Task', description: 'A collector task' });

const IdParam = z.object({ id: z.coerce.number().int().min(1).meta({ description: 'Task id' }) });

export default async function tasks(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'List collector tasks',
        description: 'Tasks ordered by due date, then id.',
        querystring: z.object({
          status: z.enum(['open', 'done']).optional(),
          customer: z.string().min(1).max(200).optional().meta({ description: 'Customer external_id' }),
          due_by: CalendarDateSchema.optional().meta({ description: 'Only tasks due on or before this day' }),
          ...PageQuery,
        }),
        response: { 200: pageOf(TaskItemSchema), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const after = q.cursor ? decodeCursor(q.cursor, 'date') : null;
      const rows = await listTasks(deps.db, {
        status: q.status,
        customerExternalId: q.customer,
        dueBy: q.due_by,
        after: after ? { due: String(after[0]), id: after[1] } : undefined,
        limit: q.limit + 1,
      });
      return toPage(rows, q.limit, (row) => row.due);
    },
  );

  app.get(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Get a task',
        params: IdParam,
        response: { 200: TaskItemSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => getTask(deps.db, request.params.id),
  );

  app.post(
    '/api/v1/tasks/:id/done',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['tasks'],
        summary: 'Mark a task done',
        description:
          'Records who and when on the task and on the customer’s timeline. A done task cannot be done again (422).',
        params: IdParam,
        response: { 200: TaskItemSchema, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => completeTask(deps.db, { id: request.params.id, actor: request.actor }),
  );
}
