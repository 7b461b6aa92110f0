/**
 * Password reset by e-mailed link (issue 7). "Forgot password?" asks for an address; the
 * answer is the same whether or not a user has it. For an active user, a single-use token is
 * created — `<id>.<secret>`, 256 random bits of secret of which only the SHA-256 is stored —
 * valid for one hour, and a mail with the link `<public URL>/app#/reset-password?token=…`
 * goes out through the outbox's system mail (src/messages/outbox.ts), in the language the
 * person used on the sign-in page. The link sits in the URL fragment, so it reaches neither
 * server logs nor Referer headers.
 *
 * Setting the new password checks it like every password (users.ts), ends every session of
 * the user, and uses up all its outstanding reset tokens, in one transaction. The secret is
 * compared in constant time. Requests are rate limited per client IP (429) and per address
 * (further requests are answered the same but send nothing, so no one can flood a mailbox).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { enqueueSystemMail } from '../messages/outbox.ts';
import { recordEvent } from '../platform/audit.ts';
import type { Db } from '../platform/db/index.ts';
import { safeAddress } from '../platform/email-address.ts';
import { RateLimitedError, UserError } from '../platform/errors.ts';
import { clearBucket, type RateLimit, takeRateSlot } from '../platform/rate-limit.ts';
import { checkPasswordStrength, hashPassword } from './passwords.ts';

export const RESET_TOKEN_TTL_MS = 3600_000;
/** Reset requests per client IP in an hour (then 429). */
export const RESET_REQUESTS_PER_IP: RateLimit = { limit: 20, windowSeconds: 3600 };
/** Reset mails per address in an hour (further requests send nothing). */
export const RESET_REQUESTS_PER_ADDRESS: RateLimit = { limit: 3, windowSeconds: 3600 };

export const RESET_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export type ResetLanguage = (typeof RESET_LANGUAGES)[number];

/** The one answer to every reset request that is not refused outright. */
export const RESET_REQUESTED_MESSAGE =
  'If a workspace account uses this address, a link to set a new password is on its way. It works for one hour.';

const TOKEN_RE = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Unknown, used, expired or mistyped: one message, which tells nothing about which. */
export class ResetLinkInvalidError extends UserError {
  constructor() {
    super(
      'this password reset link is no longer valid (used, expired after an hour, or mistyped); ask for a new one',
    );
  }
}

const MAIL: Record<ResetLanguage, { subject: string; intro: string; action: string; ignore: string }> = {
  en: {
    subject: 'Set a new password for your Dunwell workspace',
    intro: 'Someone (we hope you) asked to set a new password for the Dunwell workspace account {email}.',
    action: 'Open this link within one hour to choose a new password (it works once):',
    ignore: 'If you did not ask for this, ignore this mail: your password stays as it is.',
  },
  de: {
    subject: 'Neues Passwort für Ihren Dunwell-Arbeitsplatz',
    intro: 'Jemand (hoffentlich Sie) hat ein neues Passwort für das Dunwell-Konto {email} angefordert.',
    action:
      'Öffnen Sie diesen Link innerhalb einer Stunde, um ein neues Passwort zu wählen (er gilt einmal):',
    ignore:
      'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.',
  },
  fr: {
    subject: 'Nouveau mot de passe pour votre espace Dunwell',
    intro:
      'Quelqu’un (vous, nous l’espérons) a demandé un nouveau mot de passe pour le compte Dunwell {email}.',
    action: 'Ouvrez ce lien dans l’heure pour choisir un nouveau mot de passe (il ne sert qu’une fois) :',
    ignore: 'Si vous n’avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.',
  },
  es: {
    subject: 'Nueva contraseña para su espacio de Dunwell',
    intro: 'Alguien (esperamos que usted) pidió una nueva contraseña para la cuenta de Dunwell {email}.',
    action: 'Abra este enlace antes de una hora para elegir una nueva contraseña (sirve una sola vez):',
    ignore: 'Si no lo pidió, ignore este correo: su contraseña no cambia.',
  },
};

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The reset mail's subject and bodies (pure). */
export function resetMail(
  language: ResetLanguage,
  email: string,
  link: string,
): { subject: string; text: string; html: string } {
  const m = MAIL[language];
  const intro = m.intro.replace('{email}', email);
  return {
    subject: m.subject,
    text: `${intro}\n\n${m.action}\n${link}\n\n${m.ignore}\n`,
    html:
      `<p>${escapeHtml(intro)}</p><p>${escapeHtml(m.action)}<br>` +
      `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>${escapeHtml(m.ignore)}</p>`,
  };
}

