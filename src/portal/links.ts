/**
 * Signed portal links: issuing them (for messages and for "send me a new link") and checking
 * them on every portal request.
 */
import { loadConfig } from '../platform/config.ts';
import type { Queryable } from '../platform/db/index.ts';
import { type KeyRing, loadKeyRing, revokedBefore } from './keys.ts';
import { loadPortalSettings } from './settings.ts';
import { checkToken, type PortalClaims, parseToken, signToken, type TokenCheck } from './tokens.ts';

export interface LinkSettings {
  publicUrl: string;
  secretKey: string | null;
}

function linkSettings(settings?: LinkSettings): LinkSettings {
  if (settings) return settings;
  const config = loadConfig();
  return { publicUrl: config.publicUrl, secretKey: config.secretKey };
}

/** Issues a token for the customer and contact, valid until `expiresAt`. */
export async function portalToken(
  db: Queryable,
  input: { customerId: number; contactId?: number | null; expiresAt: Date; now?: Date },
  settings?: LinkSettings,
): Promise<string> {
  const { secretKey } = linkSettings(settings);
  const now = input.now ?? new Date();
  const ring = await loadKeyRing(db, secretKey, now);
  const claims: PortalClaims = {
    customerId: input.customerId,
    contactId: input.contactId ?? 0,
    issuedAt: Math.floor(now.getTime() / 1000),
    expiresAt: Math.floor(input.expiresAt.getTime() / 1000),
    keyId: ring.signingKeyId,
  };
  return signToken(claims, ring.keys.get(ring.signingKeyId)!);
}

/** `portalLink({customerId, contactId, expiresAt})` → `<public URL>/portal/<token>`. */
export async function portalLink(
  db: Queryable,
  input: { customerId: number; contactId?: number | null; expiresAt: Date; now?: Date },
  settings?: LinkSettings,
): Promise<string> {
  const resolved = linkSettings(settings);
  return `${resolved.publicUrl}/portal/${await portalToken(db, input, resolved)}`;
}

export interface MessageLinks {
  /** the portal home */
  portalUrl: string;
  /** the statement PDF */
  statementUrl: string;
  /** the PDF of one invoice of this customer */
  invoicePdfUrl(number: string): string;
  expiresAt: Date;
}

/**
 * The links the sender puts into a message (`portal_url`, `statement_url`, each invoice's
 * `pdf_url`): one token per message, valid for the organisation's `settings.portal.link_days`
 * (default 45) from `now`.
 */
export async function messagePortalLinks(
  db: Queryable,
  input: { customerId: number; contactId?: number | null; now: Date },
  settings?: LinkSettings,
): Promise<MessageLinks> {
  const resolved = linkSettings(settings);
  const { linkDays } = await loadPortalSettings(db);
  const expiresAt = new Date(input.now.getTime() + linkDays * 86_400_000);
  const base = `${resolved.publicUrl}/portal/${await portalToken(db, { ...input, expiresAt }, resolved)}`;
  return {
    portalUrl: base,
    statementUrl: `${base}/statement.pdf`,
    invoicePdfUrl: (number) => `${base}/invoices/${encodeURIComponent(number)}.pdf`,
    expiresAt,
  };
}

export interface VerifiedLink {
  check: TokenCheck;
  ring: KeyRing;
}

/** Checks a token at `now`: signature, key, customer revocation and expiry. */
export async function verifyPortalToken(
  db: Queryable,
  token: string,
  now: Date,
  settings?: LinkSettings,
): Promise<VerifiedLink> {
  const { secretKey } = linkSettings(settings);
  const ring = await loadKeyRing(db, secretKey, now);
  const parsed = parseToken(token);
  const revoked = parsed ? await revokedBefore(db, parsed.claims.customerId) : null;
  const check = checkToken(token, ring.keys, Math.floor(now.getTime() / 1000), () => revoked);
  return { check, ring };
}

/**
 * Signed links for a message or a preview addressed to a customer (by external id), in the
 * shape the template variables take (`loadVariableInput`'s `urls`). Undefined for an unknown
 * customer (the caller's own lookup reports it).
 */
export async function templateUrls(
  db: Queryable,
  input: { customerExternalId: string; contactId?: number | null; now: Date },
): Promise<{ portal: string; statement: string; invoicePdf: (number: string) => string } | undefined> {
  const [customer] = await db.query<{ id: number }>('SELECT id FROM customers WHERE external_id = $1', [
    input.customerExternalId,
  ]);
  if (!customer) return undefined;
  const links = await messagePortalLinks(db, {
    customerId: customer.id,
    contactId: input.contactId ?? null,
    now: input.now,
  });
  return { portal: links.portalUrl, statement: links.statementUrl, invoicePdf: links.invoicePdfUrl };
}
