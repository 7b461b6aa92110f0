/**
 * Storing raw inbound messages (always first, before any parsing that could fail) and
 * reading them back as the views the CLI and the API print.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';
import type { MessageKind } from '../index.ts';

/** The webhook's limit and the size the intake promises to handle (PRODUCT §10, brief). */
export const MAX_INBOUND_BYTES = 25 * 1024 * 1024;

export type InboundSource = 'file' | 'api' | 'imap';
export type InboundStatus = 'received' | 'processed' | 'failed';

export interface ImapOrigin {
  mailbox: string;
  uidValidity: number;
  uid: number;
}

/**
 * The Message-ID header, read from the raw header block without a MIME parser (storing must
 * not depend on the message being well formed). '' when there is none.
 */
export function rawMessageId(raw: Uint8Array): string {
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 256 * 1024)).toString(
    'latin1',
  );
  const end = head.search(/\r?\n\r?\n/);
  const block = (end >= 0 ? head.slice(0, end) : head).replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id[ \t]*:[ \t]*(.*)$/im.exec(block);
  if (!m?.[1]) return '';
  const inner = /<([^<>\s]+)>/.exec(m[1]);
  const id = (inner ? inner[1] : m[1].trim().split(/\s+/)[0]) ?? '';
  return id.length < 1000 ? id : '';
}

export interface Stored {
  id: number;
  /** True when the same message (Message-ID and SHA-256) was stored before. */
  duplicate: boolean;
  status: InboundStatus;
}

/**
 * Stores a raw message with status `received` (or finds the identical one stored before).
 * `now` is the clock's instant: received_at comes from the shell's clock, not the database's.
 */
export async function storeRaw(
  q: Queryable,
  input: { raw: Uint8Array; source: InboundSource; sourceRef: string | null; now: Date; imap?: ImapOrigin },
): Promise<Stored> {
  if (input.raw.byteLength === 0) throw new UserError('the message is empty (0 bytes); nothing to store');
  const sha256 = createHash('sha256').update(input.raw).digest('hex');
  const messageId = rawMessageId(input.raw);
  const [row] = await q.query<{ id: number; status: InboundStatus }>(
    `INSERT INTO inbound_messages (source, source_ref, message_id, sha256, raw, size, received_at,
                                   imap_mailbox, imap_uid_validity, imap_uid)
     VALUES ($1, $2, $3, $4, decode($5, 'base64'), $6, $7, $8, $9, $10)
     ON CONFLICT DO NOTHING
     RETURNING id, status`,
    [
      input.source,
      input.sourceRef,
      messageId,
      sha256,
      // base64 text, not a bytea parameter: PGlite serialises a 25 MB Uint8Array ~5× slower
      Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength).toString('base64'),
      input.raw.byteLength,
      input.now.toISOString(),
      input.imap?.mailbox ?? null,
      input.imap?.uidValidity ?? null,
      input.imap?.uid ?? null,
    ],
  );
  if (row) return { id: row.id, duplicate: false, status: row.status };
  const [existing] = await q.query<{ id: number; status: InboundStatus }>(
    `SELECT id, status FROM inbound_messages
      WHERE (message_id = $1 AND sha256 = $2)
         OR (imap_uid IS NOT NULL AND imap_mailbox = $3 AND imap_uid_validity = $4 AND imap_uid = $5)
      ORDER BY id LIMIT 1`,
    [
      messageId,
      sha256,
      input.imap?.mailbox ?? null,
      input.imap?.uidValidity ?? null,
      input.imap?.uid ?? null,
    ],
  );
  if (!existing) throw new Error('inbound message neither inserted nor found');
  return { id: existing.id, duplicate: true, status: existing.status };
}

export interface InboundEffectView {
  id: number;
  kind: string;
  customer_external_id: string | null;
  before: unknown;
  after: unknown;
  undone: boolean;
}

