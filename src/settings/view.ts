/**
 * The settings as the API shows them (pure): the effective value of every field, which fields
 * were set at deploy time (read-only in the workspace, with where they came from), and for
 * secrets only `{ set: true|false }` — the value itself is never in the answer.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dkimDnsRecord } from '../messages/sender/dkim.ts';
import type { ConfigKey, DunwellConfig } from '../platform/config.ts';
import type { StripeSettings } from './effective.ts';
import { lockedFields, type Section } from './schema.ts';
import type { StoredSettings } from './store.ts';

export interface SecretState {
  set: boolean;
}

export interface DkimRecord {
  name: string;
  value: string;
  zone_line: string;
}

export interface SettingsView {
  organisation: {
    name: string;
    address: string;
    logo: string | null;
    language: string;
    currency: string;
    time_zone: string;
    reply_domain: string | null;
    primary_color: string | null;
    accent_color: string | null;
  };
  smtp: {
    transport: 'smtp' | 'catcher';
    host: string | null;
    port: number | null;
    security: 'starttls' | 'tls';
    username: string | null;
    password: SecretState;
    from: string | null;
    rate_limit_per_domain: number;
  };
  dkim: {
    domain: string | null;
    selector: string | null;
    private_key: SecretState;
    dns: DkimRecord | null;
  };
  imap: {
    host: string | null;
    port: number | null;
    security: 'tls' | 'starttls';
    username: string | null;
    password: SecretState;
    mailbox: string;
  };
  portal: {
    public_url: string;
    link_days: number;
    partial_payments: boolean;
    promise_grace_days: number;
    dispute_reasons: string[] | null;
  };
  payments: {
    enabled: boolean;
    stripe_secret_key: SecretState;
    stripe_webhook_secret: SecretState;
    account_holder: string;
    iban: string;
    bic: string;
    bank_name: string;
  };
  campaigns: {
    /** null when no campaign file was applied yet */
    max_emails_per_customer_per_week: number | null;
  };
}

