/**
 * Operations endpoints (docs/operations/deploying.md): liveness, readiness and Prometheus
 * metrics. Outside /api/v1, so load balancers and scrapers need no API key; they show no
 * customer data. Set DUNWELL_METRICS_TOKEN to require `Authorization: Bearer <token>` on
 * /metrics.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../app.ts';

const READY_TIMEOUT_MS = 2_000;

/** Constant time, and the length of the token leaks neither: equal-length digests are compared. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export default async function health(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    {
      schema: {
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('unavailable'), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          deps.db.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
              READY_TIMEOUT_MS,
            );
          }),
        ]);
        return { status: 'ready' as const };
      } catch (err) {
        return reply
          .code(503)
          .send({ status: 'unavailable' as const, reason: `database: ${(err as Error).message}` });
      } finally {
        clearTimeout(timer);
      }
    },
  );

  app.get('/metrics', async (request, reply) => {
    const token = process.env.DUNWELL_METRICS_TOKEN;
    if (token) {
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!sameSecret(given, token)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="dunwell-metrics"')
          .send('unauthorized\n');
      }
    }
    const text = await deps.metrics.render();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
