/**
 * A customer's timeline (PRODUCT §3: "every change made by a person or by the engine is on
 * the customer's timeline"): messages out, mail in, payments, promises, disputes, notes,
 * tasks and state changes, newest first, filterable by kind. The workspace's customer page
 * reads it; so can any integration.
 */
import { z } from 'zod';
import { decodeCursor, toPage } from '../../ledger/read.ts';
import { listTimeline } from '../../platform/audit.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ErrorBody, ExternalIdParam, Instant, PageQuery, pageOf } from '../schemas.ts';

const TimelineEntrySchema = z
  .object({
    id: z.number().int(),
    at: Instant,
    actor: z.string().meta({
      description:
        "Who: 'engine', 'import', 'cli', 'api:<key>', 'user:<email>', 'portal:<contact>', 'sender', 'inbound'",
    }),
    action: z
      .string()
      .meta({ description: "What happened, a dotted verb: 'message.sent', 'invoice.disputed'…" }),
    entity: z.string(),
    entity_id: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TimelineEntry', description: 'One event on a customer’s timeline' });

export default async function timeline(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/customers/:external_id/timeline',
    {
      schema: {
        tags: ['customers'],
        summary: 'A customer’s timeline',
        description:
          'Everything that happened to the customer, newest first: messages planned, sent, bounced and ' +
          'replied to, payments, promises, disputes, notes, tasks, pauses, imports. `kind` keeps only ' +
          'actions starting with the given words (comma-separated, e.g. `message,payment`).',
        params: ExternalIdParam,
        querystring: z.object({
          kind: z
            .string()
            .regex(/^[a-z_]+(\.[a-z_]+)?(,[a-z_]+(\.[a-z_]+)?)*$/, {
              error: 'comma-separated action kinds such as message,payment',
            })
            .max(300)
            .optional(),
          ...PageQuery,
        }),
        response: { 200: pageOf(TimelineEntrySchema), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const [customer] = await deps.db.query<{ id: number }>(
        'SELECT id FROM customers WHERE external_id = $1',
        [request.params.external_id],
      );
      if (!customer) throw new NotFoundError(`no customer with external_id "${request.params.external_id}"`);
      const q = request.query;
      const before = q.cursor ? decodeCursor(q.cursor, 'text') : null;
      const rows = await listTimeline(deps.db, {
        customerId: customer.id,
        kinds: q.kind?.split(','),
        before: before ? { at: String(before[0]), id: before[1] } : undefined,
        limit: q.limit,
      });
      return toPage(
        rows,
        q.limit,
        (row) => row.cursor_at,
        ({ cursor_at: _, ...entry }) => entry,
      );
    },
  );
}
