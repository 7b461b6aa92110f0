/**
 * Portal link tokens (pure). A token names a customer, a contact (0 = none), the instant it
 * was issued, the instant it expires and the id of the key that signed it, followed by an
 * HMAC-SHA256 over exactly those fields:
 *
 *   <customer>.<contact>.<issued, unix s>.<expires, unix s>.<key id>.<signature, base64url>
 *
 * The fields are readable on purpose: they are not secret, only unforgeable. The issue time
 * lets a customer's links be revoked ("everything issued before T"); the key id lets keys
 * rotate while older links still verify. Signatures are compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface PortalClaims {
  customerId: number;
  /** 0 when the link was issued for no particular contact */
  contactId: number;
  /** unix seconds */
  issuedAt: number;
  /** unix seconds; the link works while now < expiresAt */
  expiresAt: number;
  keyId: string;
}

export type TokenCheck =
  | { ok: true; claims: PortalClaims }
  /** not a token at all, an unknown key, or a signature that does not match */
  | { ok: false; reason: 'invalid' }
  /** genuine, but out of date or revoked: the customer is known and may ask for a new link */
  | { ok: false; reason: 'expired' | 'revoked'; claims: PortalClaims };

const TOKEN = /^(\d{1,15})\.(\d{1,15})\.(\d{1,12})\.(\d{1,12})\.([a-z0-9]{1,16})\.([A-Za-z0-9_-]{43})$/;

export const KEY_ID = /^[a-z0-9]{1,16}$/;

function signedText(c: PortalClaims): string {
  return `dunwell-portal-v1|${c.customerId}|${c.contactId}|${c.issuedAt}|${c.expiresAt}|${c.keyId}`;
}

function mac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

export function signToken(claims: PortalClaims, key: Buffer): string {
  if (!KEY_ID.test(claims.keyId)) throw new Error(`portal key id "${claims.keyId}" is not usable`);
  for (const n of [claims.customerId, claims.contactId, claims.issuedAt, claims.expiresAt]) {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error('portal token fields must be non-negative integers');
  }
  const sig = mac(key, signedText(claims)).toString('base64url');
  return `${claims.customerId}.${claims.contactId}.${claims.issuedAt}.${claims.expiresAt}.${claims.keyId}.${sig}`;
}

/** Reads the fields without checking anything (for messages only; never trust the result). */
export function parseToken(token: string): { claims: PortalClaims; signature: Buffer } | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const claims: PortalClaims = {
    customerId: Number(m[1]),
    contactId: Number(m[2]),
    issuedAt: Number(m[3]),
    expiresAt: Number(m[4]),
    keyId: m[5]!,
  };
  const signature = Buffer.from(m[6]!, 'base64url');
  // the last base64url character carries 2 spare bits: only the canonical spelling is accepted,
  // so one link has exactly one token
  if (signature.toString('base64url') !== m[6]) return null;
  return { claims, signature };
}

/**
 * Checks a token against the known keys at instant `nowSeconds`. `revokedBefore` is the
 * customer's revocation instant (unix seconds) or null. The signature is checked first, so
 * 'expired' and 'revoked' are only ever said of genuine tokens.
 */
export function checkToken(
  token: string,
  keys: ReadonlyMap<string, Buffer>,
  nowSeconds: number,
  revokedBefore: (customerId: number) => number | null,
): TokenCheck {
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: 'invalid' };
  const key = keys.get(parsed.claims.keyId);
  if (!key) return { ok: false, reason: 'invalid' };
  const expected = mac(key, signedText(parsed.claims));
  if (expected.length !== parsed.signature.length || !timingSafeEqual(expected, parsed.signature)) {
    return { ok: false, reason: 'invalid' };
  }
  const { claims } = parsed;
  const revoked = revokedBefore(claims.customerId);
  if (revoked !== null && claims.issuedAt < revoked) return { ok: false, reason: 'revoked', claims };
  if (nowSeconds >= claims.expiresAt) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/** A form token bound to one link token: forms of one link cannot be posted with another. */
export function csrfToken(linkToken: string, key: Buffer): string {
  return mac(key, `dunwell-portal-csrf|${linkToken}`).toString('base64url');
}

export function checkCsrf(linkToken: string, key: Buffer, given: unknown): boolean {
  if (typeof given !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(given)) return false;
  const expected = mac(key, `dunwell-portal-csrf|${linkToken}`);
  const actual = Buffer.from(given, 'base64url');
  if (actual.toString('base64url') !== given) return false;
  return actual.length === expected.length && timingSafeEqual(expected, actual);
}

/** The signing key of `keyId` derived from the configured secret (DUNWELL_SECRET_KEY). */
export function deriveKey(secretKey: string, keyId: string): Buffer {
  return mac(Buffer.from(secretKey, 'utf8'), `dunwell portal link key ${keyId}`);
}
