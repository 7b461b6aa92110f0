import { z } from 'zod';
import { getInvoice, listInvoices } from '../../ledger/read.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ConflictError } from '../errors.ts';
import { InvoiceFields, InvoiceInput, InvoiceSchema } from '../ledger-schemas.ts';
import { registerUpserts } from '../resource.ts';
import {
  CalendarDateSchema,
  CurrencyCode,
  ErrorBody,
  ExternalIdParam,
  PageQuery,
  pageOf,
  QueryBool,
} from '../schemas.ts';

const PATH = '/api/v1/invoices';

const AsOf = CalendarDateSchema.optional().meta({
  description: 'Reference day for open_balance, status and days_overdue (default: today)',
});

export default async function invoices(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    PATH,
    {
      schema: {
        tags: ['invoices'],
        summary: 'List invoices',
        description:
          'Invoices ordered by due date, each with its open balance and days overdue as of ?as_of= ' +
          '(default today in the organisation’s time zone).',
        querystring: z.object({
          customer: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .meta({ description: 'Invoices of this customer (external_id)' }),
          status: z.enum(['open', 'paid', 'void']).optional().meta({
            description: 'open: something is open as of as_of; paid: nothing is; void: voided',
          }),
          overdue: QueryBool.optional().meta({ description: 'true: open and past due as of as_of' }),
          due_before: CalendarDateSchema.optional().meta({ description: 'due_date before this day' }),
          due_after: CalendarDateSchema.optional().meta({ description: 'due_date after this day' }),
          currency: CurrencyCode.optional(),
          as_of: AsOf,
          ...PageQuery,
        }),
        response: { 200: pageOf(InvoiceSchema), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      return listInvoices(deps.db, {
        asOf: q.as_of ?? (await deps.today()),
        customer: q.customer,
        status: q.status,
        overdue: q.overdue,
        dueBefore: q.due_before,
        dueAfter: q.due_after,
        currency: q.currency?.toUpperCase(),
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['invoices'],
        summary: 'Get an invoice',
        params: ExternalIdParam,
        querystring: z.object({ as_of: AsOf }),
        response: { 200: InvoiceSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const asOf = request.query.as_of ?? (await deps.today());
      const invoice = await getInvoice(deps.db, request.params.external_id, asOf);
      if (!invoice) {
        throw new NotFoundError(
          `no invoice with external_id "${request.params.external_id}"; GET ${PATH}?customer=… lists a customer’s invoices`,
        );
      }
      return invoice;
    },
  );

  registerUpserts(app, deps, {
    kind: 'invoices',
    path: PATH,
    tag: 'invoices',
    noun: 'invoice',
    input: InvoiceInput,
    batchItem: InvoiceFields,
    output: InvoiceSchema,
    load: async (d, externalId) => getInvoice(d.db, externalId, await d.today()),
  });

  app.delete(
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['invoices'],
        summary: 'Invoices cannot be deleted',
        description:
          'Always 409 (or 404 for an unknown invoice): an AR ledger keeps its history. Void the invoice instead ' +
          '(upsert it with "status": "void"), which removes it from AR and from dunning.',
        params: ExternalIdParam,
        response: { 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const externalId = request.params.external_id;
      const [row] = await deps.db.query('SELECT 1 FROM invoices WHERE external_id = $1', [externalId]);
      if (!row) throw new NotFoundError(`no invoice with external_id "${externalId}"; nothing was deleted`);
      throw new ConflictError(
        `invoice "${externalId}" cannot be deleted: an AR ledger keeps its history; void it instead ` +
          `(PUT ${PATH}/${externalId} with "status": "void"), which removes it from AR and from dunning`,
      );
    },
  );
}
