/**
 * The HTTP server: Fastify with zod schemas, the bearer-key guard on /api/v1, one error
 * shape, the OpenAPI document, and every route plugin found in ./routes (see app.ts for the
 * convention). `dunwell serve` and the tests (through `app.inject`) build it the same way.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { isValidTimeZone, localDate } from '../ledger/dates.ts';
import { getOrganisation } from '../ledger/read.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/index.ts';
import { createAppMetrics } from '../platform/metrics.ts';
import type { UserRole } from '../users/users.ts';
import type { AppDeps, RoutePlugin } from './app.ts';
import { API_PREFIX, installApiAuth } from './auth.ts';
import { installErrorHandling } from './errors.ts';

const ROUTES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'routes');

export interface ServerDeps {
  db: Db;
  clock: Clock;
  /**
   * Structured JSON logs (pino) on stderr, one line per request with its id (stdout stays for
   * --json). Level from DUNWELL_LOG_LEVEL (default info). Default false (tests, the demo).
   */
  logger?: boolean;
}

/** An incoming X-Request-Id is reused only if it is a short plain token; otherwise a new one. */
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * A URL as it may be logged: query values and long token-like path segments (portal links,
 * signed download links) are masked, so no secret reaches the logs.
 */
export function loggableUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const maskedPath = path
    .split('/')
    .map((segment) => (segment.length >= 24 && /^[A-Za-z0-9._~-]+$/.test(segment) ? '…' : segment))
    .join('/');
  if (query === undefined) return maskedPath;
  const keys = query
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=', 1)[0]}=…`);
  return `${maskedPath}?${keys.join('&')}`;
}

/** Route plugin files in load order. */
export function routeFiles(dir = ROUTES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .sort();
}

const TAG_DESCRIPTIONS: Record<string, string> = {
  customers: 'The companies you invoice. Upsert by your ERP’s external_id.',
  contacts: 'The people at a customer who receive dunning mail or calls.',
  invoices: 'Invoices with their open balance as of a date. Invoices are never deleted: void them.',
  payments: 'Payments and the invoices they settle.',
  'credit-notes': 'Credit notes and the invoices they settle.',
};

const API_DESCRIPTION = `The Dunwell REST API: the accounts-receivable ledger and everything built on it.

Authentication: every /api/v1 route needs \`Authorization: Bearer <key>\`. Create a key with
\`dunwell apikeys create NAME\`; it is shown once.

Values: money is a decimal string in the row's currency (\`"1234.50"\`), dates are \`YYYY-MM-DD\`,
instants ISO 8601 UTC. Records are addressed by their \`external_id\` (your ERP's id).

Lists: \`?limit=\` (1–500, default 50) and \`?cursor=\` (the \`next_cursor\` of the previous page).

Errors: \`{"error": {"code", "message", "details"}}\` with 400 validation_failed / malformed_json,
401 unauthorized, 404 not_found, 409 conflict, 422 rejected_rows / invalid_request, 500 internal.`;

const STATUS_DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'Done; no content',
  400: 'Malformed request or failed validation (validation_failed names each field)',
  404: 'Not found',
  409: 'Conflicts with stored data',
  413: 'Request body too large',
  422: 'Refused (rejected_rows lists each rejected item; nothing was written)',
};

/** Names of the component schemas reachable from `start` through $refs. */
function reachableSchemas(start: unknown, schemas: Record<string, unknown>): Set<string> {
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
          const name = value.slice('#/components/schemas/'.length);
          if (!seen.has(name)) {
            seen.add(name);
            visit(schemas[name]);
          }
        } else visit(value);
      }
    }
  };
  visit(start);
  return seen;
}

/**
 * Marks /api/v1 operations as needing the bearer key (with their 401 answer) and drops
 * component schemas no operation uses (every schema with an id is emitted in an input and
 * an output variant, and other parts' ids land in the same registry).
 */
