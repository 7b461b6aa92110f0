/**
 * The outbox sender (PRODUCT §6 out; the only path to SMTP). One drain:
 *
 *  1. claims a batch of due `planned` messages (their customer's local day has come and any
 *     retry delay has passed) with FOR UPDATE SKIP LOCKED, in one short transaction that also
 *     repeats R6's paid check — a paid, settled or void invoice is dropped from its message, a
 *     message left with no invoice is cancelled — and marks the rest `sending`;
 *  2. outside any transaction: loads the batch's data with one query per table (prepare.ts
 *     `loadBatch`) and renders each message (templates, PDFs, MIME, DKIM; in render threads
 *     when there are any) — the next batch is claimed, loaded and rendered while this one is
 *     handed over;
 *  3. hands the messages over in small groups: one statement records exactly what is about to
 *     go out (subject, bodies, attachment hashes, template version, Message-ID, reply token,
 *     MIME size) with `handed_over_at`, then each raw message goes to the transport (pooled
 *     SMTP, or the built-in catcher when no SMTP server is configured);
 *  4. records the outcome: `sent` (one transaction per group: rows, timeline events, outbound
 *     log); a retry (4xx, network error, timeout: back to `planned` with exponential backoff,
 *     until the attempt limit, then `failed`); or `failed` at once on a 5xx, with a "check
 *     contact" task.
 *
 * Due system mail (system.ts: a password reset link) goes first, by the same rules.
 *
 * Several processes may drain one PostgreSQL database at once: SKIP LOCKED hands each message
 * to one of them, and every later update is guarded by `status = 'sending'`.
 *
 * A crash between handing a message over and recording `sent` leaves it in `sending`.
 * `recoverInterruptedSends` (run when a sender starts) settles those older than a lease: `sent`
 * when our own log (outbound_mail) holds the message, else `unknown` for a person to decide —
 * never resent blindly (docs/decisions/0003-sending.md).
 */
import { availableParallelism } from 'node:os';
import { recordEvents, type TimelineEvent } from '../../platform/audit.ts';
import type { Clock } from '../../platform/clock.ts';
import { type DunwellConfig, loadConfig } from '../../platform/config.ts';
import type { Db, Queryable } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import { catcherTransport } from '../catcher/index.ts';
import { cancelObsoleteMessages } from '../outbox.ts';
import { type MessageTemplate, TemplateError } from '../templates/index.ts';
import { createMessageBuilder, type MessageBuilder } from './compose.ts';
import {
  DEFAULT_RETRY_POLICY,
  DomainRateLimiter,
  decideFailure,
  domainOf,
  oneLine,
  type RetryPolicy,
  type TransportFailure,
} from './policy.ts';
import {
  type ClaimedMessage,
  type LoadedMessage,
  loadBatch,
  type PreparedMessage,
  preparedFrom,
  UnsendableMessage,
} from './prepare.ts';
import { type RenderJob, renderJob } from './render.ts';
import { createRenderPool } from './render-pool.ts';
import { systemMailSender } from './system.ts';
import { type Delivered, type MailTransport, smtpTransport, TransportError } from './transport.ts';

/** `dunwell send --json`: what one drain did. */
export interface SendCounts {
  sent: number;
  failed: number;
  cancelled: number;
  /** left `planned` for a later attempt: a transient error, or the per-domain rate limit */
  retrying: number;
  /** found in `sending` after a crash and marked `unknown` */
  unknown: number;
}

export interface SenderOptions {
  readonly clock: Clock;
  /** default: loadConfig() */
  readonly config?: DunwellConfig;
  /** default: pooled SMTP from config.smtp, else the catcher */
  readonly transport?: MailTransport;
  /**
   * worker threads that render messages (templates, PDFs, MIME, DKIM) beside the thread that
   * talks to the database and SMTP; 0 = render in this thread. Default: see defaultRenderThreads.
   */
  readonly renderThreads?: number;
  /** messages claimed per transaction (default 32) */
  readonly batchSize?: number;
  /** messages handed over at once, in two lanes (default 4; a crash leaves at most this many `unknown`) */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /** SMTP pool size and timeouts when the sender makes the SMTP transport */
  readonly smtp?: { maxConnections?: number; socketTimeoutMs?: number; connectionTimeoutMs?: number };
  /** how long a message may stay `sending` before recovery treats it as interrupted (default 15 min) */
  readonly leaseMs?: number;
  readonly actor?: string;
  readonly log?: (line: string) => void;
}

