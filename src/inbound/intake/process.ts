/**
 * The shell of the intake: store a raw message first, then classify it (pure), thread it to
 * a customer and an outbound message, and apply the effects decide.ts chose, all in one
 * transaction. A failure leaves the message stored with status `failed` and the reason; it
 * can be retried. Every effect is on the customer's timeline and recorded in
 * inbound_effects so `undo` can revert it.
 */
import { BUILT_IN_DEFAULTS } from '../../campaigns/definition.ts';
import { activePromiseGraceDays, loadActiveCampaigns } from '../../campaigns/index.ts';
import { type CalendarDate, localDate } from '../../ledger/dates.ts';
import { openDispute, resolveDispute } from '../../ledger/disputes.ts';
import { createPromise } from '../../ledger/promises.ts';
import { recordEvent } from '../../platform/audit.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db, Queryable, Tx } from '../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';
import {
  type Classification,
  classificationJson,
  classifyMessage,
  DEFAULT_RULES,
  findDate,
  messageCalendarDate,
  type ParsedMessage,
  parseMessage,
  type ThreadReference,
} from '../index.ts';
import {
  type ContactFact,
  decideEffects,
  type EffectDecision,
  type PlannedEffect,
  type Proposal,
  SOFT_BOUNCE_WINDOW_DAYS,
  type ThreadClues,
  threadClues,
} from './decide.ts';
import {
  checkInboundId,
  getInbound,
  type ImapOrigin,
  type InboundSource,
  type InboundView,
  storeRaw,
} from './store.ts';

export interface IntakeDeps {
  db: Db;
  clock: Clock;
  /** Reply-To addresses are `<localPart>+<token>@<domain>` (loadConfig()). */
  reply: { localPart: string; domain: string | null };
}

export interface ReceiveResult extends InboundView {
  /** True when this exact message had been stored before (nothing new was written). */
  duplicate: boolean;
}

/** Stores the raw message (status received), then processes it. Never throws for bad mail. */
export async function receiveInbound(
  deps: IntakeDeps,
  input: {
    raw: Uint8Array;
    source: InboundSource;
    sourceRef: string | null;
    actor: string;
    imap?: ImapOrigin;
  },
): Promise<ReceiveResult> {
  const stored = await storeRaw(deps.db, { ...input, now: deps.clock.now() });
  if (stored.status !== 'processed') await processInbound(deps, stored.id, { actor: input.actor });
  return { ...(await getInbound(deps.db, stored.id)), duplicate: stored.duplicate };
}

interface ThreadFound {
  customerId: number | null;
  outboxMessageId: number | null;
  /** As sent, with angle brackets. */
  outboxMessageIdHeader: string | null;
  method: 'token' | 'in_reply_to' | 'sender' | 'manual' | null;
  notes: string[];
}

const withBrackets = (id: string) => `<${id}>`;
const bare = (id: string) => id.replace(/^<|>$/g, '');

/** Token first, then In-Reply-To/References, then the sender among known contacts. */
async function findThread(q: Queryable, clues: ThreadClues): Promise<ThreadFound> {
  const notes: string[] = [];
  if (clues.tokens.length > 0) {
    const rows = await q.query<{
      id: number;
      customer_id: number;
      message_id: string | null;
      reply_token: string;
    }>(
      'SELECT id, customer_id, message_id, reply_token FROM outbox_messages WHERE reply_token = ANY ($1::text[])',
      [clues.tokens],
    );
    for (const token of clues.tokens) {
      const row = rows.find((r) => r.reply_token === token);
      if (row)
        return {
          customerId: row.customer_id,
          outboxMessageId: row.id,
          outboxMessageIdHeader: row.message_id,
          method: 'token',
          notes,
        };
    }
    notes.push(`reply token ${clues.tokens.join(', ')} matches no outbound message`);
  }
  if (clues.referencedIds.length > 0) {
    const rows = await q.query<{ id: number; customer_id: number; message_id: string }>(
      'SELECT id, customer_id, message_id FROM outbox_messages WHERE message_id = ANY ($1::text[])',
      [clues.referencedIds.map(withBrackets)],
    );
    for (const id of clues.referencedIds) {
      const row = rows.find((r) => r.message_id === withBrackets(id));
      if (row)
        return {
          customerId: row.customer_id,
          outboxMessageId: row.id,
          outboxMessageIdHeader: row.message_id,
          method: 'in_reply_to',
          notes,
        };
    }
  }
  if (clues.addresses.length > 0) {
    const rows = await q.query<{ customer_id: number }>(
      'SELECT DISTINCT customer_id FROM contacts WHERE lower(email) = ANY ($1::text[]) ORDER BY customer_id',
      [clues.addresses],
    );
    if (rows.length === 1)
      return {
        customerId: rows[0]!.customer_id,
        outboxMessageId: null,
        outboxMessageIdHeader: null,
        method: 'sender',
        notes,
      };
    if (rows.length > 1)
      notes.push(
        `${clues.addresses.join(', ')} belongs to contacts of ${rows.length} customers; assign it by hand`,
      );
  }
  return { customerId: null, outboxMessageId: null, outboxMessageIdHeader: null, method: null, notes };
}

