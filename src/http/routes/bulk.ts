/**
 * Bulk actions over customers (the workspace's customer list): POST /api/v1/bulk/customers
 * with the customers picked by external id, or a list filter plus the count the person
 * confirmed (GET /api/v1/bulk/customers/count gives it). Collector work: minRole collector.
 */
import { z } from 'zod';
import {
  BULK_ACTIONS,
  type BulkAction,
  BulkCountChangedError,
  bulkUpdateCustomers,
  MAX_PICKED,
} from '../../ledger/bulk.ts';
import { countCustomers } from '../../ledger/read.ts';
import { UserError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CustomerFilterJson, CustomerFilterQuery, toCustomerFilter } from '../customer-filters.ts';
import { ConflictError } from '../errors.ts';
import { CalendarDateSchema, ErrorBody } from '../schemas.ts';

const BulkBody = z
  .object({
    action: z.enum(BULK_ACTIONS),
    tag: z.string().min(1).max(100).optional().meta({ description: 'add_tag, remove_tag: the tag' }),
    collector: z
      .number()
      .int()
      .min(1)
      .nullable()
      .optional()
      .meta({ description: 'assign_collector: the user id (GET /api/v1/collectors), or null to unassign' }),
    until: CalendarDateSchema.nullable()
      .optional()
      .meta({ description: 'pause: the day dunning resumes by itself; null or absent = until resumed' }),
    customers: z
      .array(z.string().min(1).max(200))
      .max(MAX_PICKED)
      .optional()
      .meta({ description: 'The picked customers’ external ids' }),
    filter: CustomerFilterJson.optional().meta({
      description: 'Instead of customers: every customer matching this',
    }),
    expected_count: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'With filter: the number of matching customers the person confirmed' }),
  })
  .strict();

const BulkResultSchema = z
  .object({
    action: z.enum(BULK_ACTIONS),
    matched: z.number().int(),
    changed: z.number().int(),
    unchanged: z.number().int(),
    changed_customers: z.array(z.string()),
  })
  .meta({ id: 'BulkResult' });

function actionOf(body: z.infer<typeof BulkBody>): BulkAction {
  const need = (field: string) => new UserError(`${field}: required for the action ${body.action}`);
  switch (body.action) {
    case 'add_tag':
    case 'remove_tag':
      if (body.tag === undefined) throw need('tag');
      return { kind: body.action, tag: body.tag };
    case 'assign_collector':
      if (body.collector === undefined) throw need('collector');
      return { kind: 'assign_collector', userId: body.collector };
    case 'pause':
      return { kind: 'pause', until: body.until ?? null };
    case 'resume':
      return { kind: 'resume' };
  }
}

export default async function bulk(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/bulk/customers/count',
    {
      schema: {
        tags: ['customers'],
        summary: 'Count the customers matching a list filter',
        description: 'The number a person confirms before a bulk action over "all matching".',
        querystring: z.object(CustomerFilterQuery),
        response: { 200: z.object({ count: z.number().int() }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { sort: _sort, order: _order, ...filter } = request.query;
      return {
        count: await countCustomers(deps.db, await toCustomerFilter(deps.db, await deps.today(), filter)),
      };
    },
  );

  app.post(
    '/api/v1/bulk/customers',
    {
      config: { minRole: 'collector' },
      bodyLimit: 256 * 1024,
      schema: {
        tags: ['customers'],
        summary: 'Tag, assign, pause or resume many customers at once',
        description:
          'Either `customers` (external ids, at most 1000) or `filter` with `expected_count` (the count the person ' +
          'confirmed; 409 and nothing written when the filter now matches another number). One transaction; each ' +
          'changed customer gets a timeline event; customers already in the asked state count as unchanged.',
        body: BulkBody,
        response: { 200: BulkResultSchema, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const body = request.body;
      const action = actionOf(body);
      if ((body.customers === undefined) === (body.filter === undefined)) {
        throw new UserError('give either customers (external ids) or filter, not both and not neither');
      }
      const today = await deps.today();
      let target: Parameters<typeof bulkUpdateCustomers>[1]['target'];
      if (body.filter) {
        if (body.expected_count === undefined) {
          throw new UserError(
            'expected_count: required with filter (GET /api/v1/bulk/customers/count gives it)',
          );
        }
        const { sort: _sort, order: _order, ...filter } = body.filter;
        target = {
          filter: await toCustomerFilter(deps.db, today, filter),
          expectedCount: body.expected_count,
        };
      } else {
        target = { externalIds: body.customers ?? [] };
      }
      try {
        return await bulkUpdateCustomers(deps.db, { action, target, actor: request.actor, today });
      } catch (err) {
        if (err instanceof BulkCountChangedError) throw new ConflictError(err.message);
        throw err;
      }
    },
  );
}