function addSecurityAndErrors(document: ReturnType<typeof jsonSchemaTransformObject>) {
  const paths = (document as { paths?: Record<string, Record<string, Record<string, unknown>>> }).paths ?? {};
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith(API_PREFIX)) continue;
    for (const operation of Object.values(operations)) {
      if (typeof operation !== 'object' || operation === null) continue;
      operation.security = [{ bearerAuth: [] }];
      operation.responses ??= {};
      const responses = operation.responses as Record<
        string,
        { description?: unknown; [key: string]: unknown }
      >;
      for (const [status, response] of Object.entries(responses)) {
        if (response.description === 'Default Response' && STATUS_DESCRIPTIONS[status]) {
          response.description = STATUS_DESCRIPTIONS[status];
        }
      }
      responses['401'] ??= {
        description: 'Missing, invalid or revoked API key',
        headers: {
          'WWW-Authenticate': { schema: { type: 'string' }, description: 'Bearer realm="dunwell"' },
        },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
  }
  const components = (document as { components?: { schemas?: Record<string, unknown> } }).components;
  if (components?.schemas) {
    const used = reachableSchemas(paths, components.schemas);
    components.schemas = Object.fromEntries(
      Object.entries(components.schemas).filter(([name]) => used.has(name)),
    );
  }
  return document;
}

export interface RouteEntry {
  method: string;
  url: string;
  /** the least role a signed-in user needs, as declared (undefined: the default rule) */
  minRole: UserRole | undefined;
}

const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route the server registered (HEAD left out): the authorization matrix test walks it. */
export function routeTable(app: FastifyInstance): RouteEntry[] {
  return routeTables.get(app) ?? [];
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger
      ? {
          level: process.env.DUNWELL_LOG_LEVEL ?? 'info',
          stream: process.stderr,
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["stripe-signature"]',
              'req.headers["x-dunwell-secret"]',
              'res.headers["set-cookie"]',
            ],
            censor: '[redacted]',
          },
          serializers: {
            req: (req: { method: string; url: string; ip?: string }) => ({
              method: req.method,
              url: loggableUrl(req.url),
              ip: req.ip,
            }),
          },
        }
      : false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 500 },
  });
  const routes: RouteEntry[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const minRole = (route.config as { minRole?: UserRole } | undefined)?.minRole;
    for (const method of methods) if (method !== 'HEAD') routes.push({ method, url: route.url, minRole });
  });
  const metrics = createAppMetrics(deps.db);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const appDeps: AppDeps = {
    db: deps.db,
    clock: deps.clock,
    async today() {
      const org = await getOrganisation(deps.db);
      return localDate(deps.clock.now(), isValidTimeZone(org.time_zone) ? org.time_zone : 'UTC');
    },
    metrics,
  };

  installErrorHandling(app, (err, request) => {
    if (deps.logger) request.log.error({ err }, 'unhandled error');
    else
      process.stderr.write(
        `dunwell http: ${request.method} ${request.url}: ${(err as Error).stack ?? err}\n`,
      );
  });
  installApiAuth(app, appDeps);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Dunwell API', version: '1', description: API_DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key from `dunwell apikeys create`',
          },
        },
      },
      tags: Object.entries(TAG_DESCRIPTIONS).map(([name, description]) => ({ name, description })),
    },
    // Only the REST API is documented; pages (/, /portal, /api/docs) are not.
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      if (input.url.startsWith(API_PREFIX)) return out;
      return { schema: { ...out.schema, hide: true } as typeof out.schema, url: out.url };
    },
    transformObject: (input) => addSecurityAndErrors(jsonSchemaTransformObject(input)),
  });

  for (const file of routeFiles()) {
    const mod = (await import(pathToFileURL(join(ROUTES_DIR, file)).href)) as { default?: unknown };
    if (typeof mod.default !== 'function') {
      throw new Error(
        `src/http/routes/${file} must default-export an async function (app, deps); see src/http/app.ts`,
      );
    }
    const plugin = mod.default as RoutePlugin;
    await app.register(async (scope) => plugin(scope.withTypeProvider<ZodTypeProvider>(), appDeps));
  }
  await app.ready();
  return app;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  deps: ServerDeps & { port: number; host?: string },
): Promise<RunningServer> {
  const app = await buildServer(deps);
  const host = deps.host ?? '127.0.0.1';
  await app.listen({ port: deps.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : deps.port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    async close() {
      await app.close();
    },
  };
}
