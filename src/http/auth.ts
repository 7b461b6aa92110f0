/**
 * Who may call /api/v1: a bearer API key (integrations; admin rights), or a signed-in
 * workspace user (session cookie; role checked per route by src/users/roles.ts, CSRF token
 * required on every state-changing request). Protection goes by URL prefix in one onRequest
 * hook on the root instance, so a route added by any plugin is covered without anyone
 * remembering to ask for it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateApiKey } from '../ledger/api-keys.ts';
import { roleMayCall } from '../users/roles.ts';
import {
  authenticateSession,
  csrfTokenMatches,
  readCookie,
  SESSION_COOKIE,
  type SessionUser,
} from '../users/sessions.ts';
import type { UserRole } from '../users/users.ts';
import type { AppDeps } from './app.ts';
import { errorPayload } from './errors.ts';

export const API_PREFIX = '/api/v1';

function underPrefix(path: string): boolean {
  return path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);
}

/**
 * True when a request needs an API key. Looks at the decoded path as well as the matched
 * route, so '/api/%761/customers' or '/api/v1/../v1/x' cannot slip past the check.
 */
export function isProtectedRequest(request: Pick<FastifyRequest, 'url' | 'routeOptions'>): boolean {
  const rawPath = request.url.split('?')[0] ?? '';
  let decoded = rawPath;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    // an undecodable path is judged on its raw form (and will not match a route anyway)
  }
  const normalised = new URL(decoded.replace(/\/{2,}/g, '/'), 'http://x').pathname.toLowerCase();
  const route = request.routeOptions.url;
  return (
    underPrefix(normalised) ||
    underPrefix(rawPath.toLowerCase()) ||
    (route !== undefined && underPrefix(route))
  );
}

/**
 * A route that also accepts another credential than an API key (the inbound-mail webhook's
 * secret, for providers that cannot send a bearer key) sets `config: { alternativeAuth }`:
 * it returns the actor for a valid credential, or null (then the usual 401 applies).
 */
export type AlternativeAuth = (request: FastifyRequest) => Promise<string | null>;

declare module 'fastify' {
  interface FastifyContextConfig {
    alternativeAuth?: AlternativeAuth;
  }
}

const HOW_TO = 'create a key with "dunwell apikeys create NAME" and send it as "Authorization: Bearer <key>"';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function deny(reply: import('fastify').FastifyReply, status: number, code: string, message: string) {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(errorPayload(code, message));
}

export function installApiAuth(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('actor', 'anonymous');
  app.decorateRequest('apiKey', null);
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request, reply) => {
    if (!isProtectedRequest(request)) return;
    const header = request.headers.authorization;
    const sessionToken = header ? undefined : readCookie(request.headers.cookie, SESSION_COOKIE);
    if (sessionToken !== undefined) {
      const user = await authenticateSession(deps.db, sessionToken, deps.clock.now());
      if (!user) return deny(reply, 401, 'unauthorized', 'your session has ended; sign in again');
      if (
        !READ_METHODS.has(request.method) &&
        !csrfTokenMatches(sessionToken, headerValue(request, 'x-csrf-token'))
      ) {
        return deny(
          reply,
          403,
          'csrf',
          'this request lacks the X-CSRF-Token header of your session; reload the page and try again',
        );
      }
      const declared = (request.routeOptions.config as { minRole?: UserRole } | undefined)?.minRole;
      if (!roleMayCall(user.role, request.method, declared)) {
        return deny(
          reply,
          403,
          'forbidden',
          `your role (${user.role}) may not ${request.method} this resource`,
        );
      }
      request.user = user;
      request.actor = `user:${user.email}`;
      return;
    }
    const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    const caller = match?.[1] ? await authenticateApiKey(deps.db, match[1], deps.clock.now()) : null;
    if (!caller) {
      const alternative = request.routeOptions.config?.alternativeAuth;
      const actor = alternative ? await alternative(request) : null;
      if (actor) {
        request.actor = actor;
        return;
      }
      const message = !header
        ? `this route needs an API key: ${HOW_TO}`
        : !match
          ? `the Authorization header is not "Bearer <key>"; ${HOW_TO}`
          : `the API key is not valid or has been revoked; ${HOW_TO} ("dunwell apikeys list" shows the keys)`;
      return reply
        .code(401)
        .header(
          'WWW-Authenticate',
          header ? 'Bearer realm="dunwell", error="invalid_token"' : 'Bearer realm="dunwell"',
        )
        .type('application/json; charset=utf-8')
        .serializer(JSON.stringify)
        .send(errorPayload('unauthorized', message));
    }
    request.apiKey = caller;
    request.actor = `api:${caller.name}`;
  });
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export type { SessionUser };