export type SettingsAnswer = {
  [S in Section]: { values: SettingsView[S]; environment: Record<string, string> };
};

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const intIn = (v: unknown, min: number, max: number, fallback: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback;

/** The TXT record for a PEM private key (its public half), or null when the key does not parse. */
export function dkimRecordFor(selector: string, domain: string, pem: string): DkimRecord | null {
  try {
    const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
    const record = dkimDnsRecord(selector, domain, spki);
    return { name: record.name, value: record.value, zone_line: record.zoneLine };
  } catch {
    return null;
  }
}

function readKeyFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function settingsView(input: {
  stored: StoredSettings;
  /** the effective configuration (resolveConfig) */
  config: DunwellConfig;
  stripe: StripeSettings | null;
  deploy: ReadonlyMap<ConfigKey, string>;
  env: NodeJS.ProcessEnv;
}): SettingsAnswer {
  const { stored, config, stripe, deploy, env } = input;
  const v = (key: string) => stored.values.get(key);
  const org = stored.organisation;
  const branding = obj(org.portal_branding);
  const orgSettings = obj(org.settings);
  const portal = obj(orgSettings.portal);
  const bank = obj(orgSettings.bank);
  const locked = (section: Section) => lockedFields(section, deploy, env);

  const smtpFromDeploy = deploy.has('smtpUrl');
  const smtpUrl = config.smtp?.url ?? null;
  const imapFromDeploy = deploy.has('imapUrl');
  const imapUrl = config.imapUrl;
  const dkimFromDeploy = ['dkimDomain', 'dkimSelector', 'dkimKeyFile'].some((k) =>
    deploy.has(k as ConfigKey),
  );
  const dkimPem = dkimFromDeploy
    ? config.dkim
      ? readKeyFile(config.dkim.keyFile)
      : null
    : str(v('dkim.private_key'));
  const dkimDomain = dkimFromDeploy ? (config.dkim?.domain ?? null) : str(v('dkim.domain'));
  const dkimSelector = dkimFromDeploy ? (config.dkim?.selector ?? null) : str(v('dkim.selector'));
  const urlHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');
  const stripeFromEnv = Object.keys(locked('payments')).length > 0;
  const logo = str(org.logo_url);

  return {
    organisation: {
      values: {
        name: org.name,
        address: org.address,
        logo: logo && /^data:image\/(png|jpeg);base64,/.test(logo) ? logo : null,
        language: org.language,
        currency: org.default_currency.trim(),
        time_zone: org.time_zone,
        reply_domain: config.replyDomain,
        primary_color: str(branding.primary_color),
        accent_color: str(branding.accent_color),
      },
      environment: locked('organisation'),
    },
    smtp: {
      values: {
        transport: config.smtp ? 'smtp' : 'catcher',
        host: smtpFromDeploy ? (smtpUrl ? urlHost(smtpUrl) : null) : str(v('smtp.host')),
        port: smtpFromDeploy ? (smtpUrl?.port ? Number(smtpUrl.port) : null) : num(v('smtp.port')),
        security: smtpFromDeploy
          ? config.smtp?.secure
            ? 'tls'
            : 'starttls'
          : v('smtp.security') === 'tls'
            ? 'tls'
            : 'starttls',
        username: smtpFromDeploy
          ? smtpUrl?.username
            ? decodeURIComponent(smtpUrl.username)
            : null
          : str(v('smtp.username')),
        password: { set: smtpFromDeploy ? Boolean(smtpUrl?.password) : v('smtp.password') !== undefined },
        from: config.mailFrom,
        rate_limit_per_domain: config.smtpRateLimitPerDomain,
      },
      environment: locked('smtp'),
    },
    dkim: {
      values: {
        domain: dkimDomain,
        selector: dkimSelector,
        private_key: { set: dkimPem !== null },
        dns: dkimPem && dkimDomain && dkimSelector ? dkimRecordFor(dkimSelector, dkimDomain, dkimPem) : null,
      },
      environment: locked('dkim'),
    },
    imap: {
      values: {
        host: imapFromDeploy ? (imapUrl ? urlHost(imapUrl) : null) : str(v('imap.host')),
        port: imapFromDeploy ? (imapUrl?.port ? Number(imapUrl.port) : null) : num(v('imap.port')),
        security: imapFromDeploy
          ? imapUrl?.protocol === 'imap:'
            ? 'starttls'
            : 'tls'
          : v('imap.security') === 'starttls'
            ? 'starttls'
            : 'tls',
        username: imapFromDeploy
          ? imapUrl?.username
            ? decodeURIComponent(imapUrl.username)
            : null
          : str(v('imap.username')),
        password: { set: imapFromDeploy ? Boolean(imapUrl?.password) : v('imap.password') !== undefined },
        mailbox: imapFromDeploy
          ? decodeURIComponent(imapUrl?.pathname.replace(/^\/+/, '') ?? '') || 'INBOX'
          : (str(v('imap.mailbox')) ?? 'INBOX'),
      },
      environment: locked('imap'),
    },
    portal: {
      values: {
        public_url: config.publicUrl,
        link_days: intIn(portal.link_days, 1, 365, 45),
        partial_payments: typeof portal.partial_payments === 'boolean' ? portal.partial_payments : true,
        promise_grace_days: intIn(portal.promise_grace_days, 0, 30, 2),
        dispute_reasons: Array.isArray(portal.dispute_reasons)
          ? portal.dispute_reasons.filter((r): r is string => typeof r === 'string')
          : null,
      },
      environment: locked('portal'),
    },
    payments: {
      values: {
        enabled: stripe !== null,
        stripe_secret_key: {
          set: stripeFromEnv
            ? Boolean(env.DUNWELL_STRIPE_SECRET_KEY?.trim())
            : v('payments.stripe_secret_key') !== undefined,
        },
        stripe_webhook_secret: {
          set: stripeFromEnv
            ? Boolean(env.DUNWELL_STRIPE_WEBHOOK_SECRET?.trim())
            : v('payments.stripe_webhook_secret') !== undefined,
        },
        account_holder: str(bank.account_holder) ?? '',
        iban: str(bank.iban) ?? '',
        bic: str(bank.bic) ?? '',
        bank_name: str(bank.bank_name) ?? '',
      },
      environment: locked('payments'),
    },
    campaigns: {
      values: { max_emails_per_customer_per_week: stored.maxEmailsPerCustomerPerWeek },
      environment: {},
    },
  };
}
