/**
 * The built-in mail catcher (PRODUCT §1): with no SMTP server configured, the sender "sends"
 * into the database — the exact raw message and its envelope in `outbound_mail` — so the demo
 * and a fresh install show real messages without any reaching a mailbox. The same table also
 * keeps what an SMTP server accepted; `GET /api/v1/messages` lists both.
 */
import type { Queryable } from '../../platform/db/index.ts';
import type { Delivered, Handover, MailTransport } from '../sender/transport.ts';

const CAUGHT = 'caught by the built-in mail catcher (no SMTP server configured)';

/**
 * Stores one handed-over message (the sender calls it in the transaction that marks the
 * outbox row sent). Idempotent per outbox message. The raw bytes travel as base64 text:
 * on PGlite a bytea parameter costs about four times as much to pass.
 */
export async function storeOutboundMail(
  db: Queryable,
  message: Handover,
  transport: 'smtp' | 'catcher',
  response: string,
): Promise<void> {
  await db.execute(
    `INSERT INTO outbound_mail (outbox_message_id, customer_id, transport, message_id, envelope_from,
                                envelope_to, subject, response, size, raw)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, decode($10, 'base64'))
     ON CONFLICT (outbox_message_id) DO NOTHING`,
    [
      message.outboxMessageId,
      message.customerId,
      transport,
      message.messageId,
      message.envelope.from,
      [...message.envelope.to],
      message.subject,
      response,
      message.raw.length,
      message.raw.toString('base64'),
    ],
  );
}

/**
 * The catcher as a transport: it accepts every recipient and sends nothing; the sender then
 * stores the message in `outbound_mail`, in the same transaction that marks it sent, so a
 * caught message is never half-recorded.
 */
export function catcherTransport(): MailTransport {
  return {
    kind: 'catcher',
    async deliver(message): Promise<Delivered> {
      return { response: CAUGHT, accepted: [...message.envelope.to], rejected: [] };
    },
    async close() {},
  };
}

export interface OutboundMailView {
  id: number;
  /** null for system mail */
  outbox_id: number | null;
  /** 'system': mail to a workspace user (a password reset link); admins only */
  kind: 'customer' | 'system';
  customer_external_id: string | null;
  transport: 'smtp' | 'catcher';
  message_id: string;
  from: string;
  to: string[];
  subject: string;
  size: number;
  response: string | null;
  created_at: string;
}

const COLUMNS = `o.id, o.outbox_message_id AS outbox_id,
  CASE WHEN o.system_mail_id IS NULL THEN 'customer' ELSE 'system' END AS kind,
  c.external_id AS customer_external_id, o.transport,
  o.message_id, o.envelope_from AS "from", o.envelope_to AS "to", o.subject, o.size, o.response, o.created_at`;

/** Sent and caught messages, newest first; keyset paging by id. System mail only with `includeSystem`. */
export async function listOutboundMail(
  db: Queryable,
  filter: {
    includeSystem?: boolean | undefined;
    customerExternalId?: string | undefined;
    transport?: 'smtp' | 'catcher' | undefined;
    beforeId?: number | undefined;
    limit: number;
  },
): Promise<OutboundMailView[]> {
  return db.query<OutboundMailView & Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM outbound_mail o LEFT JOIN customers c ON c.id = o.customer_id
      WHERE ($1::text IS NULL OR c.external_id = $1)
        AND ($2::text IS NULL OR o.transport = $2)
        AND ($3::bigint IS NULL OR o.id < $3)
        AND ($5::boolean OR o.system_mail_id IS NULL)
      ORDER BY o.id DESC LIMIT $4`,
    [
      filter.customerExternalId ?? null,
      filter.transport ?? null,
      filter.beforeId ?? null,
      filter.limit,
      filter.includeSystem === true,
    ],
  );
}

export async function getOutboundMail(
  db: Queryable,
  id: number,
  options: { includeSystem?: boolean } = {},
): Promise<OutboundMailView | null> {
  const [row] = await db.query<OutboundMailView & Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM outbound_mail o LEFT JOIN customers c ON c.id = o.customer_id
      WHERE o.id = $1 AND ($2::boolean OR o.system_mail_id IS NULL)`,
    [id, options.includeSystem === true],
  );
  return row ?? null;
}

/** The raw RFC 5322 bytes of one sent or caught message. */
export async function getOutboundMailRaw(
  db: Queryable,
  id: number,
  options: { includeSystem?: boolean } = {},
): Promise<Buffer | null> {
  const [row] = await db.query<{ raw: unknown }>(
    'SELECT raw FROM outbound_mail WHERE id = $1 AND ($2::boolean OR system_mail_id IS NULL)',
    [id, options.includeSystem === true],
  );
  if (!row) return null;
  const raw = row.raw;
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  throw new Error('unexpected bytea value');
}
