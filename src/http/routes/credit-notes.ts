import { z } from 'zod';
import { getCreditNote, listCreditNotes } from '../../ledger/read.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CreditNoteFields, CreditNoteInput, CreditNoteSchema } from '../ledger-schemas.ts';
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

const PATH = '/api/v1/credit-notes';

export default async function creditNotes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    PATH,
    {
      schema: {
        tags: ['credit-notes'],
        summary: 'List credit notes',
        description: 'Credit notes ordered by date, each with the invoices it settles.',
        querystring: z.object({
          customer: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .meta({ description: 'Credit notes of this customer (external_id)' }),
          currency: CurrencyCode.optional(),
          date_from: CalendarDateSchema.optional().meta({ description: 'Dated on or after this day' }),
          date_to: CalendarDateSchema.optional().meta({ description: 'Dated on or before this day' }),
          ...PageQuery,
        }),
        response: { 200: pageOf(CreditNoteSchema), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      return listCreditNotes(deps.db, {
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
        tags: ['credit-notes'],
        summary: 'Get a credit note',
        params: ExternalIdParam,
        response: { 200: CreditNoteSchema, 404: ErrorBody },
      },
    },
    async (request) => {
      const creditNote = await getCreditNote(deps.db, request.params.external_id);
      if (!creditNote) {
        throw new NotFoundError(
          `no credit note with external_id "${request.params.external_id}"; GET ${PATH}?customer=… lists a customer’s credit notes`,
        );
      }
      return creditNote;
    },
  );

  registerUpserts(app, deps, {
    kind: 'credit-notes',
    path: PATH,
    tag: 'credit-notes',
    noun: 'credit note',
    input: CreditNoteInput,
    batchItem: CreditNoteFields.extend({ external_id: z.string().min(1).max(200) }),
    output: CreditNoteSchema,
    load: (d, externalId) => getCreditNote(d.db, externalId),
  });

  app.delete(
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['credit-notes'],
        summary: 'Delete a credit note',
        description:
          'Deletes the credit note and its applications; the invoices it settled are open again by what it credited. ' +
          'The customer’s timeline records it.',
        params: ExternalIdParam,
        response: { 204: z.undefined(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await deleteSettlement(deps.db, 'credit_notes', request.params.external_id, request.actor);
      return reply.code(204).send();
    },
  );
}