/** The §6 `thread` object with the customer filled in from the store. */
export async function resolveThreadReference(
  q: Queryable,
  parsed: ParsedMessage,
  classification: Classification,
  reply: IntakeDeps['reply'],
): Promise<ThreadReference | null> {
  const found = await findThread(q, threadClues(parsed, classification, reply));
  return threadReference(q, classification, found);
}

async function threadReference(
  q: Queryable,
  classification: Classification,
  found: ThreadFound,
): Promise<ThreadReference | null> {
  let customer: string | null = null;
  if (found.customerId !== null) {
    const [row] = await q.query<{ external_id: string }>('SELECT external_id FROM customers WHERE id = $1', [
      found.customerId,
    ]);
    customer = row?.external_id ?? null;
  }
  const messageId = found.outboxMessageIdHeader
    ? bare(found.outboxMessageIdHeader)
    : (classification.thread?.message_id ?? null);
  if (messageId === null && customer === null) return null;
  return { message_id: messageId ?? '', customer_external_id: customer };
}

async function organisationZone(q: Queryable): Promise<string> {
  const [row] = await q.query<{ time_zone: string }>('SELECT time_zone FROM organisation WHERE id = 1');
  return row?.time_zone ?? 'UTC';
}

/** R9's pause: the longest reply_pause_days of the active dunning campaigns (default 5). */
async function replyPauseDays(q: Queryable): Promise<number> {
  const active = await loadActiveCampaigns(q);
  const dunning = active?.campaigns.filter((c) => !c.trigger) ?? [];
  if (dunning.length === 0) return BUILT_IN_DEFAULTS.replyPauseDays;
  return Math.max(...dunning.map((c) => c.replyPauseDays));
}

/** Open invoices a reply is about: those of the answered message, else the customer's overdue ones. */
async function openInvoicesOf(
  q: Queryable,
  customerId: number,
  outboxMessageId: number | null,
  today: CalendarDate,
): Promise<string[]> {
  if (outboxMessageId !== null) {
    const rows = await q.query<{ number: string }>(
      `SELECT i.number FROM outbox_message_invoices x JOIN invoices i ON i.id = x.invoice_id
        WHERE x.message_id = $1 AND i.status = 'open' AND i.open_balance > 0
        ORDER BY i.due_date, i.number LIMIT 50`,
      [outboxMessageId],
    );
    if (rows.length > 0) return rows.map((r) => r.number);
  }
  const rows = await q.query<{ number: string }>(
    `SELECT number FROM invoices
      WHERE customer_id = $1 AND status = 'open' AND open_balance > 0 AND due_date <= $2
      ORDER BY due_date, number LIMIT 50`,
    [customerId, today],
  );
  if (rows.length > 0) return rows.map((r) => r.number);
  const all = await q.query<{ number: string }>(
    `SELECT number FROM invoices WHERE customer_id = $1 AND status = 'open' AND open_balance > 0
      ORDER BY due_date, number LIMIT 50`,
    [customerId],
  );
  return all.map((r) => r.number);
}

