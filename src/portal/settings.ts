/**
 * The organisation's portal settings, read from the organisation row:
 *
 * - `portal_branding`: `{"primary_color": "#1f4e79", "accent_color": "#…"}` (hex colours);
 * - `settings.bank`: `{"account_holder", "iban", "bic", "bank_name", "account_number",
 *   "routing_number"}` — shown as bank-transfer instructions (all optional strings);
 * - `settings.portal`: `{"partial_payments": bool (default true), "dispute_reasons":
 *   ["…"] (default: a translated list of five), "link_days": 1–365 (default 45),
 *   "upload_max_bytes": 1 KiB–10 MiB (default 5 MiB), "promise_grace_days": 0–30 (default 2)}`.
 *
 * `parsePortalSettings` is pure: bad values fall back to the defaults (a typo in a colour
 * must not take the portal down), and colours get a text colour with enough contrast.
 */
import { isValidTimeZone } from '../ledger/dates.ts';
import type { Queryable } from '../platform/db/index.ts';

export interface BankDetails {
  accountHolder: string;
  iban: string;
  bic: string;
  bankName: string;
  accountNumber: string;
  routingNumber: string;
}

export interface PortalSettings {
  organisationName: string;
  organisationAddress: string;
  /** an http(s) or data:image URL, or null */
  logoUrl: string | null;
  language: string;
  timeZone: string;
  primaryColor: string;
  /** black or white, whichever reads better on primaryColor */
  onPrimaryColor: string;
  accentColor: string;
  bank: BankDetails | null;
  /** free remittance text (the same the PDFs print) */
  remittance: string | null;
  partialPayments: boolean;
  /** null = the default translated list */
  disputeReasons: string[] | null;
  linkDays: number;
  uploadMaxBytes: number;
  promiseGraceDays: number;
}

export const DEFAULT_LINK_DAYS = 45;
export const DEFAULT_UPLOAD_MAX_BYTES = 5 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const HEX = /^#[0-9a-fA-F]{6}$/;

function channel(hex: string, at: number): number {
  const c = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of #rrggbb. */
export function luminance(hex: string): number {
  return 0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.trim().slice(0, 200) : '';
}

function intIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
    ? value
    : fallback;
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export type OrganisationRow = {
  name: string;
  address: string;
  logo_url: string | null;
  language: string;
  time_zone: string;
  portal_branding: unknown;
  settings: unknown;
};

export function parsePortalSettings(org: OrganisationRow): PortalSettings {
  const branding = obj(org.portal_branding);
  const settings = obj(org.settings);
  const portal = obj(settings.portal);
  const bankIn = obj(settings.bank);
  // a brand colour too light for white text on a white page still needs AA contrast (4.5:1)
  let primary = HEX.test(str(branding.primary_color)) ? str(branding.primary_color) : '#1f4e79';
  if (contrastRatio(primary, '#ffffff') < 4.5) primary = '#1f4e79';
  const accent = HEX.test(str(branding.accent_color)) ? str(branding.accent_color) : primary;
  const bank: BankDetails = {
    accountHolder: str(bankIn.account_holder),
    iban: str(bankIn.iban).replace(/\s+/g, ' '),
    bic: str(bankIn.bic),
    bankName: str(bankIn.bank_name),
    accountNumber: str(bankIn.account_number),
    routingNumber: str(bankIn.routing_number),
  };
  const reasons = Array.isArray(portal.dispute_reasons)
    ? portal.dispute_reasons.map(str).filter((r) => r.length > 0)
    : [];
  const logo = typeof org.logo_url === 'string' ? org.logo_url.trim() : '';
  return {
    organisationName: org.name,
    organisationAddress: org.address,
    logoUrl: /^(https?:\/\/|data:image\/(png|jpe?g|svg\+xml);base64,)/i.test(logo) ? logo : null,
    language: org.language,
    timeZone: isValidTimeZone(org.time_zone) ? org.time_zone : 'UTC',
    primaryColor: primary,
    onPrimaryColor:
      contrastRatio(primary, '#ffffff') >= contrastRatio(primary, '#000000') ? '#ffffff' : '#000000',
    accentColor: accent,
    bank: Object.values(bank).some((v) => v !== '') ? bank : null,
    remittance:
      typeof settings.remittance === 'string' && settings.remittance.trim()
        ? settings.remittance.trim()
        : null,
    partialPayments: typeof portal.partial_payments === 'boolean' ? portal.partial_payments : true,
    disputeReasons: reasons.length > 0 ? reasons : null,
    linkDays: intIn(portal.link_days, 1, 365, DEFAULT_LINK_DAYS),
    uploadMaxBytes: intIn(portal.upload_max_bytes, 1024, MAX_UPLOAD_BYTES, DEFAULT_UPLOAD_MAX_BYTES),
    promiseGraceDays: intIn(portal.promise_grace_days, 0, 30, 2),
  };
}

export async function loadPortalSettings(db: Queryable): Promise<PortalSettings> {
  const [org] = await db.query<OrganisationRow>(
    'SELECT name, address, logo_url, language, time_zone, portal_branding, settings FROM organisation WHERE id = 1',
  );
  if (!org) throw new Error('the organisation row is missing; run the migrations');
  return parsePortalSettings(org);
}
