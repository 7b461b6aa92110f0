/**
 * Secrets of the inbound webhook. Mail providers' inbound webhooks (Mailgun routes, Postmark,
 * SendGrid Inbound Parse, SES via SNS…) POST each message to a URL you give them and cannot
 * send a bearer API key; the URL carries a secret instead (`?secret=…`), or a header
 * (`X-Dunwell-Inbound-Secret`). A secret is `dwin_` + 32 random bytes; only its SHA-256 is
 * stored, and it is looked up by hash, so comparing leaks nothing through timing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../platform/db/index.ts';
import { NotFoundError, UserError } from '../../platform/errors.ts';

const SECRET_PATTERN = /^dwin_[A-Za-z0-9_-]{43}$/;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface CreatedWebhookSecret {
  id: number;
  name: string;
  /** Shown once, never stored. */
  secret: string;
  prefix: string;
}

export async function createWebhookSecret(q: Queryable, name: string): Promise<CreatedWebhookSecret> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100 || /\p{Cc}/u.test(trimmed))
    throw new UserError(
      `webhook secret name "${name}" is not usable: give a short name (1–100 characters) such as "mailgun"`,
    );
  const secret = `dwin_${randomBytes(32).toString('base64url')}`;
  const prefix = secret.slice(0, 12);
  const [row] = await q.query<{ id: number }>(
    'INSERT INTO inbound_webhook_secrets (name, prefix, secret_hash) VALUES ($1, $2, $3) RETURNING id',
    [trimmed, prefix, hashSecret(secret)],
  );
  return { id: row!.id, name: trimmed, secret, prefix };
}

export async function revokeWebhookSecret(q: Queryable, id: number): Promise<void> {
  const n = await q.execute(
    'UPDATE inbound_webhook_secrets SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  if (n === 0) throw new NotFoundError(`no active inbound webhook secret with id ${id}`);
}

/** The secret's name when valid and not revoked, else null. */
export async function authenticateWebhookSecret(q: Queryable, secret: string): Promise<string | null> {
  if (!SECRET_PATTERN.test(secret)) return null;
  const [row] = await q.query<{ name: string }>(
    'SELECT name FROM inbound_webhook_secrets WHERE secret_hash = $1 AND revoked_at IS NULL',
    [hashSecret(secret)],
  );
  return row?.name ?? null;
}
