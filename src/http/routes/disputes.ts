/**
 * The disputes board (src/ledger/disputes-board.ts): open disputes with invoice, customer,
 * amount, age and note, filterable by reason and collector, and the count per reason for the
 * board's columns. Reads for every role; resolving is POST /api/v1/invoices/{number}/resolve.
 */
import { z } from 'zod';
import { listOpenDisputes, openDisputeReasons } from '../../ledger/disputes-board.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody, Instant, Money, PageQuery, pageOf } from '../schemas.ts';

const BoardDisputeSchema = z
  .object({
    id: z.number().int(),
    reason: z.string(),
    note: z.string().nullable(),
    opened_by: z.string(),
    opened_at: Instant,
    age_days: z.number().int().meta({ description: 'Whole days since the dispute was opened' }),
    invoice: z.string(),
    currency: z.string(),
    amount: Money,
    open_balance: Money,
    due_date: CalendarDateSchema,
    customer_external_id: z.string(),
    customer_name: z.string(),
    collector: z.string().nullable().meta({ description: 'The email of the customer’s collector' }),
  })
  .meta({ id: 'BoardDispute' });

const collector = z
  .union([z.literal('none'), z.coerce.number().int().min(1)], { error: 'must be a user id or "none"' })
  .optional()
  .meta({ description: 'The customer’s collector (user id), or "none"' });

export default async function disputes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/disputes',
    {
      schema: {
        tags: ['collections'],
        summary: 'List open disputes (the disputes board)',
        description:
          'Open disputes, oldest first, with their invoice, customer and collector; keyset-paginated.',
        querystring: z.object({
          reason: z.string().min(1).max(2000).optional().meta({ description: 'Exactly this reason' }),
          collector,
          ...PageQuery,
        }),
        response: { 200: pageOf(BoardDisputeSchema), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      return listOpenDisputes(deps.db, {
        today: await deps.today(),
        reason: q.reason,
        collector: q.collector,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    '/api/v1/disputes/reasons',
    {
      schema: {
        tags: ['collections'],
        summary: 'Open disputes per reason',
        description:
          'The disputes board’s columns: each reason with its number of open disputes, most common first.',
        querystring: z.object({ collector }),
        response: {
          200: z.object({ items: z.array(z.object({ reason: z.string(), count: z.number().int() })) }),
          400: ErrorBody,
        },
      },
    },
    async (request) => ({ items: await openDisputeReasons(deps.db, { collector: request.query.collector }) }),
  );
}
