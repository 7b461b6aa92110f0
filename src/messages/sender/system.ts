/**
 * System mail (`enqueueSystemMail` in ../outbox.ts): mail from the workspace to one of its own
 * users, such as a password reset link. The sender delivers it with the rules of outbox
 * messages — claimed with FOR UPDATE SKIP LOCKED and marked `sending` in a short transaction;
 * `handed_over_at` (and the Message-ID) committed before the SMTP transaction; `sent` and the
 * outbound log in one transaction; retries with the same policy and the per-domain rate limit;
 * after a crash `sent` when logged, `unknown` when handed over, `planned` when never handed
 * over — but with no customer, campaign, R6 check, portal link, reply token or attachment,
 * and no timeline event (the log gets a line without the address or the body).
 */
import type { Clock } from '../../platform/clock.ts';
import type { DunwellConfig } from '../../platform/config.ts';
import type { Db, Queryable } from '../../platform/db/index.ts';
import { type MessageBuilder, newMessageId } from './compose.ts';
import {
  type DomainRateLimiter,
  decideFailure,
  domainOf,
  type RetryPolicy,
  safeAddress,
  type TransportFailure,
} from './policy.ts';
import { type Delivered, type MailTransport, TransportError } from './transport.ts';

export interface SystemMailCounts {
  sent: number;
  failed: number;
  retrying: number;
}

interface ClaimedSystemMail {
  id: number;
  purpose: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  attempts: number;
  message_id: string | null;
}

export interface SystemMailContext {
  readonly db: Db;
  readonly config: DunwellConfig;
  readonly builder: MessageBuilder;
  readonly transport: MailTransport;
  readonly limiter: DomainRateLimiter;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  readonly organisationName: () => Promise<string>;
  readonly log: (line: string) => void;
}

