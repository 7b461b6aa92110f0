import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dkimDnsRecord, generateDkimKey } from '../../messages/sender/index.ts';
import { loadConfig } from '../../platform/config.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell dkim generate [--selector S] [--domain D] [--out FILE] [--json]

Creates an RSA 2048 DKIM key pair: writes the private key to FILE (mode 0600; default
dkim-<selector>.pem, never overwritten) and prints the DNS TXT record to publish.

  --selector S   the DKIM selector (default: $DUNWELL_DKIM_SELECTOR, else "dunwell")
  --domain D     the signing domain (default: $DUNWELL_DKIM_DOMAIN, else $DUNWELL_REPLY_DOMAIN)
  --out FILE     where to write the private key

Then set DUNWELL_DKIM_DOMAIN=D, DUNWELL_DKIM_SELECTOR=S and DUNWELL_DKIM_KEY_FILE=FILE.`;

export default defineCommand({
  summary: 'generate a DKIM key pair and print its DNS TXT record',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      selector: { type: 'string' },
      domain: { type: 'string' },
      out: { type: 'string' },
    });
    const [action, ...extra] = positionals;
    if (action !== 'generate') throw new UsageError(`dkim needs "generate"\n${USAGE}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${USAGE}`);
    let configured: ReturnType<typeof loadConfig> | null = null;
    try {
      configured = loadConfig(ctx.env);
    } catch {
      // an incomplete DKIM setting is why one runs this command: fall back to the flags
    }
    const selector = values.selector ?? ctx.env.DUNWELL_DKIM_SELECTOR ?? 'dunwell';
    if (!/^[a-z0-9][a-z0-9._-]{0,62}$/i.test(selector))
      throw new UsageError(`--selector "${selector}" is not a DKIM selector (letters, digits, . _ -)`);
    const domain = (
      values.domain ??
      ctx.env.DUNWELL_DKIM_DOMAIN ??
      configured?.dkim?.domain ??
      configured?.replyDomain ??
      ''
    ).toLowerCase();
    if (!domain) throw new UsageError('dkim generate needs --domain D (the domain your From addresses use)');
    if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain))
      throw new UsageError(`--domain "${domain}" is not a domain name`);
    const out = resolve(values.out ?? `dkim-${selector}.pem`);
    if (existsSync(out))
      throw new UserError(`${out} already exists; not overwriting a key (pick another --out)`);
    const key = generateDkimKey();
    writeFileSync(out, key.privateKeyPem, { mode: 0o600, flag: 'wx' });
    const record = dkimDnsRecord(selector, domain, key.publicKeyBase64);
    if (ctx.json) {
      ctx.printJson({ selector, domain, key_file: out, dns_name: record.name, dns_value: record.value });
      return 0;
    }
    ctx.note(`Wrote the private key to ${out} (mode 0600). Publish this DNS record:`);
    ctx.print(record.zoneLine);
    ctx.note(
      `Then set DUNWELL_DKIM_DOMAIN=${domain} DUNWELL_DKIM_SELECTOR=${selector} DUNWELL_DKIM_KEY_FILE=${out}`,
    );
    return 0;
  },
});
