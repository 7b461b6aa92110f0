import { createApiKey, listApiKeys, revokeApiKey } from '../../ledger/api-keys.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { UsageError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage:
  dunwell apikeys create NAME    create a key for the REST API (printed once; only its hash is stored)
  dunwell apikeys list           list keys (id, name, prefix, created, last used, revoked)
  dunwell apikeys revoke ID      revoke a key; requests with it get 401 from then on

Send a key as "Authorization: Bearer <key>" to /api/v1. --json prints machine-readable output.`;

export default defineCommand({
  summary: 'create, list and revoke API keys',
  usage: USAGE,
  async run(ctx) {
    const { positionals } = parseFlags(ctx.argv, {});
    const [action, arg, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${USAGE}`);
    switch (action) {
      case 'create': {
        if (!arg)
          throw new UsageError(
            `apikeys create needs a NAME that says who uses the key, e.g. erp-sync\n${USAGE}`,
          );
        const key = await createApiKey(await ctx.db(), arg);
        if (ctx.json) ctx.printJson(key);
        ctx.print(`Created API key ${key.id} "${key.name}":`);
        ctx.print('');
        ctx.print(`  ${key.key}`);
        ctx.print('');
        ctx.print('Store it now: it is shown only this once. Send it as "Authorization: Bearer <key>".');
        return 0;
      }
      case 'list': {
        if (arg) throw new UsageError(`apikeys list takes no argument\n${USAGE}`);
        const keys = await listApiKeys(await ctx.db());
        if (ctx.json) ctx.printJson(keys);
        if (keys.length === 0) ctx.print('No API keys yet; create one with "dunwell apikeys create NAME".');
        else {
          const rows = keys.map((k) => [
            String(k.id),
            k.name,
            `${k.prefix}…`,
            k.created_at.slice(0, 16).replace('T', ' '),
            k.last_used_at ? k.last_used_at.slice(0, 16).replace('T', ' ') : 'never',
            k.revoked_at ? `revoked ${k.revoked_at.slice(0, 10)}` : 'active',
          ]);
          const head = ['id', 'name', 'prefix', 'created (UTC)', 'last used', 'status'];
          const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
          for (const r of [head, ...rows])
            ctx.print(
              r
                .map((c, i) => c.padEnd(widths[i] ?? 0))
                .join('  ')
                .trimEnd(),
            );
        }
        return 0;
      }
      case 'revoke': {
        if (!arg || !/^\d+$/.test(arg)) {
          throw new UsageError(
            `apikeys revoke needs the key's numeric ID ("dunwell apikeys list" shows it)\n${USAGE}`,
          );
        }
        const key = await revokeApiKey(await ctx.db(), Number(arg), clockFromEnv(ctx.env).now());
        if (ctx.json) ctx.printJson(key);
        ctx.print(`Revoked API key ${key.id} "${key.name}" (${key.prefix}…); requests with it now get 401.`);
        return 0;
      }
      default:
        throw new UsageError(
          `${action ? `unknown apikeys action "${action}"` : 'apikeys needs an action'}\n${USAGE}`,
        );
    }
  },
});