export function systemMailSender(ctx: SystemMailContext) {
  const { db, transport } = ctx;
  const now = () => ctx.clock.now();

  async function claim(max: number): Promise<ClaimedSystemMail[]> {
    const at = now().toISOString();
    return db.query<ClaimedSystemMail & Record<string, unknown>>(
      `WITH due AS (
         SELECT id FROM system_mail
          WHERE status = 'planned' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
          ORDER BY id LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE system_mail s SET status = 'sending', status_changed_at = $1, handed_over_at = NULL
         FROM due WHERE s.id = due.id AND s.status = 'planned'
       RETURNING s.id, s.purpose, s.to_address, s.subject, s.text_body, s.html_body, s.attempts, s.message_id`,
      [at, max],
    );
  }

  /** Moves a `sending` row on; false when recovery settled it meanwhile. */
  async function settle(q: Queryable, id: number, set: string, params: unknown[]): Promise<boolean> {
    const changed = await q.execute(
      `UPDATE system_mail SET ${set}, status_changed_at = $2 WHERE id = $1 AND status = 'sending'`,
      [id, now().toISOString(), ...params],
    );
    if (changed === 0) ctx.log(`sender: system mail ${id} was no longer "sending" when its outcome came in`);
    return changed === 1;
  }

  async function onFailure(
    mail: ClaimedSystemMail,
    failure: TransportFailure,
  ): Promise<keyof SystemMailCounts> {
    const attempts = mail.attempts + 1;
    const decision = decideFailure(failure, attempts, now(), ctx.retry);
    if (decision.kind === 'retry') {
      await settle(
        db,
        mail.id,
        `status = 'planned', attempts = attempts + 1, next_attempt_at = $3, last_error = $4`,
        [decision.at.toISOString(), decision.reason],
      );
      return 'retrying';
    }
    ctx.log(`sender: system mail ${mail.id} (${mail.purpose}) failed: ${decision.reason}`);
    await settle(db, mail.id, `status = 'failed', attempts = attempts + 1, last_error = $3`, [
      decision.reason,
    ]);
    return 'failed';
  }

  async function sendOne(mail: ClaimedSystemMail): Promise<keyof SystemMailCounts | null> {
    // checked at enqueue and by the table's CHECK; checked again: a header is built from it
    const to = safeAddress(mail.to_address);
    if (!to || /[\r\n]/.test(mail.subject)) {
      const reason = 'the address or the subject is not one clean line';
      await settle(db, mail.id, `status = 'failed', last_error = $3`, [reason]);
      ctx.log(`sender: system mail ${mail.id} (${mail.purpose}) failed: ${reason}`);
      return 'failed';
    }
    const wait = ctx.limiter.reserve([domainOf(to)], now());
    if (wait) {
      await settle(db, mail.id, `status = 'planned', next_attempt_at = $3`, [wait.toISOString()]);
      return 'retrying';
    }
    const messageId = mail.message_id ?? newMessageId(ctx.builder.idDomain);
    let built: Awaited<ReturnType<MessageBuilder['build']>>;
    try {
      built = await ctx.builder.build({
        from: ctx.config.mailFrom ?? ctx.builder.defaultFrom(await ctx.organisationName()),
        to: [{ name: '', email: to }],
        cc: [],
        subject: mail.subject,
        html: mail.html_body,
        text: mail.text_body,
        attachments: [],
        messageId,
        replyTo: null,
        inReplyTo: null,
        references: null,
        date: now(),
        template: `system.${mail.purpose}`,
      });
    } catch (err) {
      return onFailure(mail, { code: 'EPREPARE', message: `could not be built: ${(err as Error).message}` });
    }
    if (transport.kind === 'smtp') {
      const recorded = await db.execute(
        `UPDATE system_mail SET message_id = $2, mime_size = $3, handed_over_at = now()
          WHERE id = $1 AND status = 'sending'`,
        [mail.id, messageId, built.raw.length],
      );
      if (recorded !== 1) return null;
    }
    let delivered: Delivered;
    try {
      delivered = await transport.deliver({
        outboxMessageId: null,
        systemMailId: mail.id,
        customerId: null,
        messageId,
        subject: mail.subject,
        raw: built.raw,
        envelope: built.envelope,
      });
    } catch (err) {
      return onFailure(
        mail,
        err instanceof TransportError ? err.failure : { code: 'EUNKNOWN', message: (err as Error).message },
      );
    }
    await db.transaction(async (tx) => {
      const moved = await settle(
        tx,
        mail.id,
        `status = 'sent', sent_at = $2, attempts = attempts + 1, next_attempt_at = NULL, last_error = NULL,
         message_id = $3, mime_size = $4`,
        [messageId, built.raw.length],
      );
      if (!moved) return;
      await tx.execute(
        `INSERT INTO outbound_mail (system_mail_id, transport, message_id, envelope_from, envelope_to,
                                    subject, response, size, raw)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, decode($9, 'base64'))
         ON CONFLICT (system_mail_id) DO NOTHING`,
        [
          mail.id,
          transport.kind,
          messageId,
          built.envelope.from,
          [...built.envelope.to],
          mail.subject,
          delivered.response,
          built.raw.length,
          built.raw.toString('base64'),
        ],
      );
    });
    if (delivered.rejected.length > 0) {
      ctx.log(`sender: system mail ${mail.id} (${mail.purpose}): the server refused its recipient`);
    }
    return 'sent';
  }

  return {
    /** Sends the system mail due now, a batch at a time; system mail goes before customer mail. */
    async drain(batchSize: number, concurrency: number, stop: { readonly requested: boolean }) {
      const counts: SystemMailCounts = { sent: 0, failed: 0, retrying: 0 };
      while (!stop.requested) {
        const claimed = await claim(batchSize);
        if (claimed.length === 0) break;
        let next = 0;
        const worker = async () => {
          while (next < claimed.length) {
            const outcome = await sendOne(claimed[next++]!);
            if (outcome) counts[outcome] += 1;
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
      }
      return counts;
    },

    /** Settles system mail left in `sending` since before `cutoff` (see the sender's recover). */
    async recover(q: Queryable, cutoff: string) {
      const rows = await q.query<{ id: number; status: 'sent' | 'unknown' | 'planned' }>(
        `WITH stale AS (
           SELECT s.id, s.handed_over_at IS NOT NULL AS handed_over,
                  EXISTS (SELECT 1 FROM outbound_mail o WHERE o.system_mail_id = s.id) AS logged
             FROM system_mail s
            WHERE s.status = 'sending' AND s.status_changed_at < $1
            FOR UPDATE OF s SKIP LOCKED)
         UPDATE system_mail s
            SET status = CASE WHEN stale.logged THEN 'sent' WHEN stale.handed_over THEN 'unknown' ELSE 'planned' END,
                sent_at = CASE WHEN stale.logged THEN $2::timestamptz ELSE s.sent_at END,
                status_changed_at = $2
           FROM stale WHERE s.id = stale.id
         RETURNING s.id, s.status`,
        [cutoff, now().toISOString()],
      );
      // the sender's recover() logs the unknown ones with the outbox's
      return {
        unknown: rows.filter((r) => r.status === 'unknown').length,
        sent: rows.filter((r) => r.status === 'sent').length,
      };
    },
  };
}
