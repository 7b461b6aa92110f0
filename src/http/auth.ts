/**
 * Bearer API keys for /api/v1. Protection goes by URL prefix in one onRequest hook on the root
 * instance, so a route added by any plugin is covered without anyone remembering to ask for it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateApiKey } from '../ledger/api-keys.ts';
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

const HOW_TO = 'create a key with "dunwell apikeys create NAME" and send it as "Authorization: Bearer <key>"';

export function installApiAuth(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('actor', 'anonymous');
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request, reply) => {
    if (!isProtectedRequest(request)) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    const caller = match?.[1] ? await authenticateApiKey(deps.db, match[1], deps.clock.now()) : null;
    if (!caller) {
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
