import { z } from 'zod';
import { getContact, listContacts } from '../../ledger/read.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ContactFields, ContactInput, ContactSchema } from '../ledger-schemas.ts';
import { deleteContact } from '../ledger-writes.ts';
import { registerUpserts } from '../resource.ts';
import { ErrorBody, ExternalIdParam, PageQuery, pageOf } from '../schemas.ts';

const PATH = '/api/v1/contacts';

export default async function contacts(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    PATH,
    {
      schema: {
        tags: ['contacts'],
        summary: 'List contacts',
        description: 'Contacts in the order they were created.',
        querystring: z.object({
          customer: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .meta({ description: 'Contacts of this customer (external_id)' }),
          email: z
            .string()
            .max(320)
            .optional()
            .meta({ description: 'Contacts with this address (any case)' }),
          ...PageQuery,
        }),
        response: { 200: pageOf(ContactSchema), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      return listContacts(deps.db, {
        customer: q.customer,
        email: q.email,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['contacts'],
        summary: 'Get a contact',
        params: ExternalIdParam,
        response: { 200: ContactSchema, 404: ErrorBody },
      },
    },
    async (request) => {
      const contact = await getContact(deps.db, request.params.external_id);
      if (!contact) {
        throw new NotFoundError(
          `no contact with external_id "${request.params.external_id}"; GET ${PATH}?customer=… lists a customer’s contacts`,
        );
      }
      return contact;
    },
  );

  registerUpserts(app, deps, {
    kind: 'contacts',
    path: PATH,
    tag: 'contacts',
    noun: 'contact',
    input: ContactInput,
    batchItem: ContactFields.extend({ external_id: z.string().min(1).max(200) }),
    output: ContactSchema,
    load: (d, externalId) => getContact(d.db, externalId),
  });

  app.delete(
    `${PATH}/:external_id`,
    {
      schema: {
        tags: ['contacts'],
        summary: 'Delete a contact',
        description: 'Deletes the contact; the customer’s timeline records it.',
        params: ExternalIdParam,
        response: { 204: z.undefined(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await deleteContact(deps.db, request.params.external_id, request.actor);
      return reply.code(204).send();
    },
  );
}
