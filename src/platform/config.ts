/**
 * Settings from the environment (PRODUCT §1 names) or a `dunwell.config.json|yaml` file in
 * the working directory (or the file `DUNWELL_CONFIG` names). The environment wins over the
 * file, key by key. Every value is checked here once, so a bad setting is one clear error
 * naming the setting and where it came from, not a failure deep inside the sender.
 *
 * Secrets (SMTP/IMAP passwords, the signing key, the DKIM key) live only in the returned
 * object; `describeConfig` is the one way to print it and masks them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from './errors.ts';

export interface SmtpSettings {
  url: URL;
  /** smtps:// = implicit TLS; smtp:// = STARTTLS when the server offers it */
  secure: boolean;
}

export interface DkimSettings {
  domain: string;
  selector: string;
  keyFile: string;
}

export interface DunwellConfig {
  /** base of portal links and document URLs, without a trailing slash */
  publicUrl: string;
  /** HMAC key for portal links and other signed tokens; null = not configured */
  secretKey: string | null;
  /** unset = the built-in mail catcher (PRODUCT §1) */
  smtp: SmtpSettings | null;
  /** the From header; null = "<organisation name>" <billing@DUNWELL_REPLY_DOMAIN|example.invalid> */
  mailFrom: string | null;
  /** the domain of per-message Reply-To addresses (`ar+<token>@domain`); null = no token Reply-To */
  replyDomain: string | null;
  /** local part before `+<token>` in Reply-To addresses (default `ar`) */
  replyLocalPart: string;
  dkim: DkimSettings | null;
  /** `imap://user:pass@host:143/INBOX`; null = no polling */
  imapUrl: URL | null;
  /** messages per minute per recipient domain (0 = unlimited) */
  smtpRateLimitPerDomain: number;
  /** let imported `pdf_url`s point at loopback and private networks (SSRF guard off; default false) */
  allowPrivatePdfUrls: boolean;
}

/** Keys accepted in the config file, with the environment variable that overrides each. */
const KEYS = {
  publicUrl: 'DUNWELL_PUBLIC_URL',
  secretKey: 'DUNWELL_SECRET_KEY',
  smtpUrl: 'DUNWELL_SMTP_URL',
  mailFrom: 'DUNWELL_MAIL_FROM',
  replyDomain: 'DUNWELL_REPLY_DOMAIN',
  replyLocalPart: 'DUNWELL_REPLY_LOCAL_PART',
  dkimDomain: 'DUNWELL_DKIM_DOMAIN',
  dkimSelector: 'DUNWELL_DKIM_SELECTOR',
  dkimKeyFile: 'DUNWELL_DKIM_KEY_FILE',
  imapUrl: 'DUNWELL_IMAP_URL',
  smtpRateLimitPerDomain: 'DUNWELL_SMTP_RATE_LIMIT_PER_DOMAIN',
  allowPrivatePdfUrls: 'DUNWELL_ALLOW_PRIVATE_PDF_URLS',
} as const;
export type ConfigKey = keyof typeof KEYS;
type Key = ConfigKey;

const FILE_NAMES = ['dunwell.config.json', 'dunwell.config.yaml', 'dunwell.config.yml'];

function readFile(
  env: NodeJS.ProcessEnv,
  cwd: string,
): { path: string; values: Record<string, unknown> } | null {
  const path = env.DUNWELL_CONFIG
    ? resolve(cwd, env.DUNWELL_CONFIG)
    : FILE_NAMES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate));
  if (!path) return null;
  if (!existsSync(path)) throw new UserError(`DUNWELL_CONFIG: ${path} does not exist`);
  let parsed: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UserError(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (parsed === null || parsed === undefined) return { path, values: {} };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError(`${path}: expected an object of settings at the top level`);
  }
  const values = parsed as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (!(key in KEYS)) {
      throw new UserError(`${path}: unknown setting "${key}" (known: ${Object.keys(KEYS).join(', ')})`);
    }
  }
  return { path, values };
}

/**
 * The file keys set at deploy time (environment or config file), each with where it came from:
 * the workspace's settings (src/settings) show these read-only and never override them.
 */
