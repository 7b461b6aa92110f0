/**
 * The collector workspace (issue 7) at /app: an HTML shell and its two assets. The app itself
 * reads and writes only through /api/session and /api/v1, so every rule of the API (roles,
 * CSRF, scoping) applies to it unchanged.
 */
import { workspaceBundle, workspaceHtml } from '../../workspace/bundle.ts';
import type { ApiApp } from '../app.ts';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export default async function workspace(app: ApiApp): Promise<void> {
  const shell = async (_request: unknown, reply: import('fastify').FastifyReply) => {
    const bundle = await workspaceBundle();
    return reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(workspaceHtml(bundle));
  };
  app.get('/app', shell);
  app.get('/app/', shell);

  app.get('/assets/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    const bundle = await workspaceBundle();
    const file = [bundle.script, bundle.style].find((f) => f.name === name);
    if (!file) return reply.code(404).type('text/plain').send('not found\n');
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .type(name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
      .send(file.body);
  });
}
