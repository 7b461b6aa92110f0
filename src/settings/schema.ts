/**
 * The workspace's settings (issue 7 item 7), section by section: what each field accepts
 * (pure zod schemas; a bad value is refused with the field's name), which deploy-time
 * setting (environment variable or config-file key, src/platform/config.ts) overrides it,
 * and which fields are secrets (write-only: the API answers `{ set: true }`, never the value).
 *
 * Every check here is also the check loadConfig applies to the same value from the
 * environment, so a value saved in the workspace can never be one the sender would refuse.
 */
import { z } from 'zod';
import { isValidTimeZone } from '../ledger/dates.ts';
import type { ConfigKey } from '../platform/config.ts';

export const SECTIONS = ['organisation', 'smtp', 'dkim', 'imap', 'portal', 'payments', 'campaigns'] as const;
export type Section = (typeof SECTIONS)[number];

/** The languages the workspace, the portal and the shipped templates speak. */
export const LANGUAGES = ['en', 'de', 'fr', 'es'] as const;

/** A logo is stored as a data: URL in organisation.logo_url; this bounds the decoded image. */
export const LOGO_MAX_BYTES = 200 * 1024;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[?[0-9a-f:.]{2,45}\]?$/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

/** One line of text: no CR, LF or other control characters (header-bound values). */
const oneLine = (max: number) =>
  z
    .string({ error: 'must be text' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((v) => !CONTROL.test(v), { error: 'must be one line (no line breaks or control characters)' })
    .transform((v) => v.trim());

const host = z
  .string({ error: 'must be a host name' })
  .trim()
  .toLowerCase()
  .refine((v) => HOSTNAME.test(v) || IPV4.test(v) || (v.includes(':') && IPV6.test(v)), {
    error: 'must be a host name or IP address such as smtp.example.com (no scheme, port or path)',
  });

const domain = z
  .string({ error: 'must be a domain name' })
  .trim()
  .toLowerCase()
  .refine((v) => DOMAIN.test(v), { error: 'must be a domain name such as example.com' });

const port = z
  .int({ error: 'must be a whole port number' })
  .min(1, { error: 'must be a port number from 1 to 65535' })
  .max(65535, { error: 'must be a port number from 1 to 65535' });

/** user names go into a URL (percent-encoded) and an AUTH command: one line, bounded */
const username = oneLine(200);
/** secrets: one line (they go into AUTH commands and URLs), bounded; never echoed in errors */
const secret = (max: number) =>
  z
    .string({ error: 'must be text' })
    .min(1, { error: 'must not be empty (send null to remove it)' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((v) => !CONTROL.test(v), { error: 'must be one line' });

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, { error: 'must be a colour such as #1f4e79' });

const httpUrl = z
  .string({ error: 'must be a URL' })
  .trim()
  .max(500, { error: 'must be at most 500 characters' })
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.search;
      } catch {
        return false;
      }
    },
    { error: 'must be an http:// or https:// address such as https://ar.example.com (no query)' },
  )
  .transform((v) => new URL(v).href.replace(/\/+$/, ''));

/** PNG or JPEG, as a data: URL whose bytes really are that image type, at most LOGO_MAX_BYTES. */
export function checkLogo(dataUrl: string): string | null {
  const m = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/]+={0,2})$/.exec(dataUrl);
  if (!m) return 'must be a PNG or JPEG image (a data:image/png;base64,… or data:image/jpeg;base64,… URL)';
  const bytes = Buffer.from(m[2] ?? '', 'base64');
  if (bytes.length > LOGO_MAX_BYTES) {
    return `is ${Math.ceil(bytes.length / 1024)} KiB; a logo may be at most ${LOGO_MAX_BYTES / 1024} KiB`;
  }
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (m[1] === 'png' ? !png : !jpeg) return `is not a ${m[1] === 'png' ? 'PNG' : 'JPEG'} image`;
  return null;
}

