/**
 * Saved views of the customer list (src/ledger/saved-views.ts). They belong to a signed-in
 * user; every role may keep its own (a view changes nothing in the ledger), so the writes
 * declare minRole viewer. An API-key caller reads the shared views and cannot create any.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  createSavedView,
  deleteSavedView,
  listSavedViews,
  updateSavedView,
} from '../../ledger/saved-views.ts';
import { UserError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CustomerFilterJson } from '../customer-filters.ts';
import { ErrorBody, Instant } from '../schemas.ts';

const SavedViewSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    shared: z.boolean(),
    state: CustomerFilterJson,
    owner: z.string().meta({ description: 'The owner’s email' }),
    mine: z.boolean(),
    created_at: Instant,
    updated_at: Instant,
  })
  .meta({ id: 'SavedView' });

const IdParam = z.object({ id: z.coerce.number().int().min(1).meta({ description: 'View id' }) });
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody };

function userId(request: FastifyRequest): number {
  if (!request.user) throw new UserError('saved views belong to a workspace user: sign in to keep views');
  return request.user.id;
}

const iso = <T extends { created_at: unknown; updated_at: unknown }>(view: T) => ({
  ...view,
  created_at: new Date(String(view.created_at)).toISOString(),
  updated_at: new Date(String(view.updated_at)).toISOString(),
});

export default async function savedViews(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/saved-views',
    {
      schema: {
        tags: ['customers'],
        summary: 'List saved views of the customer list',
        description: 'Your own views and the ones teammates shared, by name.',
        response: { 200: z.object({ items: z.array(SavedViewSchema) }) },
      },
    },
    async (request) => ({ items: (await listSavedViews(deps.db, request.user?.id ?? null)).map(iso) }),
  );

  app.post(
    '/api/v1/saved-views',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['customers'],
        summary: 'Save a view of the customer list',
        body: z
          .object({
            name: z.string().min(1).max(100),
            shared: z.boolean().default(false),
            state: CustomerFilterJson,
          })
          .strict(),
        response: { 201: SavedViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await createSavedView(deps.db, {
        ownerId: userId(request),
        name: request.body.name,
        shared: request.body.shared,
        state: request.body.state,
      });
      return reply.code(201).send(iso(view));
    },
  );

  app.put(
    '/api/v1/saved-views/:id',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['customers'],
        summary: 'Rename, share or change a saved view (owner only)',
        params: IdParam,
        body: z
          .object({
            name: z.string().min(1).max(100).optional(),
            shared: z.boolean().optional(),
            state: CustomerFilterJson.optional(),
          })
          .strict(),
        response: { 200: SavedViewSchema, ...errors },
      },
    },
    async (request) =>
      iso(
        await updateSavedView(deps.db, {
          id: request.params.id,
          callerId: userId(request),
          name: request.body.name,
          shared: request.body.shared,
          state: request.body.state,
        }),
      ),
  );

  app.delete(
    '/api/v1/saved-views/:id',
    {
      config: { minRole: 'viewer' },
      schema: {
        tags: ['customers'],
        summary: 'Delete a saved view (owner only)',
        params: IdParam,
        response: { 204: z.undefined(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteSavedView(deps.db, { id: request.params.id, callerId: userId(request) });
      return reply.code(204).send();
    },
  );
}
