/**
 * The HTTP server's plugin convention — how a part of Dunwell adds routes.
 *
 * Every file in src/http/routes/*.ts is loaded by buildServer (sorted by name) and must
 * default-export `async function (app: ApiApp, deps: AppDeps): Promise<void>`. Each file is
 * registered as its own encapsulated Fastify plugin; nobody edits server.ts to add routes.
 *
 * - Anything under /api/v1 is protected automatically: an onRequest hook checks the bearer
 *   API key by URL prefix (401 otherwise) and sets `request.actor` ('api:<key name>') for
 *   timeline events. Pages outside /api/v1 are public unless their plugin protects them.
 * - Validate with zod schemas (`schema: { params, querystring, body, response }`): a request
 *   that fails gets 400 `validation_failed` naming the field (`body.items[3].due_date: …`).
 *   Give routes under /api/v1 `tags`, a `summary` and a `description`: they become the
 *   OpenAPI document (/api/openapi.json) and the reference page (/api/docs). Routes outside
 *   /api/v1 are left out of the document.
 * - Throw UserError (422), NotFoundError (404) or ConflictError (409, from ./errors.ts); the
 *   error handler turns them into `{"error": {"code", "message", "details"}}`. Anything else
 *   is a 500 that is logged and does not leak its message.
 * - Money is a decimal string (`Money` in ./schemas.ts), dates `CalendarDateSchema`, lists
 *   `pageOf(item)` with `PageQuery` (keyset cursors, see src/ledger/read.ts).
 *
 * Example (src/http/routes/hello.ts):
 *
 *   import { z } from 'zod';
 *   import type { ApiApp, AppDeps } from '../app.ts';
 *
 *   export default async function (app: ApiApp, deps: AppDeps): Promise<void> {
 *     app.get('/api/v1/hello', {
 *       schema: {
 *         tags: ['hello'], summary: 'Say hello',
 *         querystring: z.object({ name: z.string().min(1) }),
 *         response: { 200: z.object({ greeting: z.string(), today: z.iso.date() }) },
 *       },
 *     }, async (request) => ({ greeting: `hello ${request.query.name}`, today: await deps.today() }));
 *   }
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiKeyCaller } from '../ledger/api-keys.ts';
import type { CalendarDate } from '../ledger/dates.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/index.ts';
import type { AppMetrics } from '../platform/metrics.ts';
import type { SessionUser } from '../users/sessions.ts';
import type { UserRole } from '../users/users.ts';

/** The zod-typed Fastify instance a route plugin receives. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What every route plugin gets besides the app. */
export interface AppDeps {
  db: Db;
  clock: Clock;
  /** Today in the organisation's time zone (read per call, so a settings change applies at once). */
  today(): Promise<CalendarDate>;
  /** this process's Prometheus registry (GET /metrics) */
  metrics: AppMetrics;
}

/** A route plugin: the default export of every src/http/routes/*.ts file. */
export type RoutePlugin = (app: ApiApp, deps: AppDeps) => Promise<void>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, for timeline events: 'api:<key name>' under /api/v1, else 'anonymous'. */
    actor: string;
    /** The API key of an /api/v1 request (null elsewhere). */
    apiKey: ApiKeyCaller | null;
    /** The signed-in workspace user of an /api/v1 request made with a session cookie. */
    user: SessionUser | null;
  }
  interface FastifyContextConfig {
    /** Least role a signed-in user needs for this route (src/users/roles.ts) */
    minRole?: UserRole;
  }
}
