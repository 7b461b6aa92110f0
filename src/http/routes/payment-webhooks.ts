/**
 * POST /webhooks/stripe: Stripe's webhook endpoint. The body is read raw (the signature
 * covers the exact bytes), verified with the endpoint secret through the SDK, and applied
 * once per event id (src/payments/provider/effects.ts). Answers: 200 with the outcome (also
 * for a repeated event), 400 for a bad or missing signature, 404 when Stripe is not
 * configured, 429 when one client calls too often.
 */
import { getOrganisation } from '../../ledger/read.ts';
import { applyProviderEvent } from '../../payments/provider/effects.ts';
import { WebhookSignatureError } from '../../payments/provider/port.ts';
import { takeRateSlot, WEBHOOK_CALLS_PER_IP } from '../../platform/rate-limit.ts';
import { paymentProviderFromSettings, refreshedSetting } from '../../settings/index.ts';
import type { ApiApp, AppDeps } from '../app.ts';

const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export default async function paymentWebhooks(app: ApiApp, deps: AppDeps): Promise<void> {
  // the environment's Stripe keys, else those saved in Settings → Payments (re-read every 10 s)
  const currentProvider = refreshedSetting(() => paymentProviderFromSettings(deps.db));

  // Raw bytes for every content type on this route: the signature is over the body as sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/webhooks/stripe',
    { schema: { hide: true }, bodyLimit: WEBHOOK_BODY_LIMIT },
    async (request, reply) => {
      const now = deps.clock.now();
      if (!(await takeRateSlot(deps.db, `webhook-ip:${request.ip}`, WEBHOOK_CALLS_PER_IP, now))) {
        return reply
          .code(429)
          .header('retry-after', String(WEBHOOK_CALLS_PER_IP.windowSeconds))
          .send({
            error: { code: 'rate_limited', message: 'too many webhook calls from this address; retry later' },
          });
      }
      const provider = await currentProvider();
      if (!provider) {
        return reply.code(404).send({
          error: {
            code: 'not_configured',
            message:
              'Stripe is not configured (set DUNWELL_STRIPE_SECRET_KEY and DUNWELL_STRIPE_WEBHOOK_SECRET)',
          },
        });
      }
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let event: ReturnType<typeof provider.handleWebhook>;
      try {
        event = provider.handleWebhook(raw, request.headers);
      } catch (err) {
        if (err instanceof WebhookSignatureError) {
          return reply.code(400).send({ error: { code: 'bad_signature', message: err.message } });
        }
        throw err;
      }
      const org = await getOrganisation(deps.db);
      const result = await applyProviderEvent(
        deps.db,
        provider.name,
        event,
        JSON.parse(raw.toString('utf8')),
        {
          timeZone: org.time_zone,
          now,
        },
      );
      return reply.code(200).send({ received: true, event: event.eventId, outcome: result.outcome });
    },
  );
}
