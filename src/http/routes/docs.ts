import type { ApiApp } from '../app.ts';
import { renderApiReference } from '../docs-page.ts';

/** The OpenAPI document and the reference page rendered from it; both public. */
export default async function docs(app: ApiApp): Promise<void> {
  app.get('/api/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(app.swagger()),
  );

  let cached: { baseUrl: string; page: string } | undefined;
  app.get('/api/docs', { schema: { hide: true } }, async (request, reply) => {
    const baseUrl = `${request.protocol}://${request.host}`;
    if (cached?.baseUrl !== baseUrl) cached = { baseUrl, page: renderApiReference(app.swagger(), baseUrl) };
    return reply.type('text/html; charset=utf-8').send(cached.page);
  });
}
