import { z } from 'zod';
import type { Page, SettlementFilter } from '../ledger/read.ts';
import { NotFoundError } from '../platform/errors.ts';
import type { ApiApp, AppDeps } from './app.ts';
import { deleteSettlement } from './ledger-writes.ts';
import { registerUpserts } from './resource.ts';
import {
  CalendarDateSchema,
  CurrencyCode,
  ErrorBody,
  ExternalIdParam,
  PageQuery,
  pageOf,
} from './schemas.ts';

/**
 * Payments and credit notes are both "settlements": dated amounts applied to invoices. They
 * share one set of routes — list, get, upsert, delete — that differ only in names and schemas.
 */
export interface SettlementRoutes {
  kind: 'payments' | 'credit-notes';
  table: 'payments' | 'credit_notes';
  /** 'payment' / 'credit note', for summaries and messages. */
  noun: string;
  plural: string;
  schema: z.ZodType;
  input: z.ZodObject;
  fields: z.ZodObject;
  list(db: AppDeps['db'], filter: SettlementFilter): Promise<Page<object>>;
  get(db: AppDeps['db'], externalId: string): Promise<object | null>;
  /** What deleting it reopens: "what it paid" / "what it credited". */
  reopens: string;
}

export function registerSettlementRoutes(app: ApiApp, deps: AppDeps, r: SettlementRoutes): void {
  const path = `/api/v1/${r.kind}`;
  const Plural = r.plural[0]!.toUpperCase() + r.plural.slice(1);
  app.get(
    path,
    {
      schema: {
        tags: [r.kind],
        summary: `List ${r.plural}`,
        description: `${Plural} ordered by date, each with the invoices it settles.`,
        querystring: z.object({
          customer: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .meta({ description: `${Plural} of this customer (external_id)` }),
          currency: CurrencyCode.optional(),
          date_from: CalendarDateSchema.optional().meta({ description: 'Dated on or after this day' }),
          date_to: CalendarDateSchema.optional().meta({ description: 'Dated on or before this day' }),
          ...PageQuery,
        }),
        response: { 200: pageOf(r.schema), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      return r.list(deps.db, {
        customer: q.customer,
        currency: q.currency?.toUpperCase(),
        dateFrom: q.date_from,
        dateTo: q.date_to,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    `${path}/:external_id`,
    {
      schema: {
        tags: [r.kind],
        summary: `Get a ${r.noun}`,
        params: ExternalIdParam,
        response: { 200: r.schema, 404: ErrorBody },
      },
    },
    async (request) => {
      const found = await r.get(deps.db, request.params.external_id);
      if (!found) {
        throw new NotFoundError(
          `no ${r.noun} with external_id "${request.params.external_id}"; GET ${path}?customer=… lists a customer’s ${r.plural}`,
        );
      }
      return found;
    },
  );

  registerUpserts(app, deps, {
    kind: r.kind,
    path,
    tag: r.kind,
    noun: r.noun,
    input: r.input,
    batchItem: r.fields.extend({ external_id: z.string().min(1).max(200) }),
    output: r.schema,
    load: (d, externalId) => r.get(d.db, externalId),
  });

  app.delete(
    `${path}/:external_id`,
    {
      schema: {
        tags: [r.kind],
        summary: `Delete a ${r.noun}`,
        description:
          `Deletes the ${r.noun} and its applications; the invoices it settled are open again by ${r.reopens}. ` +
          'The customer’s timeline records it.',
        params: ExternalIdParam,
        response: { 204: z.undefined(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await deleteSettlement(deps.db, r.table, request.params.external_id, request.actor);
      return reply.code(204).send();
    },
  );
}
