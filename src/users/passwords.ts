/**
 * Password hashing with scrypt (node:crypto; RFC 7914), parameters stored with each hash so
 * they can be raised later without invalidating old hashes:
 * `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>`.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { UserError } from '../platform/errors.ts';

const LOG2_N = 15; // N = 32768: ~50 ms and 32 MB per hash on this class of machine
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 12;

function derive(password: string, salt: Buffer, log2n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { N: 2 ** log2n, r, p, maxmem: 256 * 2 ** log2n * r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** Refuses passwords a person should not use; the message says what is wrong. */
export function checkPasswordStrength(password: string, email = ''): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new UserError(`the password is too short: use at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > 1024) throw new UserError('the password is too long (at most 1024 characters)');
  if (email && password.toLowerCase().includes(email.split('@')[0]?.toLowerCase() || '\u0000')) {
    throw new UserError('the password must not contain the email address');
  }
  if (new Set(password).size < 5) throw new UserError('the password repeats too few different characters');
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LOG2_N, R, P);
  return ['scrypt', LOG2_N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` matches `stored`; constant time in the comparison. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [log2n, r, p] = parts.slice(1, 4).map(Number);
  if (!log2n || !r || !p || log2n > 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  const actual = await derive(password, salt, log2n, r, p);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A hash of a random password: verifying against it costs the same as a real one. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64url'));
  return decoy;
}

/** A random password for `users add` when none is given: 20 characters, ~119 bits. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
