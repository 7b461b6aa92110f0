/**
 * The payment-provider port: how the portal starts an online payment and how the provider's
 * webhooks become verified events. Stripe Checkout (./stripe.ts) is the first adapter; every
 * adapter passes the contract suite in test/portal/provider-contract.test.ts.
 *
 * Amounts are integer minor units of `currency` (ISO 4217), as everywhere in Dunwell.
 */

export interface CheckoutLine {
  invoiceId: number;
  number: string;
  /** minor units, > 0, at most the invoice's open balance */
  amount: number;
}

export interface CheckoutRequest {
  customerId: number;
  customerName: string;
  /** prefilled on the provider's page when known */
  email: string | null;
  currency: string;
  lines: CheckoutLine[];
  /** where the provider sends the payer back */
  successUrl: string;
  cancelUrl: string;
  /** the payer's language ('en', 'de', …) */
  language: string;
}

export interface Checkout {
  /** the provider's page to redirect the payer to */
  url: string;
  /** the provider's id of this checkout */
  sessionId: string;
}

export interface PaidInvoice {
  invoiceId: number;
  amount: number;
}

/** A webhook event after its signature was verified, in Dunwell's words. */
export type ProviderEvent =
  | {
      kind: 'payment_succeeded';
      eventId: string;
      eventType: string;
      /** the provider's payment id: one payment, however many events report it */
      paymentRef: string;
      customerId: number;
      currency: string;
      amount: number;
      /** when the provider says it happened */
      at: Date;
      invoices: PaidInvoice[];
    }
  | {
      kind: 'payment_failed';
      eventId: string;
      eventType: string;
      paymentRef: string;
      customerId: number | null;
      reason: string;
    }
  | {
      kind: 'payment_refunded';
      eventId: string;
      eventType: string;
      paymentRef: string;
      customerId: number | null;
      currency: string;
      /** the total refunded so far, minor units */
      amount: number;
    }
  /** a genuine event Dunwell does not act on (kept for idempotency and the record) */
  | { kind: 'ignored'; eventId: string; eventType: string };

/** The webhook's signature (or its age) does not check out: answer 400, change nothing. */
export class WebhookSignatureError extends Error {
  override readonly name = 'WebhookSignatureError';
}

export interface PaymentProvider {
  /** 'stripe', …: stored with each event */
  readonly name: string;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** Verifies the raw body against the signature headers and translates the event. */
  handleWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderEvent;
}

/**
 * The invoices and amounts of a checkout, written into the provider's metadata (which holds
 * short strings: Stripe allows 50 keys of 500 characters) and read back from the webhook.
 * `inv0`, `inv1`, … hold `<invoice id>:<minor units>` pairs joined by ','. Pure.
 */
export const METADATA_CUSTOMER = 'dunwell_customer';
const CHUNK_PREFIX = 'dunwell_inv';
const CHUNK_MAX = 480;
export const MAX_CHECKOUT_INVOICES = 100;

export function encodeInvoiceMetadata(
  customerId: number,
  lines: readonly PaidInvoice[],
): Record<string, string> {
  const out: Record<string, string> = { [METADATA_CUSTOMER]: String(customerId) };
  let chunk = '';
  let n = 0;
  for (const line of lines) {
    const pair = `${line.invoiceId}:${line.amount}`;
    if (chunk && chunk.length + 1 + pair.length > CHUNK_MAX) {
      out[`${CHUNK_PREFIX}${n++}`] = chunk;
      chunk = '';
    }
    chunk = chunk ? `${chunk},${pair}` : pair;
  }
  if (chunk) out[`${CHUNK_PREFIX}${n}`] = chunk;
  return out;
}

/** Reads what encodeInvoiceMetadata wrote; null when the metadata is not Dunwell's or malformed. */
export function decodeInvoiceMetadata(
  metadata: Record<string, string> | null | undefined,
): { customerId: number; invoices: PaidInvoice[] } | null {
  if (!metadata) return null;
  const customer = metadata[METADATA_CUSTOMER];
  if (!customer || !/^\d{1,15}$/.test(customer)) return null;
  const invoices: PaidInvoice[] = [];
  for (let n = 0; metadata[`${CHUNK_PREFIX}${n}`] !== undefined; n++) {
    for (const pair of metadata[`${CHUNK_PREFIX}${n}`]!.split(',')) {
      const m = /^(\d{1,15}):(\d{1,15})$/.exec(pair);
      if (!m) return null;
      const line = { invoiceId: Number(m[1]), amount: Number(m[2]) };
      if (line.amount <= 0) return null;
      invoices.push(line);
    }
  }
  return invoices.length > 0 ? { customerId: Number(customer), invoices } : null;
}