/** Runs Db-taking ledger functions (createPromise, openDispute) inside our transaction. */
function txAsDb(tx: Tx): Db {
  return {
    engine: tx.engine,
    location: 'transaction',
    query: (sql, params) => tx.query(sql, params),
    execute: (sql, params) => tx.execute(sql, params),
    exec: (sql) => tx.exec(sql),
    copyCsv: (target, csv) => tx.copyCsv(target, csv),
    transaction: (work) => work(tx),
    withAdvisoryLock: () => Promise.reject(new Error('no advisory lock inside an inbound transaction')),
    close: () => Promise.reject(new Error('cannot close a transaction')),
  };
}

type MessageRow = {
  id: number;
  status: 'received' | 'processed' | 'failed';
  received_at: string;
  customer_id: number | null;
  undone_at: string | null;
};

export interface ProcessOptions {
  actor: string;
  /** Assign to this customer (a person's decision) instead of threading; reprocesses. */
  assignCustomerId?: number;
}

/**
 * Classifies, threads and applies effects. A message that is already processed is left as
 * it is (the guard against repeated transitions), except when a person assigns it.
 */
export async function processInbound(deps: IntakeDeps, id: number, options: ProcessOptions): Promise<void> {
  const [head] = await deps.db.query<MessageRow & { raw64: string }>(
    `SELECT id, encode(raw, 'base64') AS raw64, status, received_at, customer_id, undone_at
       FROM inbound_messages WHERE id = $1`,
    [id],
  );
  if (!head) throw new NotFoundError(`no inbound message with id ${id}`);
  if (head.status === 'processed' && options.assignCustomerId === undefined) return;
  let parsed: ParsedMessage;
  let classification: Classification;
  try {
    parsed = await parseMessage(new Uint8Array(Buffer.from(head.raw64, 'base64')));
    classification = classifyMessage(parsed);
  } catch (err) {
    await markFailed(deps.db, id, `could not read the message: ${(err as Error).message}`);
    return;
  }
  try {
    await deps.db.transaction(async (tx) => {
      const [row] = await tx.query<MessageRow>(
        'SELECT id, status, received_at, customer_id, undone_at FROM inbound_messages WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (!row) throw new NotFoundError(`no inbound message with id ${id}`);
      if (row.status === 'processed' && options.assignCustomerId === undefined) return;
      if (row.status === 'processed') await revertEffects(tx, id, options.actor);
      await applyProcessing(tx, deps, row, parsed, classification, options);
    });
  } catch (err) {
    if (options.assignCustomerId !== undefined) throw err;
    await markFailed(deps.db, id, (err as Error).message);
  }
}

async function markFailed(q: Queryable, id: number, reason: string): Promise<void> {
  await q.execute(
    `UPDATE inbound_messages SET status = 'failed', failure = $2, attempts = attempts + 1
      WHERE id = $1 AND status <> 'processed'`,
    [id, reason.slice(0, 2000) || 'processing failed'],
  );
}

async function applyProcessing(
  tx: Tx,
  deps: IntakeDeps,
  row: MessageRow,
  parsed: ParsedMessage,
  classification: Classification,
  options: ProcessOptions,
): Promise<void> {
  const now = deps.clock.now();
  const zone = await organisationZone(tx);
  const today = localDate(now, zone);
  const clues = threadClues(parsed, classification, deps.reply);
  const found: ThreadFound =
    options.assignCustomerId !== undefined
      ? {
          customerId: options.assignCustomerId,
          outboxMessageId: null,
          outboxMessageIdHeader: null,
          method: 'manual',
          notes: [],
        }
      : await findThread(tx, clues);

  const addresses = [...clues.addresses];
  const contacts = await tx.query<{
    id: number;
    customer_id: number;
    email: string;
    email_status: ContactFact['emailStatus'];
  }>(
    `SELECT id, customer_id, email, email_status FROM contacts WHERE lower(email) = ANY ($1::text[])
      ORDER BY id FOR UPDATE`,
    [addresses],
  );
  const contactsByAddress = new Map<string, ContactFact[]>();
  for (const k of contacts) {
    const key = k.email.toLowerCase();
    const list = contactsByAddress.get(key) ?? [];
    list.push({ id: k.id, customerId: k.customer_id, email: k.email, emailStatus: k.email_status });
    contactsByAddress.set(key, list);
  }
  const soft = await tx.query<{ address: string; n: number }>(
    `SELECT lower(e.address) AS address, count(*)::int AS n
       FROM inbound_effects e JOIN inbound_messages m ON m.id = e.inbound_message_id
      WHERE e.kind = 'soft_bounce' AND e.undone_at IS NULL AND lower(e.address) = ANY ($1::text[])
        AND m.id <> $2 AND m.received_at <= $3::timestamptz
        AND m.received_at > $3::timestamptz - make_interval(days => $4)
      GROUP BY 1`,
    [addresses, row.id, row.received_at, SOFT_BOUNCE_WINDOW_DAYS],
  );
  let customer: { id: number; replyPausedUntil: CalendarDate | null } | null = null;
  if (found.customerId !== null) {
    const [c] = await tx.query<{ id: number; reply_paused_until: string | null }>(
      'SELECT id, reply_paused_until FROM customers WHERE id = $1 FOR UPDATE',
      [found.customerId],
    );
    if (c) customer = { id: c.id, replyPausedUntil: c.reply_paused_until };
  }
  const messageDay = messageCalendarDate(parsed.date, parsed.headers.date?.[0]) ?? today;
  const returnDate =
    classification.kind === 'auto_reply'
      ? (findDate(
          `${parsed.subject}\n${parsed.text}`,
          messageDay,
          DEFAULT_RULES.map((r) => r.dates),
        )?.date ?? null)
      : null;
  const decision = decideEffects({
    messageId: row.id,
    classification,
    customer,
    contactsByAddress,
    recentSoftBounces: new Map(soft.map((s) => [s.address, s.n])),
    today,
    replyPauseDays: await replyPauseDays(tx),
    openInvoices:
      customer && classification.kind === 'reply'
        ? await openInvoicesOf(tx, customer.id, found.outboxMessageId, today)
        : [],
    returnDate,
  });
  await writeDecision(tx, row.id, decision, options.actor, now);

  const thread = await threadReference(tx, classification, found);
  const { file: _file, ...json } = classificationJson('', { ...classification, thread });
  const notes = [...found.notes, ...decision.notes];
  await tx.execute(
    `UPDATE inbound_messages
        SET status = 'processed', failure = NULL, attempts = attempts + 1, processed_at = $2, kind = $3,
            classification = $4, from_address = $5, subject = $6, customer_id = $7, outbox_message_id = $8,
            thread_method = $9, proposal = $10, proposal_status = $11, notes = $12, undone_at = NULL, undone_by = NULL
      WHERE id = $1`,
    [
      row.id,
      now.toISOString(),
      classification.kind,
      JSON.stringify({ ...json, problems: classification.details.problems }),
      parsed.from?.address ?? null,
      parsed.subject.slice(0, 1000),
      found.customerId,
      found.outboxMessageId,
      found.method,
      decision.proposal ? JSON.stringify(decision.proposal) : null,
      decision.proposal ? 'proposed' : null,
      notes,
    ],
  );
  await recordEvent(tx, {
    actor: options.actor,
    customerId: found.customerId,
    action: `inbound.${classification.kind}`,
    entity: 'inbound_message',
    entityId: row.id,
    data: {
      ...decision.summary,
      from: parsed.from?.address ?? null,
      subject: parsed.subject.slice(0, 300),
      thread_method: found.method,
      outbox_message_id: found.outboxMessageId,
      proposal: decision.proposal,
      notes,
    },
    at: now.toISOString(),
  });
}

async function insertEffect(
  tx: Tx,
  e: {
    messageId: number;
    customerId: number | null;
    kind: string;
    entityId: number | null;
    address?: string | null;
    before?: unknown;
    after?: unknown;
    now: Date;
  },
): Promise<void> {
  await tx.execute(
    `INSERT INTO inbound_effects (inbound_message_id, customer_id, kind, entity_id, address, before, after, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      e.messageId,
      e.customerId,
      e.kind,
      e.entityId,
      e.address ?? null,
      JSON.stringify(e.before ?? {}),
      JSON.stringify(e.after ?? {}),
      e.now.toISOString(),
    ],
  );
}

async function writeDecision(
  tx: Tx,
  messageId: number,
  decision: EffectDecision,
  actor: string,
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  for (const effect of decision.effects) await writeEffect(tx, messageId, effect, actor, now, at);
}

async function writeEffect(
  tx: Tx,
  messageId: number,
  effect: PlannedEffect,
  actor: string,
  now: Date,
  at: string,
): Promise<void> {
  if (effect.type === 'contact_status') {
    const changed = await tx.execute(
      `UPDATE contacts SET email_status = $2, updated_at = $4 WHERE id = $1 AND email_status = $3`,
      [effect.contact.id, effect.to, effect.contact.emailStatus, at],
    );
    if (changed === 0) return;
    await insertEffect(tx, {
      messageId,
      customerId: effect.contact.customerId,
      kind: effect.to === 'bounced' ? 'contact_bounced' : 'contact_complained',
      entityId: effect.contact.id,
      address: effect.contact.email,
      before: { email_status: effect.contact.emailStatus },
      after: { email_status: effect.to },
      now,
    });
    await recordEvent(tx, {
      actor,
      customerId: effect.contact.customerId,
      action: effect.to === 'bounced' ? 'contact.bounced' : 'contact.complained',
      entity: 'contact',
      entityId: effect.contact.id,
      data: { email: effect.contact.email, why: effect.why, inbound_message_id: messageId },
      at,
    });
  } else if (effect.type === 'soft_bounce') {
    await insertEffect(tx, {
      messageId,
      customerId: effect.customerId,
      kind: 'soft_bounce',
      entityId: null,
      address: effect.address,
      after: { status: effect.status, reason: effect.reason, count_in_14_days: effect.countIn14Days },
      now,
    });
    await recordEvent(tx, {
      actor,
      customerId: effect.customerId,
      action: 'contact.soft_bounced',
      entity: 'contact',
      entityId: effect.address,
      data: {
        email: effect.address,
        status: effect.status,
        reason: effect.reason,
        count_in_14_days: effect.countIn14Days,
        inbound_message_id: messageId,
      },
      at,
    });
  } else if (effect.type === 'task') {
    const [task] = await tx.query<{ id: number }>(
      'INSERT INTO tasks (customer_id, kind, title, due, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [effect.customerId, effect.kind, effect.title.slice(0, 500), effect.due, at],
    );
    await insertEffect(tx, {
      messageId,
      customerId: effect.customerId,
      kind: 'task_created',
      entityId: task!.id,
      after: { kind: effect.kind, title: effect.title, due: effect.due },
      now,
    });
    await recordEvent(tx, {
      actor,
      customerId: effect.customerId,
      action: 'task.created',
      entity: 'task',
      entityId: task!.id,
      data: { kind: effect.kind, title: effect.title, due: effect.due, inbound_message_id: messageId },
      at,
    });
  } else {
    const [before] = await tx.query<{ reply_paused_until: string | null }>(
      'SELECT reply_paused_until FROM customers WHERE id = $1',
      [effect.customerId],
    );
    await tx.execute('UPDATE customers SET reply_paused_until = $2, updated_at = $3 WHERE id = $1', [
      effect.customerId,
      effect.until,
      at,
    ]);
    await insertEffect(tx, {
      messageId,
      customerId: effect.customerId,
      kind: 'reply_paused',
      entityId: effect.customerId,
      before: { reply_paused_until: before?.reply_paused_until ?? null },
      after: { reply_paused_until: effect.until },
      now,
    });
    await recordEvent(tx, {
      actor,
      customerId: effect.customerId,
      action: 'customer.reply_paused',
      entity: 'customer',
      entityId: effect.customerId,
      data: {
        until: effect.until,
        before: before?.reply_paused_until ?? null,
        inbound_message_id: messageId,
      },
      at,
    });
  }
}

type EffectRow = {
  id: number;
  customer_id: number | null;
  kind: string;
  entity_id: number | null;
  address: string | null;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
};

/** Reverts every effect of a message not yet undone, newest first. Returns what it did. */
async function revertEffects(tx: Tx, messageId: number, actor: string): Promise<string[]> {
  const effects = await tx.query<EffectRow>(
    `SELECT id, customer_id, kind, entity_id, address, before, after FROM inbound_effects
      WHERE inbound_message_id = $1 AND undone_at IS NULL ORDER BY id DESC FOR UPDATE`,
    [messageId],
  );
  const done: string[] = [];
  for (const e of effects) {
    if (e.kind === 'contact_bounced' || e.kind === 'contact_complained') {
      const n = await tx.execute(
        'UPDATE contacts SET email_status = $2, updated_at = now() WHERE id = $1 AND email_status = $3',
        [e.entity_id, e.before.email_status, e.after.email_status],
      );
      done.push(
        n > 0
          ? `contact ${e.address} is ${String(e.before.email_status)} again`
          : `contact ${e.address} was changed since; left as it is`,
      );
    } else if (e.kind === 'soft_bounce') {
      done.push(`soft bounce of ${e.address} no longer counted`);
    } else if (e.kind === 'task_created') {
      const n = await tx.execute(`DELETE FROM tasks WHERE id = $1 AND status = 'open'`, [e.entity_id]);
      done.push(n > 0 ? `task ${e.entity_id} removed` : `task ${e.entity_id} is done or gone; left as it is`);
    } else if (e.kind === 'reply_paused') {
      const n = await tx.execute(
        'UPDATE customers SET reply_paused_until = $2, updated_at = now() WHERE id = $1 AND reply_paused_until = $3',
        [e.entity_id, e.before.reply_paused_until ?? null, e.after.reply_paused_until],
      );
      done.push(n > 0 ? 'reply pause lifted' : 'reply pause was changed since; left as it is');
    } else if (e.kind === 'promise_created') {
      const n = await tx.execute(`DELETE FROM promises WHERE id = $1 AND status = 'open'`, [e.entity_id]);
      done.push(
        n > 0 ? `promise ${e.entity_id} withdrawn` : `promise ${e.entity_id} is settled; left as it is`,
      );
    } else if (e.kind === 'dispute_opened') {
      const [d] = await tx.query<{ number: string }>(
        `SELECT i.number FROM disputes d JOIN invoices i ON i.id = d.invoice_id WHERE d.id = $1 AND d.status = 'open'`,
        [e.entity_id],
      );
      if (d) {
        await resolveDispute(txAsDb(tx), {
          number: d.number,
          actor,
          resolution: `undone: inbound message ${messageId}`,
        });
        done.push(`dispute on ${d.number} resolved`);
      } else done.push(`dispute ${e.entity_id} is already resolved`);
    }
    await tx.execute('UPDATE inbound_effects SET undone_at = now() WHERE id = $1', [e.id]);
  }
  return done;
}

async function lockMessage(tx: Tx, id: number) {
  const [row] = await tx.query<{
    id: number;
    status: string;
    customer_id: number | null;
    proposal: Proposal | null;
    proposal_status: 'proposed' | 'accepted' | null;
    undone_at: string | null;
  }>(
    'SELECT id, status, customer_id, proposal, proposal_status, undone_at FROM inbound_messages WHERE id = $1 FOR UPDATE',
    [id],
  );
  if (!row) throw new NotFoundError(`no inbound message with id ${id}; see "dunwell inbound list"`);
  return row;
}

/** `inbound retry ID`: processes a failed (or still received) message again. */
export async function retryInbound(
  deps: IntakeDeps,
  idText: number | string,
  actor: string,
): Promise<InboundView> {
  const id = checkInboundId(idText);
  const view = await getInbound(deps.db, id);
  if (view.status === 'processed')
    throw new UserError(
      `inbound message ${id} is already processed; to change what it did, use "dunwell inbound undo ${id}" or "assign"`,
    );
  await processInbound(deps, id, { actor });
  return getInbound(deps.db, id);
}

/** Processes every message still received or failed (the poller calls it on each round). */
export async function processPending(deps: IntakeDeps, actor: string, limit = 100): Promise<number> {
  const rows = await deps.db.query<{ id: number }>(
    `SELECT id FROM inbound_messages WHERE status <> 'processed' AND attempts < 5 ORDER BY id LIMIT $1`,
    [limit],
  );
  for (const r of rows) await processInbound(deps, r.id, { actor });
  return rows.length;
}

/** A person assigns an (unassigned) message to a customer: its effects are applied for that customer. */
export async function assignInbound(
  deps: IntakeDeps,
  input: { id: number | string; customerExternalId: string; actor: string },
): Promise<InboundView> {
  const id = checkInboundId(input.id);
  const [customer] = await deps.db.query<{ id: number }>('SELECT id FROM customers WHERE external_id = $1', [
    input.customerExternalId,
  ]);
  if (!customer) throw new NotFoundError(`no customer with external id ${input.customerExternalId}`);
  const view = await getInbound(deps.db, id);
  if (view.status !== 'processed')
    throw new UserError(
      `inbound message ${id} is ${view.status}${view.failure ? ` (${view.failure})` : ''}; retry it before assigning`,
    );
  await processInbound(deps, id, { actor: input.actor, assignCustomerId: customer.id });
  return getInbound(deps.db, id);
}

/** Accepts the proposed promise or dispute in one action (`inbound accept ID`). */
export async function acceptInbound(
  deps: IntakeDeps,
  input: { id: number | string; actor: string; promisedDate?: string | null },
): Promise<InboundView> {
  const id = checkInboundId(input.id);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const row = await lockMessage(tx, id);
    if (row.undone_at) throw new UserError(`inbound message ${id} was undone; there is nothing to accept`);
    if (!row.proposal || !row.proposal_status)
      throw new UserError(
        `inbound message ${id} proposes no promise or dispute (only replies that promise to pay or dispute do)`,
      );
    if (row.proposal_status === 'accepted')
      throw new UserError(`the proposal of inbound message ${id} is already accepted`);
    const db = txAsDb(tx);
    const today = localDate(now, await organisationZone(tx));
    if (row.proposal.type === 'promise') {
      const date = input.promisedDate ?? row.proposal.promised_date;
      if (!date)
        throw new UserError(
          `the reply of inbound message ${id} names no payment date; accept it with a date (--date YYYY-MM-DD)`,
        );
      const graceDays = await activePromiseGraceDays(tx);
      for (const number of row.proposal.invoices) {
        const promise = await createPromise(db, {
          number,
          promisedDate: date,
          actor: input.actor,
          today,
          graceDays,
        });
        await insertEffect(tx, {
          messageId: id,
          customerId: row.customer_id,
          kind: 'promise_created',
          entityId: promise.id,
          after: { invoice: number, promised_date: date },
          now,
        });
      }
    } else {
      for (const number of row.proposal.invoices) {
        const dispute = await openDispute(db, {
          number,
          reason: row.proposal.reason,
          note: `from inbound message ${id}`,
          actor: input.actor,
        });
        await insertEffect(tx, {
          messageId: id,
          customerId: row.customer_id,
          kind: 'dispute_opened',
          entityId: dispute.id,
          after: { invoice: number, reason: row.proposal.reason },
          now,
        });
      }
    }
    await tx.execute(`UPDATE inbound_messages SET proposal_status = 'accepted' WHERE id = $1`, [id]);
    await recordEvent(tx, {
      actor: input.actor,
      customerId: row.customer_id,
      action: 'inbound.proposal_accepted',
      entity: 'inbound_message',
      entityId: id,
      data: { proposal: row.proposal, promised_date: input.promisedDate ?? null },
      at: now.toISOString(),
    });
  });
  return getInbound(deps.db, id);
}

/** Reverts everything processing (and accepting) a message changed (`inbound undo ID`). */
export async function undoInbound(
  deps: IntakeDeps,
  input: { id: number | string; actor: string },
): Promise<InboundView & { reverted: string[] }> {
  const id = checkInboundId(input.id);
  const now = deps.clock.now();
  const reverted = await deps.db.transaction(async (tx) => {
    const row = await lockMessage(tx, id);
    if (row.status !== 'processed')
      throw new UserError(`inbound message ${id} is ${row.status}; only a processed message can be undone`);
    if (row.undone_at) throw new UserError(`inbound message ${id} is already undone`);
    const done = await revertEffects(tx, id, input.actor);
    await tx.execute(
      `UPDATE inbound_messages SET undone_at = $2, undone_by = $3,
              proposal_status = CASE WHEN proposal IS NULL THEN NULL ELSE 'proposed' END
        WHERE id = $1`,
      [id, now.toISOString(), input.actor],
    );
    await recordEvent(tx, {
      actor: input.actor,
      customerId: row.customer_id,
      action: 'inbound.undone',
      entity: 'inbound_message',
      entityId: id,
      data: { reverted: done },
      at: now.toISOString(),
    });
    return done;
  });
  return { ...(await getInbound(deps.db, id)), reverted };
}