const logo = z.string().superRefine((v, ctx) => {
  const problem = checkLogo(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const PEM_KEY =
  /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PRIVATE KEY-----\s*$/;

/** What a PUT of each section accepts: every field optional (a partial update). */
export const SectionInput = {
  organisation: z.strictObject({
    name: oneLine(200)
      .refine((v) => v.trim() !== '', { error: 'must not be empty' })
      .optional(),
    address: z
      .string()
      .max(1000, { error: 'must be at most 1000 characters' })
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters (but LF) are what we refuse
      .refine((v) => !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(v), { error: 'must be plain text' })
      .optional(),
    logo: logo.nullable().optional(),
    language: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code such as EUR' })
      .optional(),
    time_zone: z
      .string()
      .refine((v) => v.length <= 64 && isValidTimeZone(v), {
        error: 'must be an IANA time zone such as Europe/Berlin',
      })
      .optional(),
    reply_domain: domain.nullable().optional(),
    primary_color: hexColour.nullable().optional(),
    accent_color: hexColour.nullable().optional(),
  }),
  smtp: z.strictObject({
    host: host.nullable().optional(),
    port: port.nullable().optional(),
    security: z.enum(['starttls', 'tls'], { error: 'must be starttls or tls' }).optional(),
    username: username.nullable().optional(),
    password: secret(500).nullable().optional(),
    from: oneLine(300).nullable().optional(),
    rate_limit_per_domain: z
      .int({ error: 'must be a whole number of messages per minute' })
      .min(0, { error: 'must be 0 (no limit) or more' })
      .max(999_999, { error: 'must be at most 999999' })
      .optional(),
  }),
  dkim: z.strictObject({
    domain: domain.nullable().optional(),
    selector: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, { error: 'must be a DKIM selector such as dunwell' })
      .nullable()
      .optional(),
    private_key: z
      .string()
      .max(20_000, { error: 'is too long for a DKIM key' })
      .regex(PEM_KEY, { error: 'must be a PEM private key (-----BEGIN PRIVATE KEY----- …)' })
      .nullable()
      .optional(),
  }),
  imap: z.strictObject({
    host: host.nullable().optional(),
    port: port.nullable().optional(),
    security: z.enum(['tls', 'starttls'], { error: 'must be tls or starttls' }).optional(),
    username: username.nullable().optional(),
    password: secret(500).nullable().optional(),
    mailbox: oneLine(200)
      .refine((v) => v !== '', { error: 'must not be empty' })
      .optional(),
  }),
  portal: z.strictObject({
    public_url: httpUrl.nullable().optional(),
    link_days: z
      .int({ error: 'must be a whole number of days' })
      .min(1, { error: 'must be 1 to 365 days' })
      .max(365, { error: 'must be 1 to 365 days' })
      .optional(),
    partial_payments: z.boolean({ error: 'must be true or false' }).optional(),
    promise_grace_days: z
      .int({ error: 'must be a whole number of days' })
      .min(0, { error: 'must be 0 to 30 days' })
      .max(30, { error: 'must be 0 to 30 days' })
      .optional(),
    dispute_reasons: z
      .array(
        oneLine(200).refine((v) => v !== '', { error: 'must not be empty' }),
        {
          error: 'must be a list of reasons',
        },
      )
      .max(20, { error: 'may list at most 20 reasons' })
      .nullable()
      .optional(),
  }),
  payments: z.strictObject({
    enabled: z.boolean({ error: 'must be true or false' }).optional(),
    stripe_secret_key: secret(300)
      .refine((v) => /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(v), {
        error: 'must be a Stripe secret key (sk_live_…, sk_test_… or a restricted rk_… key)',
      })
      .nullable()
      .optional(),
    stripe_webhook_secret: secret(300)
      .refine((v) => /^whsec_[A-Za-z0-9+/=]+$/.test(v), {
        error: 'must be a Stripe webhook signing secret (whsec_…)',
      })
      .nullable()
      .optional(),
    account_holder: oneLine(200).optional(),
    iban: oneLine(50).optional(),
    bic: oneLine(20).optional(),
    bank_name: oneLine(200).optional(),
  }),
  campaigns: z.strictObject({
    max_emails_per_customer_per_week: z
      .int({ error: 'must be a whole number of emails' })
      .min(1, { error: 'must be 1 to 50' })
      .max(50, { error: 'must be 1 to 50' })
      .optional(),
  }),
} as const satisfies Record<Section, z.ZodType>;

export type SectionPatch<S extends Section> = z.output<(typeof SectionInput)[S]>;

/** Fields that are secrets: write-only. */
export const SECRET_FIELDS: Record<Section, readonly string[]> = {
  organisation: [],
  smtp: ['password'],
  dkim: ['private_key'],
  imap: ['password'],
  portal: [],
  payments: ['stripe_secret_key', 'stripe_webhook_secret'],
  campaigns: [],
};

/**
 * Which deploy-time settings (src/platform/config.ts file keys, or a plain environment
 * variable) lock which fields. DUNWELL_SMTP_URL carries host, port, security and credentials
 * together, so it locks all of them; likewise the DKIM trio and DUNWELL_IMAP_URL.
 */
export const LOCKED_BY: Record<Section, Record<string, { config?: ConfigKey[]; env?: string[] }>> = {
  organisation: { reply_domain: { config: ['replyDomain'] } },
  smtp: {
    host: { config: ['smtpUrl'] },
    port: { config: ['smtpUrl'] },
    security: { config: ['smtpUrl'] },
    username: { config: ['smtpUrl'] },
    password: { config: ['smtpUrl'] },
    from: { config: ['mailFrom'] },
    rate_limit_per_domain: { config: ['smtpRateLimitPerDomain'] },
  },
  dkim: {
    domain: { config: ['dkimDomain', 'dkimSelector', 'dkimKeyFile'] },
    selector: { config: ['dkimDomain', 'dkimSelector', 'dkimKeyFile'] },
    private_key: { config: ['dkimDomain', 'dkimSelector', 'dkimKeyFile'] },
  },
  imap: Object.fromEntries(
    ['host', 'port', 'security', 'username', 'password', 'mailbox'].map((f) => [f, { config: ['imapUrl'] }]),
  ) as Record<string, { config: ConfigKey[] }>,
  portal: { public_url: { config: ['publicUrl'] } },
  payments: {
    enabled: { env: ['DUNWELL_STRIPE_SECRET_KEY', 'DUNWELL_STRIPE_WEBHOOK_SECRET'] },
    stripe_secret_key: { env: ['DUNWELL_STRIPE_SECRET_KEY', 'DUNWELL_STRIPE_WEBHOOK_SECRET'] },
    stripe_webhook_secret: { env: ['DUNWELL_STRIPE_SECRET_KEY', 'DUNWELL_STRIPE_WEBHOOK_SECRET'] },
  },
  campaigns: {},
};

/**
 * The fields of `section` set at deploy time, each with where (the environment variable or
 * the config file and key). `deploy` is deploySettingSources' answer; `env` the environment.
 */
export function lockedFields(
  section: Section,
  deploy: ReadonlyMap<ConfigKey, string>,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, rule] of Object.entries(LOCKED_BY[section])) {
    const fromConfig = rule.config?.map((k) => deploy.get(k)).find((s) => s !== undefined);
    const fromEnv = rule.env?.find((name) => (env[name] ?? '').trim() !== '');
    const source = fromConfig ?? fromEnv;
    if (source) out[field] = source;
  }
  return out;
}

/** smtp(s):// or imap(s):// URL from stored parts; credentials percent-encoded. */
export function serverUrl(
  scheme: 'smtp' | 'imap',
  parts: {
    host: string;
    port: number | null;
    tls: boolean;
    username: string | null;
    password: string | null;
    path?: string;
  },
): URL {
  const url = new URL(`${scheme}${parts.tls ? 's' : ''}://placeholder`);
  url.hostname = parts.host.includes(':') && !parts.host.startsWith('[') ? `[${parts.host}]` : parts.host;
  if (parts.port !== null) url.port = String(parts.port);
  if (parts.username) url.username = encodeURIComponent(parts.username);
  if (parts.password) url.password = encodeURIComponent(parts.password);
  if (parts.path) url.pathname = `/${encodeURIComponent(parts.path)}`;
  return url;
}
