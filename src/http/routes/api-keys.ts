/**
 * API keys over the API (Settings → API keys; admins only, reads included): list (name, prefix,
 * created, last used, revoked), create (the whole key is in the answer once; only its SHA-256
 * is stored) and revoke. The same functions as `dunwell apikeys`.
 */
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../ledger/api-keys.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ErrorBody } from '../schemas.ts';

const iso = (v: unknown) =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);

const ApiKeySchema = z
  .object({
    id: z.number(),
    name: z.string(),
    prefix: z.string().meta({ description: 'the first characters of the key, to tell keys apart' }),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const shape = (k: {
  id: number;
  name: string;
  prefix: string;
  created_at: unknown;
  last_used_at?: unknown;
  revoked_at?: unknown;
}) => ({
  id: Number(k.id),
  name: k.name,
  prefix: k.prefix,
  created_at: iso(k.created_at) ?? '',
  last_used_at: iso(k.last_used_at),
  revoked_at: iso(k.revoked_at),
});

export default async function apiKeys(app: ApiApp, deps: AppDeps): Promise<void> {
  const admin = { minRole: 'admin' as const };

  app.get(
    '/api/v1/api-keys',
    {
      config: admin,
      schema: {
        tags: ['api keys'],
        summary: 'List API keys',
        description: 'Every key ever made (revoked ones too), never the key itself. Admins only.',
        response: { 200: z.object({ items: z.array(ApiKeySchema) }) },
      },
    },
    async () => ({ items: (await listApiKeys(deps.db)).map(shape) }),
  );

  app.post(
    '/api/v1/api-keys',
    {
      config: admin,
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key',
        description:
          'Answers with the whole key in `key` this once only (send it as `Authorization: Bearer <key>`); ' +
          'Dunwell keeps only its hash.',
        body: z.object({ name: z.string().max(100) }),
        response: {
          201: z.object({ api_key: ApiKeySchema, key: z.string() }),
          400: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(deps.db, request.body.name);
      reply.code(201);
      return { api_key: shape({ ...created, last_used_at: null, revoked_at: null }), key: created.key };
    },
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      config: admin,
      schema: {
        tags: ['api keys'],
        summary: 'Revoke an API key',
        description: 'The key stops working at once. Revoking a revoked key changes nothing.',
        params: z.object({
          id: z.coerce
            .number()
            .int()
            .positive()
            .max(2 ** 53),
        }),
        response: { 200: ApiKeySchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => shape(await revokeApiKey(deps.db, request.params.id, deps.clock.now())),
  );
}
