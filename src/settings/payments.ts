/**
 * The payment provider of the effective settings: Stripe from DUNWELL_STRIPE_SECRET_KEY and
 * DUNWELL_STRIPE_WEBHOOK_SECRET when set, else the keys saved in Settings → Payments when
 * online payment is turned on there, else none (bank transfer only). DUNWELL_STRIPE_API_URL
 * (a test API host) applies either way.
 */
import type { PaymentProvider } from '../payments/provider/port.ts';
import { stripeFromEnv } from '../payments/provider/stripe.ts';
import type { Queryable } from '../platform/db/index.ts';
import { effectiveSettings } from './effective.ts';
import { processDeployContext } from './store.ts';

export async function paymentProviderFromSettings(
  q: Queryable,
  deploy = processDeployContext(),
): Promise<PaymentProvider | null> {
  const { stripe } = await effectiveSettings(q, deploy);
  if (!stripe) return null;
  return stripeFromEnv({
    ...deploy.env,
    DUNWELL_STRIPE_SECRET_KEY: stripe.secretKey,
    DUNWELL_STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
  });
}
