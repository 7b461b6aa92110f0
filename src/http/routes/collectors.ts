/**
 * GET /api/v1/collectors: the people customers can be assigned to (active collectors and
 * admins), for the customer list's collector filter and its "assign" bulk action. Any role
 * may read it; it shows no more than a teammate's address and name.
 */
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../app.ts';

const Collector = z
  .object({ id: z.number().int(), email: z.string(), name: z.string(), role: z.enum(['admin', 'collector']) })
  .meta({ id: 'Collector' });

export default async function collectors(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/collectors',
    {
      schema: {
        tags: ['customers'],
        summary: 'List the users customers can be assigned to',
        response: { 200: z.object({ items: z.array(Collector) }) },
      },
    },
    async () => {
      const items = await deps.db.query<z.infer<typeof Collector> & Record<string, unknown>>(
        `SELECT id::int AS id, email, name, role FROM users
          WHERE disabled_at IS NULL AND role IN ('admin', 'collector') ORDER BY lower(email)`,
      );
      return { items };
    },
  );
}
