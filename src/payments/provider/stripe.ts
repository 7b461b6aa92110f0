/**
 * Stripe Checkout as a payment provider, through the official `stripe` SDK. Configured by
 * DUNWELL_STRIPE_SECRET_KEY (API key) and DUNWELL_STRIPE_WEBHOOK_SECRET (the endpoint's
 * `whsec_…` signing secret); without both, `stripeFromEnv` returns null and the portal offers
 * bank transfer only.
 *
 * A Checkout Session pays the selected invoices: one line item per invoice, and the invoice
 * ids with their amounts in the metadata of both the session and its PaymentIntent, so either
 * event (`checkout.session.completed`, `payment_intent.succeeded`) can settle them. Both name
 * the same PaymentIntent, which is the payment's identity: whichever arrives first records it.
 */
import Stripe from 'stripe';
import { UserError } from '../../platform/errors.ts';
import {
  type Checkout,
  type CheckoutRequest,
  decodeInvoiceMetadata,
  encodeInvoiceMetadata,
  MAX_CHECKOUT_INVOICES,
  type PaymentProvider,
  type ProviderEvent,
  WebhookSignatureError,
} from './port.ts';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** SDK options (tests pass an httpClient that answers from recorded responses) */
  client?: ConstructorParameters<typeof Stripe>[1];
}

const LOCALES = new Set(['en', 'de', 'fr', 'es']);

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (typeof value === 'string') return value;
  return value?.id ?? null;
}

export function stripeProvider(settings: StripeSettings): PaymentProvider {
  const stripe = new Stripe(settings.secretKey, {
    maxNetworkRetries: 2,
    telemetry: false,
    ...settings.client,
  });

  return {
    name: 'stripe',

    async createCheckout(request: CheckoutRequest): Promise<Checkout> {
      if (request.lines.length === 0) throw new Error('a checkout needs at least one invoice');
      if (request.lines.length > MAX_CHECKOUT_INVOICES) {
        throw new Error(`a checkout pays at most ${MAX_CHECKOUT_INVOICES} invoices`);
      }
      const metadata = encodeInvoiceMetadata(
        request.customerId,
        request.lines.map((l) => ({ invoiceId: l.invoiceId, amount: l.amount })),
      );
      const numbers = request.lines.map((l) => l.number).join(', ');
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: request.lines.map((line) => ({
          quantity: 1,
          price_data: {
            currency: request.currency.toLowerCase(),
            unit_amount: line.amount,
            product_data: { name: `Invoice ${line.number}` },
          },
        })),
        metadata,
        payment_intent_data: { metadata, description: `Invoices ${numbers}`.slice(0, 1000) },
        client_reference_id: `dunwell-customer-${request.customerId}`,
        ...(request.email ? { customer_email: request.email } : {}),
        ...(LOCALES.has(request.language) ? { locale: request.language as 'en' | 'de' | 'fr' | 'es' } : {}),
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
      });
      if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL`);
      return { url: session.url, sessionId: session.id };
    },

    handleWebhook(rawBody, headers): ProviderEvent {
      const signature = headers['stripe-signature'];
      if (typeof signature !== 'string' || signature === '') {
        throw new WebhookSignatureError('the Stripe-Signature header is missing');
      }
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, settings.webhookSecret);
      } catch (err) {
        throw new WebhookSignatureError(`the Stripe-Signature does not verify: ${(err as Error).message}`);
      }
      const base = { eventId: event.id, eventType: event.type };
      switch (event.type) {
        case 'checkout.session.completed':
        case 'checkout.session.async_payment_succeeded': {
          const session = event.data.object;
          const meta = decodeInvoiceMetadata(session.metadata);
          // 'unpaid' = a delayed method (bank debit): async_payment_succeeded follows
          if (
            !meta ||
            session.payment_status !== 'paid' ||
            session.amount_total == null ||
            !session.currency
          ) {
            return { kind: 'ignored', ...base };
          }
          return {
            kind: 'payment_succeeded',
            ...base,
            paymentRef: idOf(session.payment_intent) ?? session.id,
            customerId: meta.customerId,
            currency: session.currency.toUpperCase(),
            amount: session.amount_total,
            at: new Date(event.created * 1000),
            invoices: meta.invoices,
          };
        }
        case 'payment_intent.succeeded': {
          const intent = event.data.object;
          const meta = decodeInvoiceMetadata(intent.metadata);
          if (!meta) return { kind: 'ignored', ...base };
          return {
            kind: 'payment_succeeded',
            ...base,
            paymentRef: intent.id,
            customerId: meta.customerId,
            currency: intent.currency.toUpperCase(),
            amount: intent.amount_received,
            at: new Date(event.created * 1000),
            invoices: meta.invoices,
          };
        }
        case 'payment_intent.payment_failed': {
          const intent = event.data.object;
          return {
            kind: 'payment_failed',
            ...base,
            paymentRef: intent.id,
            customerId: decodeInvoiceMetadata(intent.metadata)?.customerId ?? null,
            reason: intent.last_payment_error?.message ?? intent.last_payment_error?.code ?? 'payment failed',
          };
        }
        case 'checkout.session.async_payment_failed': {
          const session = event.data.object;
          return {
            kind: 'payment_failed',
            ...base,
            paymentRef: idOf(session.payment_intent) ?? session.id,
            customerId: decodeInvoiceMetadata(session.metadata)?.customerId ?? null,
            reason: 'the delayed payment failed',
          };
        }
        case 'charge.refunded': {
          const charge = event.data.object;
          return {
            kind: 'payment_refunded',
            ...base,
            paymentRef: idOf(charge.payment_intent) ?? charge.id,
            customerId: decodeInvoiceMetadata(charge.metadata)?.customerId ?? null,
            currency: charge.currency.toUpperCase(),
            amount: charge.amount_refunded,
          };
        }
        default:
          return { kind: 'ignored', ...base };
      }
    },
  };
}

/**
 * The Stripe provider when both settings are present, else null (bank transfer only).
 * DUNWELL_STRIPE_API_URL points the SDK at another API host (stripe-mock, or the fake API
 * the browser tests run); unset = api.stripe.com.
 */
export function stripeFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentProvider | null {
  const secretKey = env.DUNWELL_STRIPE_SECRET_KEY?.trim();
  const webhookSecret = env.DUNWELL_STRIPE_WEBHOOK_SECRET?.trim();
  if (!secretKey || !webhookSecret) return null;
  const apiUrl = env.DUNWELL_STRIPE_API_URL?.trim();
  if (!apiUrl) return stripeProvider({ secretKey, webhookSecret });
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new UserError(`DUNWELL_STRIPE_API_URL "${apiUrl}" is not a URL (expected http(s)://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`DUNWELL_STRIPE_API_URL must start with http:// or https:// (got "${url.protocol}")`);
  }
  return stripeProvider({
    secretKey,
    webhookSecret,
    client: {
      host: url.hostname,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      maxNetworkRetries: 0,
    },
  });
}
