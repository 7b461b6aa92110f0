import { z } from 'zod';
import { decodeCursor, toPage } from '../../ledger/read.ts';
import { getOutboxMessage, listOutbox, OUTBOX_STATUSES } from '../../messages/outbox.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody, PageQuery, pageOf } from '../schemas.ts';

/** PRODUCT §2.2's outbox item (the same as `dunwell outbox list --json`). */
export const OutboxItemSchema = z
  .object({
    id: z.number().int().nullable().meta({ description: 'null in forecasts and dry runs (nothing written)' }),
    customer_external_id: z.string(),
    campaign: z.string(),
    step: z.string().meta({ description: 'The most advanced firing step; its template is used (R4)' }),
    template: z.string(),
    language: z.string(),
    planned_for: CalendarDateSchema,
    status: z.enum(OUTBOX_STATUSES),
    to: z.array(z.string()),
    cc: z.array(z.string()),
    invoices: z.array(z.string()).meta({ description: 'Invoice numbers listed, oldest due first' }),
    subject: z.string().nullable(),
    attachments: z.array(z.string()),
    message_id: z.string().nullable(),
  })
  .meta({ id: 'OutboxMessage', description: 'A planned or sent message' });

export default async function outbox(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/outbox',
    {
      schema: {
        tags: ['outbox'],
        summary: 'List outbox messages',
        description: 'Planned and sent messages, oldest first (planned day, then id).',
        querystring: z.object({
          status: z.enum(OUTBOX_STATUSES).optional(),
          date: CalendarDateSchema.optional().meta({ description: 'Only messages planned for this day' }),
          customer: z.string().min(1).max(200).optional().meta({ description: 'Customer external_id' }),
          ...PageQuery,
        }),
        response: { 200: pageOf(OutboxItemSchema), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const after = q.cursor ? decodeCursor(q.cursor, 'date') : null;
      const rows = await listOutbox(deps.db, {
        status: q.status,
        plannedFor: q.date,
        customerExternalId: q.customer,
        after: after ? { plannedFor: String(after[0]), id: after[1] } : undefined,
        limit: q.limit + 1,
      });
      return toPage(rows, q.limit, (row) => row.planned_for);
    },
  );

  app.get(
    '/api/v1/outbox/:id',
    {
      schema: {
        tags: ['outbox'],
        summary: 'Get an outbox message',
        params: z.object({ id: z.coerce.number().int().min(1) }),
        response: { 200: OutboxItemSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const message = await getOutboxMessage(deps.db, request.params.id);
      if (!message) throw new NotFoundError(`no outbox message with id ${request.params.id}`);
      return message;
    },
  );
}
