/**
 * Sign-in for the workspace: POST /api/session (email + password → session cookie and CSRF
 * token), GET /api/session (who am I, and my CSRF token again after a reload), DELETE
 * /api/session (sign out). Outside /api/v1 and the API-key guard. Sign-in accepts JSON only,
 * which a cross-site form cannot send, and the cookie is SameSite=Lax + HttpOnly (+ Secure
 * when DUNWELL_PUBLIC_URL is https).
 */
import { z } from 'zod';
import { loadConfig } from '../../platform/config.ts';
import {
  authenticateSession,
  csrfTokenFor,
  csrfTokenMatches,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
  signIn,
  signOut,
} from '../../users/sessions.ts';
import { USER_ROLES } from '../../users/users.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ErrorBody } from '../schemas.ts';

const SessionBody = z.object({
  user: z.object({ id: z.number().int(), email: z.string(), name: z.string(), role: z.enum(USER_ROLES) }),
  csrf_token: z.string(),
});

export default async function session(app: ApiApp, deps: AppDeps): Promise<void> {
  const secure = () => loadConfig().publicUrl.startsWith('https://');

  app.post(
    '/api/session',
    {
      bodyLimit: 16 * 1024,
      schema: {
        body: z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1024) }),
        response: { 200: SessionBody, 400: ErrorBody, 422: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const result = await signIn(
        deps.db,
        {
          email: request.body.email,
          password: request.body.password,
          client: request.ip,
          userAgent: String(request.headers['user-agent'] ?? ''),
        },
        deps.clock.now(),
      );
      reply.header('set-cookie', sessionCookie(result.token, secure()));
      const { sessionId: _, ...user } = result.user;
      return { user, csrf_token: result.csrfToken };
    },
  );

  app.get(
    '/api/session',
    { schema: { response: { 200: SessionBody, 401: ErrorBody } } },
    async (request, reply) => {
      const token = readCookie(request.headers.cookie, SESSION_COOKIE);
      const user = token ? await authenticateSession(deps.db, token, deps.clock.now()) : null;
      if (!token || !user) {
        return reply.code(401).send({ error: { code: 'unauthorized', message: 'not signed in' } });
      }
      const { sessionId: _, ...shown } = user;
      return { user: shown, csrf_token: csrfTokenFor(token) };
    },
  );

  app.delete(
    '/api/session',
    { schema: { response: { 204: z.null(), 403: ErrorBody } } },
    async (request, reply) => {
      const token = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (token) {
        const given = request.headers['x-csrf-token'];
        if (!csrfTokenMatches(token, typeof given === 'string' ? given : undefined)) {
          return reply
            .code(403)
            .send({ error: { code: 'csrf', message: 'sign-out needs the X-CSRF-Token header' } });
        }
        await signOut(deps.db, token, deps.clock.now());
      }
      reply.header('set-cookie', sessionCookie(null, secure()));
      return reply.code(204).send(null);
    },
  );
}
