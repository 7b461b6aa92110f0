/**
 * The mail transport port: hands one built message to the outside world. Two implementations
 * pass the same contract suite (test/messages/sender-transport.test.ts): the pooled SMTP
 * transport below, and the built-in mail catcher (src/messages/catcher), which stores the
 * message in the database instead.
 */
import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../../platform/config.ts';
import type { TransportFailure } from './policy.ts';

export interface OutboundEnvelope {
  readonly from: string;
  readonly to: readonly string[];
}

export interface Handover {
  /** the outbox message, or null for system mail (then systemMailId) */
  readonly outboxMessageId: number | null;
  readonly systemMailId?: number;
  /** null for system mail */
  readonly customerId: number | null;
  readonly messageId: string;
  readonly subject: string;
  readonly raw: Buffer;
  readonly envelope: OutboundEnvelope;
}

export interface Delivered {
  /** the server's final reply ("250 OK …"), or the catcher's receipt */
  readonly response: string;
  readonly accepted: readonly string[];
  /** recipients the server refused while accepting the others */
  readonly rejected: readonly { readonly address: string; readonly reason: string }[];
}

/** Thrown by `deliver` when nothing was accepted; `failure` says why in SMTP's terms. */
export class TransportError extends Error {
  constructor(readonly failure: TransportFailure) {
    super(failure.message);
  }
}

export interface MailTransport {
  /** 'smtp': the sender stores the accepted message itself; 'catcher': deliver stored it */
  readonly kind: 'smtp' | 'catcher';
  deliver(message: Handover): Promise<Delivered>;
  close(): Promise<void>;
}

export interface SmtpTransportOptions {
  /** pooled connections (default 5) */
  readonly maxConnections?: number;
  /** socket inactivity timeout in ms (default 60 s); a stalled server fails the attempt */
  readonly socketTimeoutMs?: number;
  readonly connectionTimeoutMs?: number;
}

/** A pooled SMTP transport from DUNWELL_SMTP_URL: smtps:// = TLS, smtp:// = STARTTLS when offered. */
export function smtpTransport(settings: SmtpSettings, options: SmtpTransportOptions = {}): MailTransport {
  const url = settings.url;
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const mailer = nodemailer.createTransport({
    pool: true,
    host: url.hostname,
    port: url.port ? Number(url.port) : settings.secure ? 465 : 587,
    secure: settings.secure,
    ...(user ? { auth: { user, pass } } : {}),
    maxConnections: options.maxConnections ?? 5,
    maxMessages: 1000,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    greetingTimeout: options.connectionTimeoutMs ?? 30_000,
    connectionTimeout: options.connectionTimeoutMs ?? 30_000,
    // never write credentials or message bodies to a log
    logger: false,
    debug: false,
  });
  return {
    kind: 'smtp',
    async deliver(message) {
      try {
        const info = await mailer.sendMail({
          envelope: { from: message.envelope.from, to: [...message.envelope.to] },
          raw: message.raw,
        });
        const rejectedErrors = (info.rejectedErrors ?? []) as {
          recipient?: string;
          response?: string;
          message: string;
        }[];
        return {
          response: String(info.response ?? ''),
          accepted: (info.accepted ?? []).map(String),
          rejected: (info.rejected ?? []).map((address: unknown) => {
            const error = rejectedErrors.find((e) => e.recipient === String(address));
            return { address: String(address), reason: error?.response ?? error?.message ?? 'rejected' };
          }),
        };
      } catch (err) {
        const e = err as Error & { responseCode?: number; code?: string; response?: string };
        throw new TransportError({
          responseCode: typeof e.responseCode === 'number' ? e.responseCode : undefined,
          code: e.code,
          message: e.response ?? e.message,
        });
      }
    },
    async close() {
      mailer.close();
    },
  };
}
