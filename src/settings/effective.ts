/**
 * The effective configuration: deploy-time settings (environment, then the config file; see
 * src/platform/config.ts) first, then what was saved in the workspace (the `settings` table),
 * then the defaults. `resolveConfig` is pure; `effectiveConfig` reads the table (one small
 * query), so the workers call it on every round and pick up a change without a restart.
 *
 * The sender reads a DKIM key from a file (DUNWELL_DKIM_KEY_FILE). A key saved in the
 * workspace is therefore written to a file of this process's own: a directory made with
 * mkdtemp (mode 0700) in the system's temporary directory, the key in a 0600 file named after
 * its hash, removed when the process exits.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigKey, type DunwellConfig, deploySettingSources, loadConfig } from '../platform/config.ts';
import type { Queryable } from '../platform/db/index.ts';
import { serverUrl } from './schema.ts';
import { processDeployContext, readSettingRows } from './store.ts';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
}

export interface EffectiveSettings {
  config: DunwellConfig;
  /** null = online payment off (bank transfer only) */
  stripe: StripeSettings | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Pure: the deploy-time `base` (loadConfig), overlaid with the saved `values` for every
 * setting not set at deploy time. `keyFile` turns a saved DKIM key into a file path.
 */
export function resolveConfig(
  base: DunwellConfig,
  deploy: ReadonlyMap<ConfigKey, string>,
  values: ReadonlyMap<string, unknown>,
  keyFile: (pem: string) => string,
): DunwellConfig {
  const fromDeploy = (...keys: ConfigKey[]) => keys.some((k) => deploy.has(k));
  const v = (key: string) => values.get(key);
  const config: DunwellConfig = { ...base };
  if (!fromDeploy('smtpUrl')) {
    const host = str(v('smtp.host'));
    const tls = v('smtp.security') === 'tls';
    config.smtp = host
      ? {
          url: serverUrl('smtp', {
            host,
            port: num(v('smtp.port')),
            tls,
            username: str(v('smtp.username')),
            password: str(v('smtp.password')),
          }),
          secure: tls,
        }
      : null;
  }
  if (!fromDeploy('mailFrom')) config.mailFrom = str(v('smtp.from'));
  if (!fromDeploy('smtpRateLimitPerDomain'))
    config.smtpRateLimitPerDomain = num(v('smtp.rate_limit_per_domain')) ?? 0;
  if (!fromDeploy('replyDomain')) config.replyDomain = str(v('organisation.reply_domain'));
  if (!fromDeploy('dkimDomain', 'dkimSelector', 'dkimKeyFile')) {
    const domain = str(v('dkim.domain'));
    const selector = str(v('dkim.selector'));
    const pem = str(v('dkim.private_key'));
    config.dkim = domain && selector && pem ? { domain, selector, keyFile: keyFile(pem) } : null;
  }
  if (!fromDeploy('imapUrl')) {
    const host = str(v('imap.host'));
    const username = str(v('imap.username'));
    config.imapUrl =
      host && username
        ? serverUrl('imap', {
            host,
            port: num(v('imap.port')),
            tls: v('imap.security') !== 'starttls',
            username,
            password: str(v('imap.password')),
            path: str(v('imap.mailbox')) ?? 'INBOX',
          })
        : null;
  }
  if (!fromDeploy('publicUrl')) {
    const saved = str(v('portal.public_url'));
    if (saved) config.publicUrl = saved;
  }
  return config;
}

/** Pure: Stripe from the environment when both keys are there, else the saved keys when turned on. */
export function resolveStripe(
  env: NodeJS.ProcessEnv,
  values: ReadonlyMap<string, unknown>,
): StripeSettings | null {
  const envKey = env.DUNWELL_STRIPE_SECRET_KEY?.trim();
  const envSecret = env.DUNWELL_STRIPE_WEBHOOK_SECRET?.trim();
  if (envKey || envSecret)
    return envKey && envSecret ? { secretKey: envKey, webhookSecret: envSecret } : null;
  if (values.get('payments.enabled') !== true) return null;
  const secretKey = str(values.get('payments.stripe_secret_key'));
  const webhookSecret = str(values.get('payments.stripe_webhook_secret'));
  return secretKey && webhookSecret ? { secretKey, webhookSecret } : null;
}

let keyDir: string | null = null;

/** Writes a saved DKIM key to this process's private key directory (once per key). */
export function dkimKeyFile(pem: string): string {
  if (!keyDir) {
    const dir = mkdtempSync(join(tmpdir(), 'dunwell-dkim-'));
    keyDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const file = join(keyDir, `${createHash('sha256').update(pem).digest('hex').slice(0, 24)}.pem`);
  if (!existsSync(file)) writeFileSync(file, pem, { mode: 0o600 });
  return file;
}

/** The configuration every part should use: deploy-time settings, then the workspace's, then defaults. */
export async function effectiveSettings(
  q: Queryable,
  deploy = processDeployContext(),
): Promise<EffectiveSettings> {
  const base = loadConfig(deploy.env, deploy.cwd);
  const sources = deploySettingSources(deploy.env, deploy.cwd);
  const values = await readSettingRows(q);
  return {
    config: resolveConfig(base, sources, values, dkimKeyFile),
    stripe: resolveStripe(deploy.env, values),
  };
}

export async function effectiveConfig(q: Queryable, deploy = processDeployContext()): Promise<DunwellConfig> {
  return (await effectiveSettings(q, deploy)).config;
}

/**
 * A digest of a configuration, so a worker can tell cheaply whether it changed since it built
 * its sender or poller. It covers secrets (a new password must reconnect) but is one-way.
 */
export function configFingerprint(config: DunwellConfig | readonly unknown[]): string {
  return createHash('sha256')
    .update(
      JSON.stringify(config, (_key, value: unknown) => (value instanceof URL ? value.href : value)),
      'utf8',
    )
    .digest('hex');
}