export interface InboundView {
  id: number;
  source: InboundSource;
  source_ref: string | null;
  status: InboundStatus;
  attempts: number;
  failure: string | null;
  received_at: string;
  processed_at: string | null;
  message_id: string | null;
  from: string | null;
  subject: string | null;
  kind: MessageKind | null;
  /** The §6 classification (kind, bounce(s), reply, thread) as stored. */
  classification: Record<string, unknown> | null;
  customer_external_id: string | null;
  /** How the customer was found; null when unassigned. */
  thread_method: 'token' | 'in_reply_to' | 'sender' | 'manual' | null;
  /** The outbound message this one answers or returns (Message-ID as sent). */
  outbox_message_id: number | null;
  proposal: Record<string, unknown> | null;
  proposal_status: 'proposed' | 'accepted' | null;
  notes: string[];
  effects: InboundEffectView[];
  undone_at: string | null;
}

type Row = Omit<InboundView, 'effects' | 'message_id'> & { message_id: string };

const SELECT = `SELECT m.id, m.source, m.source_ref, m.status, m.attempts, m.failure, m.received_at, m.processed_at,
       m.message_id, m.from_address AS "from", m.subject, m.kind, m.classification,
       c.external_id AS customer_external_id, m.thread_method, m.outbox_message_id, m.proposal,
       m.proposal_status, m.notes, m.undone_at
  FROM inbound_messages m LEFT JOIN customers c ON c.id = m.customer_id`;

async function withEffects(q: Queryable, rows: Row[]): Promise<InboundView[]> {
  if (rows.length === 0) return [];
  const effects = await q.query<
    InboundEffectView & { inbound_message_id: number; undone_at: string | null } & Record<string, unknown>
  >(
    `SELECT e.id, e.inbound_message_id, e.kind, c.external_id AS customer_external_id, e.before, e.after, e.undone_at
       FROM inbound_effects e LEFT JOIN customers c ON c.id = e.customer_id
      WHERE e.inbound_message_id = ANY ($1::bigint[])
      ORDER BY e.id`,
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => ({
    ...r,
    message_id: r.message_id === '' ? null : r.message_id,
    effects: effects
      .filter((e) => e.inbound_message_id === r.id)
      .map((e) => ({
        id: e.id,
        kind: e.kind,
        customer_external_id: e.customer_external_id,
        before: e.before,
        after: e.after,
        undone: e.undone_at !== null,
      })),
  }));
}

export function checkInboundId(id: number | string): number {
  const n = typeof id === 'number' ? id : /^\d{1,15}$/.test(id) ? Number(id) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UserError(`inbound message id "${id}" is not a number; see "dunwell inbound list"`);
  return n;
}

export async function getInbound(q: Queryable, id: number): Promise<InboundView> {
  const rows = await q.query<Row>(`${SELECT} WHERE m.id = $1`, [id]);
  const [view] = await withEffects(q, rows);
  if (!view) throw new NotFoundError(`no inbound message with id ${id}; see "dunwell inbound list"`);
  return view;
}

export interface InboundFilter {
  /** 'unassigned' = processed with no customer (and not undone). */
  status?: InboundStatus | 'unassigned' | undefined;
  customerExternalId?: string | undefined;
  /** Keyset paging by id, newest first. */
  beforeId?: number | undefined;
  limit?: number | undefined;
}

/** Newest first. */
export async function listInbound(q: Queryable, filter: InboundFilter = {}): Promise<InboundView[]> {
  const rows = await q.query<Row>(
    `${SELECT}
      WHERE ($1::text IS NULL OR ($1 = 'unassigned' AND m.status = 'processed' AND m.customer_id IS NULL)
                              OR m.status = $1)
        AND ($2::text IS NULL OR c.external_id = $2)
        AND ($3::bigint IS NULL OR m.id < $3)
      ORDER BY m.id DESC
      LIMIT $4`,
    [filter.status ?? null, filter.customerExternalId ?? null, filter.beforeId ?? null, filter.limit ?? 100],
  );
  return withEffects(q, rows);
}
