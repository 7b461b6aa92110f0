/**
 * The sender's decisions, pure: which status changes are legal, what an SMTP outcome means
 * (sent, retry later, failed for good), when the next attempt is due, how a per-domain rate
 * limit spaces sends, and how header values are made single-line. No I/O, no clock: callers
 * pass the instant.
 */
import type { OutboxStatus } from '../outbox.ts';

/** planned → sending → sent | failed | cancelled | unknown; a retry goes back to planned. */
const TRANSITIONS: { readonly [from in OutboxStatus]: readonly OutboxStatus[] } = {
  planned: ['sending', 'cancelled'],
  sending: ['sent', 'failed', 'cancelled', 'planned', 'unknown'],
  sent: [],
  failed: [],
  cancelled: [],
  // a person decides: resend (planned), or record it as sent or failed
  unknown: ['planned', 'sent', 'failed'],
};

export function canTransition(from: OutboxStatus, to: OutboxStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface RetryPolicy {
  /** attempts (including the first) before a transient error becomes `failed` */
  readonly maxAttempts: number;
  /** delay after the first failed attempt; doubles with each further one */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 60_000,
  maxDelayMs: 3_600_000,
};

/** What a transport error is, in the terms nodemailer reports it. */
export interface TransportFailure {
  /** the SMTP reply code, when the server answered (421, 450, 550…) */
  readonly responseCode?: number | undefined;
  /** nodemailer's error code: 'ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EENVELOPE', 'EAUTH'… */
  readonly code?: string | undefined;
  readonly message: string;
}

export type FailureDecision =
  | { readonly kind: 'retry'; readonly at: Date; readonly reason: string }
  | { readonly kind: 'failed'; readonly permanent: boolean; readonly reason: string };

/**
 * 5xx from the server about this message (its recipients or content) is permanent; 4xx,
 * network errors and timeouts are transient and retried with exponential backoff until
 * `maxAttempts` attempts were made. A 5xx in answer to AUTH is our configuration, not the
 * customer's address: it is retried like a transient error (and logged), so fixing the
 * password lets the queue drain instead of failing every message and flooding the task list.
 */
export function decideFailure(
  failure: TransportFailure,
  attemptsMade: number,
  now: Date,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): FailureDecision {
  const code = failure.responseCode;
  const reason = oneLine(`${code ? `${code} ` : ''}${failure.message}`).slice(0, 500);
  if (code !== undefined && code >= 500 && code < 600 && failure.code !== 'EAUTH') {
    return { kind: 'failed', permanent: true, reason };
  }
  if (attemptsMade >= policy.maxAttempts) return { kind: 'failed', permanent: false, reason };
  return { kind: 'retry', at: new Date(now.getTime() + retryDelayMs(attemptsMade, policy)), reason };
}

/** Delay before attempt `attemptsMade + 1`: base · 2^(attemptsMade − 1), capped. */
export function retryDelayMs(attemptsMade: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const exponent = Math.max(0, attemptsMade - 1);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
}

/**
 * A sliding one-minute window per recipient domain. `reserve` either takes a slot now (and
 * returns null) or returns the instant the next slot frees up. State lives in the caller's
 * object, so the function stays a plain computation over it.
 */
export class DomainRateLimiter {
  private readonly sent = new Map<string, number[]>();
  constructor(private readonly perMinute: number) {}

  reserve(domains: readonly string[], now: Date): Date | null {
    if (this.perMinute <= 0) return null;
    const t = now.getTime();
    let wait = 0;
    for (const domain of domains) {
      const times = (this.sent.get(domain) ?? []).filter((x) => x > t - 60_000);
      this.sent.set(domain, times);
      if (times.length >= this.perMinute) wait = Math.max(wait, times[0]! + 60_000);
    }
    if (wait > 0) return new Date(wait);
    for (const domain of domains) this.sent.get(domain)!.push(t);
    return null;
  }
}

/** The domain part of an address, lower-cased. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * A value bound for a header: every line break and control character becomes a space, so a
 * name, subject or organisation can never start a header of its own.
 */
export function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
  return value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();
}

export { safeAddress } from '../../platform/email-address.ts';

/** The References chain after `previous`: its own chain plus its Message-ID, the newest 10 kept. */
export function nextReferences(previousReferences: string | null, previousMessageId: string): string {
  const chain = (previousReferences ?? '').split(/\s+/).filter((id) => /^<[^<>\s]+>$/.test(id));
  chain.push(previousMessageId);
  return chain.slice(-10).join(' ');
}
