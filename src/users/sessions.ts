/**
 * Workspace sessions: a random 256-bit secret in an HTTP-only cookie, stored only as its
 * SHA-256 (like API keys). A session ends after 12 idle hours or 14 days, on sign-out, and
 * whenever the user's role, password or status changes. Signing in always creates a new
 * session (no fixation: a cookie planted before sign-in is never promoted).
 *
 * CSRF: the token a browser must echo in `X-CSRF-Token` on every state-changing request is
 * derived from the session secret (SHA-256 of a label and the secret), so the server can
 * recompute it from the cookie and a page can ask for it again after a reload; an attacker's
 * page can read neither the cookie nor the token.
 *
 * Sign-in throttling: failures are counted per address and per client in the database
 * (src/platform/rate-limit.ts, shared by every web process): 5 per address or 50 per client in 15 minutes, then 429.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../platform/db/index.ts';
import { RateLimitedError, UserError } from '../platform/errors.ts';
import { clearBucket, eventsInWindow, noteEvent } from '../platform/rate-limit.ts';
import { decoyHash, verifyPassword } from './passwords.ts';
import type { User, UserRole } from './users.ts';

export const SESSION_COOKIE = 'dunwell_session';
export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_MS = 14 * 24 * 3600_000;
const THROTTLE_WINDOW_MS = 15 * 60_000;
const MAX_FAILURES_PER_EMAIL = 5;
const MAX_FAILURES_PER_CLIENT = 50;
/** last_seen_at is written at most this often, so busy pages do not write on every request. */
const SEEN_RESOLUTION_MS = 60_000;
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export interface SessionUser {
  sessionId: number;
  id: number;
  email: string;
  name: string;
  role: UserRole;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`dunwell-csrf\u0000${sessionToken}`, 'utf8').digest('base64url');
}

/** Constant-time check of a presented CSRF token against the session's. */
export function csrfTokenMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The one message for a wrong address or password: it must not tell which. */
export class SignInFailedError extends UserError {}

export interface SignedIn {
  token: string;
  csrfToken: string;
  user: SessionUser;
  expiresAt: string;
}

export async function signIn(
  db: Queryable,
  input: { email: string; password: string; client: string; userAgent?: string },
  now: Date,
): Promise<SignedIn> {
  const email = input.email.trim().toLowerCase();
  const emailBucket = `sign-in-failure:email:${email}`;
  const clientBucket = `sign-in-failure:client:${input.client}`;
  const window = THROTTLE_WINDOW_MS / 1000;
  if (
    (await eventsInWindow(db, emailBucket, window, now)) >= MAX_FAILURES_PER_EMAIL ||
    (await eventsInWindow(db, clientBucket, window, now)) >= MAX_FAILURES_PER_CLIENT
  ) {
    throw new RateLimitedError(
      'too many failed sign-ins; wait 15 minutes and try again, or ask an admin to reset your password',
      window,
    );
  }
  const [row] = await db.query<User & { password_hash: string | null } & Record<string, unknown>>(
    `SELECT id, email, name, role, created_at, disabled_at, password_hash FROM users WHERE lower(email) = $1`,
    [email],
  );
  // Verify against a decoy when there is no usable user, so timing does not reveal addresses.
  const ok = await verifyPassword(input.password, row?.password_hash ?? (await decoyHash()));
  if (!row?.password_hash || row.disabled_at !== null || !ok) {
    await noteEvent(db, emailBucket, now);
    await noteEvent(db, clientBucket, now);
    throw new SignInFailedError('the email address or the password is wrong');
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_MAX_MS).toISOString();
  const [session] = await db.query<{ id: number }>(
    `INSERT INTO user_sessions (user_id, token_hash, created_at, last_seen_at, expires_at, user_agent)
     VALUES ($1, $2, $3, $3, $4, $5) RETURNING id`,
    [row.id, sha256(token), now.toISOString(), expiresAt, (input.userAgent ?? '').slice(0, 300)],
  );
  if (!session) throw new Error('INSERT … RETURNING returned no row');
  await clearBucket(db, emailBucket);
  return {
    token,
    csrfToken: csrfTokenFor(token),
    expiresAt,
    user: { sessionId: session.id, id: row.id, email: row.email, name: row.name, role: row.role },
  };
}

/** The signed-in user behind a session cookie, or null (unknown, expired, revoked, disabled). */
export async function authenticateSession(
  db: Queryable,
  token: string,
  now: Date,
): Promise<SessionUser | null> {
  if (!TOKEN_RE.test(token)) return null;
  const [row] = await db.query<{
    session_id: number;
    last_seen_at: string;
    id: number;
    email: string;
    name: string;
    role: UserRole;
  }>(
    `SELECT s.id AS session_id, s.last_seen_at, u.id, u.email, u.name, u.role
       FROM user_sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
        AND s.last_seen_at > $3 AND u.disabled_at IS NULL`,
    [sha256(token), now.toISOString(), new Date(now.getTime() - SESSION_IDLE_MS).toISOString()],
  );
  if (!row) return null;
  if (now.getTime() - Date.parse(row.last_seen_at) > SEEN_RESOLUTION_MS) {
    await db.execute('UPDATE user_sessions SET last_seen_at = $2 WHERE id = $1', [
      row.session_id,
      now.toISOString(),
    ]);
  }
  return { sessionId: row.session_id, id: row.id, email: row.email, name: row.name, role: row.role };
}

export async function signOut(db: Queryable, token: string, now: Date): Promise<void> {
  if (!TOKEN_RE.test(token)) return;
  await db.execute('UPDATE user_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL', [
    sha256(token),
    now.toISOString(),
  ]);
}

/** The value of one cookie in a Cookie header (first occurrence), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value for a session (or, with value null, one that clears it). */
export function sessionCookie(value: string | null, secure: boolean): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])];
  return value === null
    ? [`${SESSION_COOKIE}=`, 'Max-Age=0', ...attributes].join('; ')
    : [`${SESSION_COOKIE}=${value}`, `Max-Age=${SESSION_MAX_MS / 1000}`, ...attributes].join('; ');
}
