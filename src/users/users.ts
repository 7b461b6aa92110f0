/**
 * Workspace users (issue 7): email, role, scrypt password hash. Roles: admin (everything,
 * including settings, users, API keys, campaigns and ledger writes), collector (reads plus the
 * collection work: promises, disputes, pauses, tasks, inbound mail), viewer (reads only).
 * The role policy per route is in ./roles.ts.
 */
import type { Queryable } from '../platform/db/index.ts';
import { safeAddress } from '../platform/email-address.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';
import { checkPasswordStrength, generatePassword, hashPassword } from './passwords.ts';

export const USER_ROLES = ['admin', 'collector', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface User {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  created_at: string;
  disabled_at: string | null;
}

const USER_COLUMNS = 'id, email, name, role, created_at, disabled_at';
/** A sign-in address is one the sender could mail (password resets go through the outbox). */
export function checkEmail(email: string): string {
  const address = safeAddress(email);
  if (!address) throw new UserError(`"${email.slice(0, 80)}" is not an email address`);
  return address;
}

export function checkRole(role: string): UserRole {
  if (!(USER_ROLES as readonly string[]).includes(role)) {
    throw new UserError(`role "${role}" is not one of ${USER_ROLES.join(', ')}`);
  }
  return role as UserRole;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length > 200 || /\p{Cc}/u.test(trimmed)) {
    throw new UserError('the name must be at most 200 characters without control characters');
  }
  return trimmed;
}

export interface AddedUser {
  user: User;
  /** set when Dunwell generated the password: shown once, never stored */
  generatedPassword: string | null;
}

export async function addUser(
  db: Queryable,
  input: { email: string; role: string; name?: string; password?: string },
): Promise<AddedUser> {
  const email = checkEmail(input.email);
  const role = checkRole(input.role);
  const name = checkName(input.name ?? '');
  const generated = input.password === undefined ? generatePassword() : null;
  const password = input.password ?? (generated as string);
  if (input.password !== undefined) checkPasswordStrength(password, email);
  const hash = await hashPassword(password);
  const rows = await db.query<User & Record<string, unknown>>(
    `INSERT INTO users (email, name, role, password_hash, password_changed_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (lower(email)) DO NOTHING
     RETURNING ${USER_COLUMNS}`,
    [email, name, role, hash],
  );
  const user = rows[0];
  if (!user) throw new UserError(`a user with the email ${email} already exists ("dunwell users list")`);
  return { user, generatedPassword: generated };
}

export async function listUsers(db: Queryable): Promise<User[]> {
  return db.query<User & Record<string, unknown>>(`SELECT ${USER_COLUMNS} FROM users ORDER BY lower(email)`);
}

export async function getUserByEmail(db: Queryable, email: string): Promise<User> {
  const [user] = await db.query<User & Record<string, unknown>>(
    `SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1)`,
    [email.trim()],
  );
  if (!user) throw new NotFoundError(`no user with the email ${email} ("dunwell users list" shows them)`);
  return user;
}

async function updateUser(db: Queryable, email: string, set: string, params: unknown[]): Promise<User> {
  const [user] = await db.query<User & Record<string, unknown>>(
    `UPDATE users SET ${set} WHERE lower(email) = lower($1) RETURNING ${USER_COLUMNS}`,
    [email.trim(), ...params],
  );
  if (!user) throw new NotFoundError(`no user with the email ${email} ("dunwell users list" shows them)`);
  return user;
}

/** Changing a role or disabling a user ends their sessions: the next request signs in again. */
async function endSessions(db: Queryable, userId: number): Promise<void> {
  await db.execute('UPDATE user_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [
    userId,
  ]);
}

export async function setUserRole(db: Queryable, email: string, role: string): Promise<User> {
  const user = await updateUser(db, email, 'role = $2', [checkRole(role)]);
  await endSessions(db, user.id);
  return user;
}

export async function setUserDisabled(db: Queryable, email: string, disabled: boolean): Promise<User> {
  const user = await updateUser(
    db,
    email,
    disabled ? 'disabled_at = coalesce(disabled_at, now())' : 'disabled_at = NULL',
    [],
  );
  if (disabled) await endSessions(db, user.id);
  return user;
}

/** Sets a new password (generated when none is given) and ends the user's sessions. */
export async function setUserPassword(
  db: Queryable,
  email: string,
  password?: string,
): Promise<{ user: User; generatedPassword: string | null }> {
  const generated = password === undefined ? generatePassword() : null;
  if (password !== undefined) checkPasswordStrength(password, email);
  const hash = await hashPassword(password ?? (generated as string));
  const user = await updateUser(db, email, 'password_hash = $2, password_changed_at = now()', [hash]);
  await endSessions(db, user.id);
  return { user, generatedPassword: generated };
}
