import { z } from 'zod';
import { getCustomer, listCustomers } from '../../ledger/read.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CustomerFilterQuery, toCustomerFilter } from '../customer-filters.ts';
import { CustomerDetailSchema, CustomerFields, CustomerInput, CustomerSchema } from '../ledger-schemas.ts';
import { deleteCustomer } from '../ledger-writes.ts';
import { registerUpserts } from '../resource.ts';
import { ErrorBody, ExternalIdParam, PageQuery, pageOf } from '../schemas.ts';

const PATH = '/api/v1/customers';

export default async function customers(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    PATH,
    {
      schema: {
        tags: ['customers'],
        summary: 'List customers',
        description:
          'Customers with their open balance and overdue amount per currency (overdue: due before today in ' +
          'the organisation’s time zone), filtered and sorted as asked (default: by name); keyset-paginated.',
        querystring: z.object({ ...CustomerFilterQuery, ...PageQuery }),
        response: { 200: pageOf(CustomerSchema), 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return listCustomers(deps.db, {
        ...(await toCustomerFilter(deps.db, await deps.today(), filter)),
        limit,
        cursor,
      });
    },
  );

  app.get(
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['customers'],
        summary: 'Get a customer',
        description: 'One customer with its contacts and its open and overdue totals per currency.',
        params: ExternalIdParam,
        response: { 200: CustomerDetailSchema, 404: ErrorBody },
      },
    },
    async (request) => {
      const customer = await getCustomer(deps.db, request.params.external_id, await deps.today());
      if (!customer) {
        throw new NotFoundError(
          `no customer with external_id "${request.params.external_id}"; GET ${PATH}?q=… searches by name`,
        );
      }
      return customer;
    },
  );

  registerUpserts(app, deps, {
    kind: 'customers',
    path: PATH,
    tag: 'customers',
    noun: 'customer',
    input: CustomerInput,
    batchItem: CustomerFields.extend({ external_id: z.string().min(1).max(200) }),
    output: CustomerDetailSchema,
    load: async (d, externalId) => getCustomer(d.db, externalId, await d.today()),
  });

  app.delete(
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['customers'],
        summary: 'Delete a customer',
        description:
          'Deletes a customer that has no invoices, payments or credit notes (its contacts go with it). ' +
          'A customer with ledger history cannot be deleted (409): pause its dunning instead.',
        params: ExternalIdParam,
        response: { 204: z.undefined(), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      await deleteCustomer(deps.db, request.params.external_id, request.actor);
      return reply.code(204).send();
    },
  );
}