export function deploySettingSources(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Map<Key, string> {
  const file = readFile(env, cwd);
  const sources = new Map<Key, string>();
  for (const key of Object.keys(KEYS) as Key[]) {
    const fromFile = file?.values[key];
    if (key === 'publicUrl' && env.DUNWELL_PUBLIC_URL_IS_LISTENER === '1') continue;
    if (env[KEYS[key]] !== undefined && env[KEYS[key]] !== '') sources.set(key, KEYS[key]);
    else if (fromFile !== undefined && fromFile !== null && fromFile !== '')
      sources.set(key, `${file?.path}: ${key}`);
  }
  return sources;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): DunwellConfig {
  const file = readFile(env, cwd);
  /** the raw text of a setting and where it came from, for error messages */
  const get = (key: Key): { value: string; source: string } | null => {
    const fromEnv = env[KEYS[key]];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: KEYS[key] };
    const fromFile = file?.values[key];
    if (fromFile === undefined || fromFile === null || fromFile === '') return null;
    if (typeof fromFile !== 'string' && typeof fromFile !== 'number') {
      throw new UserError(`${file?.path}: setting "${key}" must be a string`);
    }
    return { value: String(fromFile), source: `${file?.path}: ${key}` };
  };
  const url = (key: Key, protocols: string[]): URL | null => {
    const setting = get(key);
    if (!setting) return null;
    let parsed: URL;
    try {
      parsed = new URL(setting.value);
    } catch {
      throw new UserError(`${setting.source} is not a URL (expected ${protocols.join(' or ')}…)`);
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, '://'))) {
      throw new UserError(
        `${setting.source} must start with ${protocols.join(' or ')} (got "${parsed.protocol}")`,
      );
    }
    return parsed;
  };
  const domain = (key: Key): string | null => {
    const setting = get(key);
    if (!setting) return null;
    const value = setting.value.trim().toLowerCase();
    if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(value)) {
      throw new UserError(`${setting.source} "${setting.value}" is not a domain name`);
    }
    return value;
  };

  const publicUrlSetting = get('publicUrl');
  let publicUrl = 'http://127.0.0.1:3000';
  if (publicUrlSetting) {
    const parsed = url('publicUrl', ['http://', 'https://']);
    publicUrl = (parsed?.href ?? publicUrl).replace(/\/+$/, '');
  }

  const smtpUrl = url('smtpUrl', ['smtp://', 'smtps://']);
  const dkimDomain = domain('dkimDomain');
  const dkimSelector = get('dkimSelector');
  const dkimKeyFile = get('dkimKeyFile');
  const dkimParts = [dkimDomain, dkimSelector, dkimKeyFile].filter((part) => part !== null).length;
  if (dkimParts !== 0 && dkimParts !== 3) {
    throw new UserError(
      'DKIM needs all three of DUNWELL_DKIM_DOMAIN, DUNWELL_DKIM_SELECTOR and DUNWELL_DKIM_KEY_FILE (or none)',
    );
  }
  if (dkimSelector && !/^[a-z0-9][a-z0-9._-]*$/i.test(dkimSelector.value)) {
    throw new UserError(`${dkimSelector.source} "${dkimSelector.value}" is not a DKIM selector`);
  }

  const localPart = get('replyLocalPart');
  if (localPart && !/^[a-z0-9][a-z0-9._-]{0,40}$/i.test(localPart.value)) {
    throw new UserError(`${localPart.source} "${localPart.value}" is not a plain mailbox name`);
  }
  const rate = get('smtpRateLimitPerDomain');
  if (rate && !/^\d{1,6}$/.test(rate.value)) {
    throw new UserError(`${rate.source} "${rate.value}" is not a whole number of messages per minute`);
  }
  const allowPrivate = get('allowPrivatePdfUrls');
  if (allowPrivate && !/^(true|false|1|0|yes|no)$/i.test(allowPrivate.value)) {
    throw new UserError(`${allowPrivate.source} "${allowPrivate.value}" is not true or false`);
  }
  const mailFrom = get('mailFrom');
  if (mailFrom && /[\r\n]/.test(mailFrom.value)) {
    throw new UserError(`${mailFrom.source} must be one line`);
  }

  return {
    publicUrl,
    secretKey: get('secretKey')?.value ?? null,
    smtp: smtpUrl ? { url: smtpUrl, secure: smtpUrl.protocol === 'smtps:' } : null,
    mailFrom: mailFrom?.value ?? null,
    replyDomain: domain('replyDomain'),
    replyLocalPart: localPart?.value ?? 'ar',
    dkim:
      dkimDomain && dkimSelector && dkimKeyFile
        ? { domain: dkimDomain, selector: dkimSelector.value, keyFile: resolve(cwd, dkimKeyFile.value) }
        : null,
    imapUrl: url('imapUrl', ['imap://', 'imaps://']),
    smtpRateLimitPerDomain: rate ? Number(rate.value) : 0,
    allowPrivatePdfUrls: allowPrivate ? /^(true|1|yes)$/i.test(allowPrivate.value) : false,
  };
}

/** A URL with its password replaced, for logs and `describeConfig`. */
export function maskUrl(url: URL | null): string | null {
  if (!url) return null;
  const copy = new URL(url.href);
  if (copy.password) copy.password = '****';
  return copy.href;
}

/** The configuration as it may be printed or logged: no secret in it. */
export function describeConfig(config: DunwellConfig): Record<string, unknown> {
  return {
    publicUrl: config.publicUrl,
    secretKey: config.secretKey ? '(set)' : null,
    smtp: config.smtp ? maskUrl(config.smtp.url) : '(built-in mail catcher)',
    mailFrom: config.mailFrom,
    replyDomain: config.replyDomain,
    replyLocalPart: config.replyLocalPart,
    dkim: config.dkim
      ? { domain: config.dkim.domain, selector: config.dkim.selector, keyFile: config.dkim.keyFile }
      : null,
    imap: maskUrl(config.imapUrl),
    smtpRateLimitPerDomain: config.smtpRateLimitPerDomain,
    allowPrivatePdfUrls: config.allowPrivatePdfUrls,
  };
}

/**
 * `serve` and `demo` without DUNWELL_PUBLIC_URL: links in mail point at the address this
 * process listens on (not the default port), so the demo's caught messages open its portal.
 * A fixed port only; an explicit setting (environment or file) always wins.
 */
export function defaultPublicUrlToListener(env: NodeJS.ProcessEnv, host: string, port: number): void {
  if (port === 0 || env.DUNWELL_PUBLIC_URL) return;
  if (loadConfig(env).publicUrl !== 'http://127.0.0.1:3000') return; // set in a config file
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  env.DUNWELL_PUBLIC_URL = `http://${shown}:${port}`;
  // a default, not a deploy-time choice: a public URL saved in the workspace still wins over it
  env.DUNWELL_PUBLIC_URL_IS_LISTENER = '1';
}