/**
 * Handles "forgot password" for `email`: resolves without telling whether a user has it.
 * Throws RateLimitedError when the client has asked too often.
 */
export async function requestPasswordReset(
  db: Db,
  input: { email: string; client: string; language: ResetLanguage; publicUrl: string },
  now: Date,
): Promise<void> {
  if (!(await takeRateSlot(db, `password-reset:ip:${input.client}`, RESET_REQUESTS_PER_IP, now))) {
    throw new RateLimitedError(
      'too many password reset requests from this network; wait an hour and try again, or ask an admin',
      RESET_REQUESTS_PER_IP.windowSeconds,
    );
  }
  const address = safeAddress(input.email.trim());
  if (!address) return;
  const email = address.toLowerCase();
  // The bucket is keyed by the address's hash: the table never holds addresses people typed.
  if (!(await takeRateSlot(db, `password-reset:email:${sha256(email)}`, RESET_REQUESTS_PER_ADDRESS, now))) {
    return;
  }
  await db.transaction(async (tx) => {
    const [user] = await tx.query<{ id: number; email: string }>(
      `SELECT id, email FROM users WHERE lower(email) = $1 AND disabled_at IS NULL AND password_hash IS NOT NULL`,
      [email],
    );
    if (!user) return;
    const secret = randomBytes(32).toString('base64url');
    const [token] = await tx.query<{ id: number }>(
      `INSERT INTO password_reset_tokens (user_id, secret_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4) RETURNING id`,
      [
        user.id,
        sha256(secret),
        now.toISOString(),
        new Date(now.getTime() + RESET_TOKEN_TTL_MS).toISOString(),
      ],
    );
    if (!token) throw new Error('INSERT … RETURNING returned no row');
    const link = `${input.publicUrl.replace(/\/+$/, '')}/app#/reset-password?token=${Number(token.id)}.${secret}`;
    await enqueueSystemMail(tx, {
      to: user.email,
      ...resetMail(input.language, user.email, link),
      purpose: 'password-reset',
    });
  });
}

/**
 * Sets a new password with a reset token: checks the token (constant-time), the password's
 * strength, then in one transaction stores the hash, ends every session of the user and uses
 * up its reset tokens. Returns the user's address (for the sign-in form).
 */
export async function confirmPasswordReset(
  db: Db,
  input: { token: string; password: string },
  now: Date,
): Promise<{ email: string }> {
  const match = TOKEN_RE.exec(input.token.trim());
  if (!match) throw new ResetLinkInvalidError();
  const [, id, secret = ''] = match;
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{
      user_id: number;
      secret_hash: string;
      expires_at: string;
      used_at: string | null;
      email: string;
      disabled_at: string | null;
    }>(
      `SELECT t.user_id, t.secret_hash, t.expires_at, t.used_at, u.email, u.disabled_at
         FROM password_reset_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.id = $1 FOR UPDATE OF t`,
      [Number(id)],
    );
    const presented = Buffer.from(sha256(secret), 'utf8');
    const stored = Buffer.from(row?.secret_hash ?? sha256(''), 'utf8');
    const secretMatches = presented.length === stored.length && timingSafeEqual(presented, stored);
    if (
      !row ||
      !secretMatches ||
      row.used_at !== null ||
      new Date(row.expires_at).getTime() <= now.getTime() ||
      row.disabled_at !== null
    ) {
      throw new ResetLinkInvalidError();
    }
    checkPasswordStrength(input.password, row.email);
    const hash = await hashPassword(input.password);
    await tx.execute('UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1', [
      row.user_id,
      hash,
      now.toISOString(),
    ]);
    await tx.execute('UPDATE user_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [
      row.user_id,
      now.toISOString(),
    ]);
    await tx.execute('UPDATE password_reset_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL', [
      row.user_id,
      now.toISOString(),
    ]);
    // the new password starts with a clean slate of failed sign-ins
    await clearBucket(tx, `sign-in-failure:email:${row.email.trim().toLowerCase()}`);
    await recordEvent(tx, {
      actor: `user:${row.email}`,
      customerId: null,
      action: 'user.password_reset',
      entity: 'user',
      entityId: row.user_id,
    });
    return { email: row.email };
  });
}