export const DEFAULT_LEASE_MS = 15 * 60_000;

/**
 * Tuning from the environment, for `dunwell send`, `run` and `serve`: DUNWELL_SMTP_CONNECTIONS
 * (pooled SMTP connections, default 5), DUNWELL_SENDER_CONCURRENCY (messages rendered and
 * handed over at once, default 4), DUNWELL_SENDER_RENDER_THREADS (render worker threads;
 * default: defaultRenderThreads) and DUNWELL_SENDER_LEASE_SECONDS (how long a message may stay
 * in `sending` before a starting sender settles it; default 900). Bad values are ignored in
 * favour of the defaults.
 */
export function senderTuning(
  env: NodeJS.ProcessEnv,
): Pick<SenderOptions, 'concurrency' | 'smtp' | 'renderThreads' | 'leaseMs'> {
  const whole = (text: string | undefined, min: number, max: number) =>
    text && /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max ? Number(text) : undefined;
  const connections = whole(env.DUNWELL_SMTP_CONNECTIONS, 1, 100);
  const concurrency = whole(env.DUNWELL_SENDER_CONCURRENCY, 1, 256);
  const renderThreads = whole(env.DUNWELL_SENDER_RENDER_THREADS, 0, 64);
  // how long a message may sit in `sending` before a starting sender settles it (sent when
  // the log has it, else unknown); default 15 minutes
  const leaseSeconds = whole(env.DUNWELL_SENDER_LEASE_SECONDS, 0, 86_400);
  return {
    ...(leaseSeconds !== undefined ? { leaseMs: leaseSeconds * 1000 } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(connections ? { smtp: { maxConnections: connections } } : {}),
    ...(renderThreads !== undefined ? { renderThreads } : {}),
  };
}

export interface Sender {
  /**
   * Sends what is due now, up to `limit` messages (default: all). `stop.requested` is checked
   * between batches, so a stopping worker finishes what it claimed and claims nothing more.
   */
  drain(limit?: number, stop?: { readonly requested: boolean }): Promise<SendCounts>;
  /** Settles messages left in `sending` longer than the lease; returns how many became `unknown`. */
  recover(): Promise<{ unknown: number; sent: number }>;
  close(): Promise<void>;
}

const CLAIMED_COLUMNS = `
  m.id, m.customer_id, c.external_id AS customer_external_id, m.campaign_key, m.step_key, m.template,
  m.language, m.planned_for, m.to_recipients, m.cc_recipients, m.attach, m.attempts, m.message_id,
  m.reply_token,
  (($2::timestamptz) AT TIME ZONE coalesce(c.time_zone, (SELECT time_zone FROM organisation WHERE id = 1)))::date
    AS local_today,
  coalesce((SELECT array_agg(i.number ORDER BY mi.position)
              FROM outbox_message_invoices mi JOIN invoices i ON i.id = mi.invoice_id
             WHERE mi.message_id = m.id), '{}') AS invoices,
  prev.message_id AS previous_message_id, prev.thread_references AS previous_references`;

/** The customer's last sent message: the new one answers it (one conversation per customer). */
const PREVIOUS_SENT = `
  LEFT JOIN LATERAL (
    SELECT p.message_id, p.thread_references FROM outbox_messages p
     WHERE p.customer_id = m.customer_id AND p.status = 'sent' AND p.message_id IS NOT NULL
     ORDER BY p.sent_at DESC, p.id DESC LIMIT 1) prev ON true`;

/**
 * One render thread on an embedded (PGlite) store when the machine has a second core: PGlite
 * runs in the sender's own thread, so rendering beside it measured 120 against 84 msg/s
 * (`bench send`, 2 cores). On PostgreSQL the server already takes the second core of a small
 * machine and a render thread measured no gain there, so it is off unless
 * DUNWELL_SENDER_RENDER_THREADS asks for it (worth it with more cores).
 */
export function defaultRenderThreads(db: Db): number {
  return db.engine === 'pglite' && availableParallelism() > 1 ? 1 : 0;
}

export function createSender(db: Db, options: SenderOptions): Sender {
  const config = options.config ?? loadConfig();
  const builder: MessageBuilder = createMessageBuilder(config);
  const transport =
    options.transport ?? (config.smtp ? smtpTransport(config.smtp, options.smtp) : catcherTransport());
  const ownsTransport = options.transport === undefined;
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const batchSize = options.batchSize ?? 32;
  const concurrency = options.concurrency ?? 4;
  // Messages are handed over in groups: one statement records a group just before its
  // hand-over, one transaction records it sent. Two lanes of groups keep up to `concurrency`
  // messages in flight (so at most that many can be left `unknown` by a crash, as before).
  const lanes = concurrency > 1 ? 2 : 1;
  const groupSize = Math.max(1, Math.floor(concurrency / lanes));
  const actor = options.actor ?? 'sender';
  const log = options.log ?? (() => {});
  const limiter = new DomainRateLimiter(config.smtpRateLimitPerDomain);
  const renderHere = (job: RenderJob) => renderJob(job, builder);
  const renderThreads = options.renderThreads ?? defaultRenderThreads(db);
  const pool = renderThreads > 0 ? createRenderPool(config, renderThreads, renderHere, log) : null;
  const render = pool ? (job: RenderJob) => pool.render(job) : renderHere;
  const now = () => options.clock.now();

  async function claim(max: number): Promise<{ claimed: ClaimedMessage[]; cancelled: number }> {
    return db.transaction(async (tx) => {
      const at = now();
      const due = await tx.query<{ id: number }>(
        `SELECT m.id FROM outbox_messages m JOIN customers c ON c.id = m.customer_id
          WHERE m.status = 'planned'
            AND m.planned_for <= (($1::timestamptz) AT TIME ZONE
                  coalesce(c.time_zone, (SELECT time_zone FROM organisation WHERE id = 1)))::date
            AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= $1)
          ORDER BY m.planned_for, m.id
          LIMIT $2
          FOR UPDATE OF m SKIP LOCKED`,
        [at.toISOString(), max],
      );
      if (due.length === 0) return { claimed: [], cancelled: 0 };
      const ids = due.map((r) => r.id);
      // R6, repeated just before sending. The engine's check cancels messages of which no
      // listed invoice is open any more; then paid invoices are dropped from the others.
      const [org] = await tx.query<{ today: string }>(
        `SELECT (($1::timestamptz) AT TIME ZONE time_zone)::date AS today FROM organisation WHERE id = 1`,
        [at.toISOString()],
      );
      let cancelled = await cancelObsoleteMessages(tx, org?.today ?? at.toISOString().slice(0, 10), {
        actor,
        messageIds: ids,
      });
      const dropped = await tx.query<{ message_id: number; customer_id: number; numbers: string[] }>(
        `WITH d AS (
           DELETE FROM outbox_message_invoices mi USING invoices i, outbox_messages m
            WHERE mi.invoice_id = i.id AND m.id = mi.message_id AND m.status = 'planned'
              AND mi.message_id = ANY($1::bigint[]) AND NOT (i.status = 'open' AND i.open_balance > 0)
           RETURNING mi.message_id, m.customer_id, i.number)
         SELECT message_id, customer_id, array_agg(number ORDER BY number) AS numbers
           FROM d GROUP BY message_id, customer_id`,
        [ids],
      );
      const events: TimelineEvent[] = dropped.map((d) => ({
        actor,
        customerId: d.customer_id,
        action: 'message.invoices_dropped',
        entity: 'outbox_message',
        entityId: d.message_id,
        data: { invoices: d.numbers, reason: 'paid, settled or void before sending' },
      }));
      if (dropped.length > 0) {
        const emptied = await tx.query<{ id: number; customer_id: number }>(
          `UPDATE outbox_messages m
              SET status = 'cancelled', status_changed_at = $2, cancel_reason = 'paid'
            WHERE m.id = ANY($1::bigint[]) AND m.status = 'planned'
              AND NOT EXISTS (SELECT 1 FROM outbox_message_invoices mi WHERE mi.message_id = m.id)
           RETURNING m.id, m.customer_id`,
          [dropped.map((d) => d.message_id), at.toISOString()],
        );
        cancelled += emptied.length;
        for (const e of emptied) {
          events.push({
            actor,
            customerId: e.customer_id,
            action: 'message.cancelled',
            entity: 'outbox_message',
            entityId: e.id,
            data: { reason: 'every listed invoice was paid, settled or void before sending' },
          });
        }
      }
      const claimed = await tx.query<ClaimedMessage & Record<string, unknown>>(
        `WITH s AS (
           UPDATE outbox_messages SET status = 'sending', status_changed_at = $2, handed_over_at = NULL
            WHERE id = ANY($1::bigint[]) AND status = 'planned'
           RETURNING id)
         SELECT ${CLAIMED_COLUMNS}
           FROM s JOIN outbox_messages m ON m.id = s.id JOIN customers c ON c.id = m.customer_id
           ${PREVIOUS_SENT}
          ORDER BY m.planned_for, m.id`,
        [ids, at.toISOString()],
      );
      for (const m of claimed) {
        events.push({
          actor,
          customerId: m.customer_id,
          action: 'message.sending',
          entity: 'outbox_message',
          entityId: m.id,
          data: { attempt: m.attempts + 1 },
        });
      }
      await recordEvents(tx, events);
      return { claimed, cancelled };
    });
  }

  /** Moves a `sending` message on; false when someone else (recovery) settled it meanwhile. */
  async function settle(
    q: Queryable,
    message: ClaimedMessage,
    set: string,
    params: unknown[],
    event: Omit<TimelineEvent, 'customerId' | 'entity' | 'entityId' | 'actor'>,
  ): Promise<boolean> {
    const changed = await q.execute(
      `UPDATE outbox_messages SET ${set}, status_changed_at = $2 WHERE id = $1 AND status = 'sending'`,
      [message.id, now().toISOString(), ...params],
    );
    if (changed === 0) {
      log(`sender: message ${message.id} was no longer "sending" when its outcome came in; left as it is`);
      return false;
    }
    await recordEvents(q, [
      { actor, customerId: message.customer_id, entity: 'outbox_message', entityId: message.id, ...event },
    ]);
    return true;
  }

  async function openTask(
    q: Queryable,
    message: ClaimedMessage,
    kind: 'check_contact' | 'other',
    title: string,
  ) {
    await q.execute(
      `INSERT INTO tasks (customer_id, kind, title, due, invoice_ids)
       SELECT $1, $2, $3, $4,
              coalesce((SELECT array_agg(invoice_id ORDER BY position) FROM outbox_message_invoices
                         WHERE message_id = $5), '{}')`,
      [message.customer_id, kind, oneLine(title).slice(0, 300), message.local_today, message.id],
    );
  }

  async function fail(message: ClaimedMessage, reason: string, contactProblem: boolean, attempted: boolean) {
    await db.transaction(async (tx) => {
      const moved = await settle(
        tx,
        message,
        `status = 'failed', last_error = $3, attempts = attempts + $4`,
        [reason, attempted ? 1 : 0],
        { action: 'message.failed', data: { reason, permanent: true } },
      );
      if (!moved) return;
      const to = message.to_recipients.map((r) => r.email).join(', ');
      if (contactProblem) await openTask(tx, message, 'check_contact', `Check contact ${to}: ${reason}`);
      else await openTask(tx, message, 'other', `Message ${message.id} to ${to} was not sent: ${reason}`);
    });
  }

  async function onTransportFailure(
    message: ClaimedMessage,
    failure: TransportFailure,
  ): Promise<keyof SendCounts> {
    const attempts = message.attempts + 1;
    const decision = decideFailure(failure, attempts, now(), retry);
    if (decision.kind === 'retry') {
      await settle(
        db,
        message,
        `status = 'planned', attempts = attempts + 1, next_attempt_at = $3, last_error = $4`,
        [decision.at.toISOString(), decision.reason],
        {
          action: 'message.retry_scheduled',
          data: { attempt: attempts, next_attempt_at: decision.at.toISOString(), reason: decision.reason },
        },
      );
      return 'retrying';
    }
    if (!decision.permanent) {
      log(`sender: message ${message.id} failed after ${attempts} attempts: ${decision.reason}`);
      await db.transaction(async (tx) => {
        const moved = await settle(
          tx,
          message,
          `status = 'failed', attempts = attempts + 1, last_error = $3`,
          [decision.reason],
          {
            action: 'message.failed',
            data: { reason: decision.reason, permanent: false, attempts },
          },
        );
        if (moved) {
          await openTask(
            tx,
            message,
            'other',
            `Message ${message.id} was not delivered after ${attempts} attempts: ${decision.reason}`,
          );
        }
      });
      return 'failed';
    }
    await fail(message, decision.reason, true, true);
    return 'failed';
  }

  /** What the outbox row records about a message as built, one JSON object per message. */
  const renderedRecord = (id: number, prepared: PreparedMessage) => ({
    id,
    subject: prepared.rendered.subject,
    html_body: prepared.rendered.html,
    text_body: prepared.rendered.text,
    template_version: prepared.templateVersion,
    attachment_files: prepared.attachments,
    mime_size: prepared.built.raw.length,
    message_id: prepared.messageId,
    reply_token: prepared.replyToken,
    in_reply_to: prepared.inReplyTo,
    thread_references: prepared.references,
  });
  const RENDERED_SET = `subject = v.subject, html_body = v.html_body, text_body = v.text_body,
    template_version = v.template_version, attachment_files = v.attachment_files, mime_size = v.mime_size,
    message_id = v.message_id, reply_token = v.reply_token, in_reply_to = v.in_reply_to,
    thread_references = v.thread_references`;
  const RENDERED_RECORDSET = `jsonb_to_recordset($1::jsonb) AS v(id bigint, subject text, html_body text,
    text_body text, template_version integer, attachment_files jsonb, mime_size integer, message_id text,
    reply_token text, in_reply_to text, thread_references text)`;

  /**
   * Before an SMTP hand-over, the rows record exactly what is about to go out (Message-ID and
   * reply token included), with `handed_over_at`, committed before the SMTP transactions start,
   * so a message whose outcome a crash swallows can still be inspected and its replies
   * threaded. One statement for a group of messages handed over together. The catcher needs no
   * such step: storing and marking sent is one transaction. Returns the ids still `sending`.
   */
  async function recordRendered(group: readonly Ready[]): Promise<Set<number>> {
    const rows = await db.query<{ id: number }>(
      `UPDATE outbox_messages m SET ${RENDERED_SET}, handed_over_at = now()
         FROM ${RENDERED_RECORDSET}
        WHERE m.id = v.id AND m.status = 'sending'
       RETURNING m.id`,
      [JSON.stringify(group.map((r) => renderedRecord(r.message.id, r.prepared)))],
    );
    return new Set(rows.map((r) => Number(r.id)));
  }

  /**
   * The messages of a group the transport accepted: `sent`, their timeline events and the
   * outbound log (the exact raw message), all in one transaction.
   */
  async function recordSent(done: readonly { ready: Ready; delivered: Delivered }[]): Promise<number> {
    if (done.length === 0) return 0;
    return db.transaction(async (tx) => {
      const at = now().toISOString();
      const catcher = transport.kind === 'catcher';
      const moved = await tx.query<{ id: number }>(
        `UPDATE outbox_messages m
            SET status = 'sent', sent_at = $2, status_changed_at = $2, attempts = m.attempts + 1,
                next_attempt_at = NULL, last_error = NULL${catcher ? `, ${RENDERED_SET}` : ''}
           FROM ${RENDERED_RECORDSET}
          WHERE m.id = v.id AND m.status = 'sending'
         RETURNING m.id`,
        [JSON.stringify(done.map((d) => renderedRecord(d.ready.message.id, d.ready.prepared))), at],
      );
      const ids = new Set(moved.map((r) => Number(r.id)));
      const settled = done.filter((d) => ids.has(d.ready.message.id));
      for (const d of done) {
        if (!ids.has(d.ready.message.id)) {
          log(
            `sender: message ${d.ready.message.id} was no longer "sending" when its outcome came in; left as it is`,
          );
        }
      }
      if (settled.length === 0) return 0;
      await recordEvents(
        tx,
        settled.map(({ ready: { message, prepared }, delivered }) => ({
          actor,
          customerId: message.customer_id,
          entity: 'outbox_message',
          entityId: message.id,
          action: 'message.sent',
          data: {
            message_id: prepared.messageId,
            subject: prepared.rendered.subject,
            transport: transport.kind,
            response: oneLine(delivered.response).slice(0, 300),
            ...(delivered.rejected.length > 0 ? { rejected: delivered.rejected } : {}),
          },
        })),
      );
      // the outbound log (src/messages/catcher: storeOutboundMail), one row per message; the raw
      // bytes travel as base64 text (a bytea parameter costs more to pass on PGlite)
      await tx.execute(
        `INSERT INTO outbound_mail (outbox_message_id, customer_id, transport, message_id, envelope_from,
                                    envelope_to, subject, response, size, raw)
         SELECT o.id, o.customer_id, $2, o.message_id, o.envelope_from,
                ARRAY(SELECT jsonb_array_elements_text(o.envelope_to)), o.subject, o.response, o.size,
                decode(o.raw, 'base64')
           FROM jsonb_to_recordset($1::jsonb) AS o(id bigint, customer_id bigint, message_id text,
                envelope_from text, envelope_to jsonb, subject text, response text, size integer, raw text)
         ON CONFLICT (outbox_message_id) DO NOTHING`,
        [
          JSON.stringify(
            settled.map(({ ready: { message, prepared }, delivered }) => ({
              id: message.id,
              customer_id: message.customer_id,
              message_id: prepared.messageId,
              envelope_from: prepared.built.envelope.from,
              envelope_to: prepared.built.envelope.to,
              subject: prepared.rendered.subject,
              response: delivered.response,
              size: prepared.built.raw.length,
              raw: prepared.built.raw.toString('base64'),
            })),
          ),
          transport.kind,
        ],
      );
      for (const { ready, delivered } of settled) {
        if (delivered.rejected.length > 0) {
          const list = delivered.rejected.map((r) => `${r.address} (${oneLine(r.reason)})`).join(', ');
          await openTask(
            tx,
            ready.message,
            'check_contact',
            `Check contact: refused by the mail server: ${list}`,
          );
        }
      }
      return settled.length;
    });
  }

  const templates = new Map<string, Promise<MessageTemplate | null>>();
  let organisation: { name: string; language: string } | null = null;
  async function loadOrganisation(): Promise<{ name: string; language: string }> {
    organisation ??= (
      await db.query<{ name: string; language: string }>(
        'SELECT name, language FROM organisation WHERE id = 1',
      )
    )[0] ?? { name: 'Dunwell', language: 'en' };
    return organisation;
  }
  const system = systemMailSender({
    db,
    config,
    builder,
    transport,
    limiter,
    retry,
    clock: options.clock,
    organisationName: async () => (await loadOrganisation()).name,
    log,
  });

  /** A message that could not be built: failed for good, or retried like a network error. */
  async function onPrepareError(message: ClaimedMessage, err: unknown): Promise<keyof SendCounts> {
    const reason = oneLine((err as Error).message).slice(0, 500);
    // A template that does not render, a missing template, customer or invoice, or no
    // usable address will not fix itself: failed, with a task. Anything else (the database
    // went away, a PDF renderer threw) is treated like a network error and retried.
    if (!(err instanceof UnsendableMessage || err instanceof TemplateError || err instanceof UserError)) {
      log(`sender: message ${message.id} could not be built, will retry: ${reason}`);
      return onTransportFailure(message, { code: 'EPREPARE', message: `could not be built: ${reason}` });
    }
    log(`sender: message ${message.id} cannot be built: ${reason}`);
    await fail(message, reason, err instanceof UnsendableMessage && err.contactProblem, false);
    return 'failed';
  }

  /**
   * A claimed batch on its way: the rate limit checked, the data loaded with one query per
   * table, and each message's render started (in a render thread, or here between the
   * awaits of the sending batch before it).
   */
  interface Pending {
    readonly message: ClaimedMessage;
    /** the render, or why the message cannot go out now */
    readonly result: () => Promise<PreparedMessage | { error: unknown } | { waitUntil: Date }>;
  }
  interface Ready {
    readonly message: ClaimedMessage;
    readonly prepared: PreparedMessage;
  }

  async function load(claimed: readonly ClaimedMessage[]): Promise<Pending[]> {
    const at = now();
    const pending: Pending[] = [];
    const toLoad: ClaimedMessage[] = [];
    for (const message of claimed) {
      const domains = [...message.to_recipients, ...message.cc_recipients].map((r) =>
        domainOf(String(r.email)),
      );
      const wait = limiter.reserve([...new Set(domains)], at);
      if (wait) pending.push({ message, result: () => Promise.resolve({ waitUntil: wait }) });
      else toLoad.push(message);
    }
    let loaded: (LoadedMessage | Error)[];
    try {
      loaded = await loadBatch(
        { db, config, builder, organisation: await loadOrganisation(), now: at, templates },
        toLoad,
      );
    } catch (err) {
      // the database went away while loading: every message of the batch is retried
      loaded = toLoad.map(() => err as Error);
    }
    for (const [i, message] of toLoad.entries()) {
      const l = loaded[i]!;
      if (l instanceof Error) {
        pending.push({ message, result: () => Promise.resolve({ error: l }) });
        continue;
      }
      const start = () =>
        render(l.job).then(
          (output) => preparedFrom(l, output),
          (error: unknown) => ({ error }),
        );
      // With render threads every render starts now, beside the batch being handed over; in
      // this thread a render starts when its group is next, so it never holds up the SMTP
      // and database traffic of the batch before.
      if (pool) {
        const started = start();
        pending.push({ message, result: () => started });
      } else pending.push({ message, result: start });
    }
    return pending;
  }

  /** Claimed messages never handed to the server go back to `planned` (see drain). */
  async function releaseUnsent(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await db.execute(
      `UPDATE outbox_messages SET status = 'planned', status_changed_at = $2
        WHERE id = ANY($1::bigint[]) AND status = 'sending' AND handed_over_at IS NULL`,
      [ids, now().toISOString()],
    );
  }

  /** Hands a batch over, a group of messages at a time; returns what became of each. */
  async function sendBatch(pending: readonly Pending[], counts: SendCounts): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < pending.length) {
        const group = pending.slice(next, next + groupSize);
        next += group.length;
        const ready: Ready[] = [];
        const results = await Promise.all(group.map((p) => p.result()));
        for (const [i, p] of group.entries()) {
          const result = results[i]!;
          if ('waitUntil' in result) {
            const wait = result.waitUntil;
            await settle(db, p.message, `status = 'planned', next_attempt_at = $3`, [wait.toISOString()], {
              action: 'message.rate_limited',
              data: { next_attempt_at: wait.toISOString(), per_minute: config.smtpRateLimitPerDomain },
            });
            counts.retrying += 1;
          } else if ('error' in result) {
            counts[await onPrepareError(p.message, result.error)] += 1;
          } else ready.push({ message: p.message, prepared: result });
        }
        if (ready.length === 0) continue;
        const live = transport.kind === 'smtp' ? await recordRendered(ready) : null;
        const outcomes = await Promise.all(
          ready
            .filter((r) => live === null || live.has(r.message.id))
            .map(async (r) => {
              try {
                const delivered = await transport.deliver({
                  outboxMessageId: r.message.id,
                  customerId: r.message.customer_id,
                  messageId: r.prepared.messageId,
                  subject: r.prepared.rendered.subject,
                  raw: r.prepared.built.raw,
                  envelope: r.prepared.built.envelope,
                });
                return { ready: r, delivered };
              } catch (err) {
                const failure: TransportFailure =
                  err instanceof TransportError
                    ? err.failure
                    : { code: 'EUNKNOWN', message: (err as Error).message };
                counts[await onTransportFailure(r.message, failure)] += 1;
                return null;
              }
            }),
        );
        // (not `counts.sent += await …`: that reads the count before the other lane adds to it)
        const sent = await recordSent(outcomes.filter((o) => o !== null));
        counts.sent += sent;
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  return {
    async drain(limit = Number.POSITIVE_INFINITY, stop = { requested: false }) {
      const counts: SendCounts = { sent: 0, failed: 0, cancelled: 0, retrying: 0, unknown: 0 };
      templates.clear();
      organisation = null;
      // system mail (a password reset link) first: someone is waiting for it
      const systemCounts = await system.drain(batchSize, concurrency, stop);
      counts.sent += systemCounts.sent;
      counts.failed += systemCounts.failed;
      counts.retrying += systemCounts.retrying;
      let handled = 0;
      // claims and loads the next batch (null: nothing more to do)
      const nextBatch = async (): Promise<Pending[] | null> => {
        while (handled < limit && !stop.requested) {
          const { claimed, cancelled } = await claim(Math.min(batchSize, limit - handled));
          counts.cancelled += cancelled;
          if (claimed.length === 0) {
            if (cancelled > 0) continue;
            return null;
          }
          handled += claimed.length;
          return load(claimed);
        }
        return null;
      };
      // A pipeline of two batches: while one is handed over, the next is claimed, loaded and
      // rendered. A stop request lets both finish and claims nothing more.
      let upcoming = nextBatch();
      let current: Pending[] | null = null;
      try {
        for (;;) {
          current = await upcoming;
          if (!current) break;
          upcoming = nextBatch();
          // do not leave a rejection unobserved while this batch is sent; it is awaited below
          upcoming.catch(() => {});
          await sendBatch(current, counts);
        }
      } catch (err) {
        // The database (or something unexpected) failed mid-drain. What this sender claimed
        // but never handed over — the rest of this batch and the whole next one — goes back
        // to `planned` now instead of waiting out the lease; what was handed over stays for
        // recovery to settle (sent, or unknown). Best effort: with the database gone, the
        // lease-based recovery of the next start does the same.
        const later = await upcoming.catch(() => null);
        const ids = [...(current ?? []), ...(later ?? [])].map((p) => p.message.id);
        await releaseUnsent(ids).catch(() => {});
        throw err;
      }
      return counts;
    },

    async recover() {
      const cutoff = new Date(now().getTime() - (options.leaseMs ?? DEFAULT_LEASE_MS)).toISOString();
      return db.transaction(async (tx) => {
        // Logged (the server accepted it) → sent; handed over but not logged → unknown (it may
        // have arrived); never handed over (claimed, then the process died while rendering or
        // waiting) → planned again: the server never saw it, so sending it later is not a resend.
        const rows = await tx.query<{
          id: number;
          customer_id: number;
          status: 'sent' | 'unknown' | 'planned';
        }>(
          `WITH stale AS (
             SELECT m.id, m.handed_over_at IS NOT NULL AS handed_over,
                    EXISTS (SELECT 1 FROM outbound_mail o WHERE o.outbox_message_id = m.id) AS logged
               FROM outbox_messages m
              WHERE m.status = 'sending' AND m.status_changed_at < $1
              FOR UPDATE OF m SKIP LOCKED)
           UPDATE outbox_messages m
              SET status = CASE WHEN stale.logged THEN 'sent' WHEN stale.handed_over THEN 'unknown' ELSE 'planned' END,
                  sent_at = CASE WHEN stale.logged THEN $2::timestamptz ELSE m.sent_at END,
                  status_changed_at = $2
             FROM stale WHERE m.id = stale.id
           RETURNING m.id, m.customer_id, m.status`,
          [cutoff, now().toISOString()],
        );
        await recordEvents(
          tx,
          rows.map((r) => ({
            actor,
            customerId: r.customer_id,
            action:
              r.status === 'sent'
                ? 'message.sent'
                : r.status === 'unknown'
                  ? 'message.unknown'
                  : 'message.requeued',
            entity: 'outbox_message',
            entityId: r.id,
            data:
              r.status === 'sent'
                ? { reason: 'found in the outbound mail log after an interrupted send' }
                : r.status === 'unknown'
                  ? {
                      reason:
                        'the sender stopped while this message was being handed over; it may or may not have been delivered — check and resend or close it',
                    }
                  : {
                      reason:
                        'the sender stopped before handing this message over; it will be sent as planned',
                    },
          })),
        );
        const systemRecovered = await system.recover(tx, cutoff);
        const unknown = rows.filter((r) => r.status === 'unknown').length + systemRecovered.unknown;
        if (unknown > 0)
          log(`sender: ${unknown} interrupted message(s) marked unknown for a person to decide`);
        const requeued = rows.filter((r) => r.status === 'planned').length;
        if (requeued > 0)
          log(`sender: ${requeued} message(s) claimed but never handed over are planned again`);
        const sent = rows.filter((r) => r.status === 'sent').length + systemRecovered.sent;
        return { unknown, sent, requeued };
      });
    },

    async close() {
      await pool?.close();
      if (ownsTransport) await transport.close();
    },
  };
}

/** Recovers interrupted sends, then sends what is due: `dunwell send` and `dunwell run`. */
export async function drainOutbox(db: Db, options: SenderOptions & { limit?: number }): Promise<SendCounts> {
  const sender = createSender(db, options);
  try {
    const recovered = await sender.recover();
    const counts = await sender.drain(options.limit);
    counts.unknown += recovered.unknown;
    counts.sent += recovered.sent;
    return counts;
  } finally {
    await sender.close();
  }
}
