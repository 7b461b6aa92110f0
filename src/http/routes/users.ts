/**
 * Workspace users over the API (Settings → Users; admins only, reads included): list, add with
 * a role (the generated password is in the answer once and never again), change a role,
 * disable or enable. The last active admin can be neither demoted nor disabled (409). A role
 * change or disabling ends that user's sessions at once (src/users/users.ts).
 */
import { z } from 'zod';
import { LastAdminError, updateWorkspaceUser } from '../../settings/index.ts';
import { addUser, listUsers, USER_ROLES, type User } from '../../users/users.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ConflictError } from '../errors.ts';
import { ErrorBody } from '../schemas.ts';

const UserSchema = z
  .object({
    id: z.number(),
    email: z.string(),
    name: z.string(),
    role: z.enum(USER_ROLES),
    created_at: z.string(),
    disabled: z.boolean(),
  })
  .meta({ id: 'WorkspaceUser' });

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
const shape = (u: User) => ({
  id: Number(u.id),
  email: u.email,
  name: u.name,
  role: u.role,
  created_at: iso(u.created_at),
  disabled: u.disabled_at !== null,
});

export default async function users(app: ApiApp, deps: AppDeps): Promise<void> {
  const admin = { minRole: 'admin' as const };

  app.get(
    '/api/v1/users',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'List workspace users',
        description: 'Every user with role and status, by email. Admins only.',
        response: { 200: z.object({ items: z.array(UserSchema) }) },
      },
    },
    async () => ({ items: (await listUsers(deps.db)).map(shape) }),
  );

  app.post(
    '/api/v1/users',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Add a workspace user',
        description:
          'Creates a user with a generated 20-character password, returned in `password` this once only: hand it ' +
          'to the person, who can change it. 422 when the address is taken or not an address.',
        body: z.object({
          email: z.string().max(254),
          name: z.string().max(200).optional(),
          role: z.enum(USER_ROLES, { error: `must be one of ${USER_ROLES.join(', ')}` }),
        }),
        response: {
          201: z.object({ user: UserSchema, password: z.string() }),
          400: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { user, generatedPassword } = await addUser(deps.db, {
        email: request.body.email,
        role: request.body.role,
        ...(request.body.name !== undefined ? { name: request.body.name } : {}),
      });
      reply.code(201);
      return { user: shape(user), password: generatedPassword ?? '' };
    },
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Change a user’s role or status',
        description:
          'Sets `role` and/or `disabled`. The user’s sessions end at once. The last active admin can be neither ' +
          'demoted nor disabled (409).',
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: z
          .object({ role: z.enum(USER_ROLES).optional(), disabled: z.boolean().optional() })
          .refine((b) => b.role !== undefined || b.disabled !== undefined, {
            error: 'give role or disabled',
          }),
        response: { 200: UserSchema, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      try {
        return shape(await updateWorkspaceUser(deps.db, request.params.id, request.body));
      } catch (err) {
        if (err instanceof LastAdminError) throw new ConflictError(err.message);
        throw err;
      }
    },
  );
}
