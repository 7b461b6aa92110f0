import { z } from 'zod';
import { getPayment, listPayments } from '../../ledger/read.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { PaymentFields, PaymentInput, PaymentSchema } from '../ledger-schemas.ts';
import { deleteSettlement } from '../ledger-writes.ts';
import { registerUpserts } from '../resource.ts';
import {
  CalendarDateSchema,
  CurrencyCode,
  ErrorBody,
  ExternalIdParam,
  PageQuery,
  pageOf,
} from '../schemas.ts';

const PATH = '/api/v1/payments';

export default async function payments(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    PATH,
    {
      schema: {
        tags: ['payments'],
        summary: 'List payments',
        description: 'Payments ordered by date, each with the invoices it settles.',
        querystring: z.object({
          customer: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .meta({ description: 'Payments of this customer (external_id)' }),
          currency: CurrencyCode.optional(),
          date_from: CalendarDateSchema.optional().meta({ description: 'Dated on or after this day' }),
          date_to: CalendarDateSchema.optional().meta({ description: 'Dated on or before this day' }),
          ...PageQuery,
        }),
        response: { 200: pageOf(PaymentSchema), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      return listPayments(deps.db, {
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
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['payments'],
        summary: 'Get a payment',
        params: ExternalIdParam,
        response: { 200: PaymentSchema, 404: ErrorBody },
      },
    },
    async (request) => {
      const payment = await getPayment(deps.db, request.params.external_id);
      if (!payment) {
        throw new NotFoundError(
          `no payment with external_id "${request.params.external_id}"; GET ${PATH}?customer=… lists a customer’s payments`,
        );
      }
      return payment;
    },
  );

  registerUpserts(app, deps, {
    kind: 'payments',
    path: PATH,
    tag: 'payments',
    noun: 'payment',
    input: PaymentInput,
    batchItem: PaymentFields.extend({ external_id: z.string().min(1).max(200) }),
    output: PaymentSchema,
    load: (d, externalId) => getPayment(d.db, externalId),
  });

  app.delete(
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['payments'],
        summary: 'Delete a payment',
        description:
          'Deletes the payment and its applications; the invoices it settled are open again by what it paid. ' +
          'The customer’s timeline records it.',
        params: ExternalIdParam,
        response: { 204: z.undefined(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await deleteSettlement(deps.db, 'payments', request.params.external_id, request.actor);
      return reply.code(204).send();
    },
  );
}
