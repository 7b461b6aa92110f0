import { drainOutbox, senderTuning } from '../../messages/sender/index.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { describeConfig, loadConfig } from '../../platform/config.ts';
import { UsageError } from '../../platform/errors.ts';
import { effectiveConfig } from '../../settings/index.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell send [--limit N] [--json]

Drains the outbox: sends every planned message whose day has come (in its customer's time
zone) and whose retry time has passed — through DUNWELL_SMTP_URL, or into the built-in mail
catcher when no SMTP server is configured (see them with GET /api/v1/messages). Messages an
interrupted sender left half-sent are marked "unknown" for a person to decide, never resent.

  --limit N   send at most N messages
  --json      print {"sent", "failed", "cancelled", "retrying", "unknown"}`;

export default defineCommand({
  summary: 'send what is due in the outbox (SMTP or the built-in mail catcher)',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, { limit: { type: 'string' } });
    if (positionals.length > 0)
      throw new UsageError(`send takes no arguments (got "${positionals[0]}")\n${USAGE}`);
    let limit: number | undefined;
    if (values.limit !== undefined) {
      if (!/^[1-9]\d{0,8}$/.test(values.limit))
        throw new UsageError(`--limit "${values.limit}" is not a whole number of messages (1 or more)`);
      limit = Number(values.limit);
    }
    loadConfig(ctx.env); // a bad deploy-time setting fails before the database is opened
    const db = await ctx.db();
    const config = await effectiveConfig(db, { env: ctx.env, cwd: process.cwd() });
    const counts = await drainOutbox(db, {
      clock: clockFromEnv(ctx.env),
      config,
      ...(limit !== undefined ? { limit } : {}),
      actor: 'cli',
      ...senderTuning(ctx.env),
      log: (line) => ctx.note(line),
    });
    if (ctx.json) {
      ctx.printJson(counts);
      return 0;
    }
    const via = config.smtp ? `via ${describeConfig(config).smtp}` : 'into the built-in mail catcher';
    ctx.print(
      `Sent ${counts.sent} message(s) ${via}; ${counts.failed} failed, ${counts.cancelled} cancelled (paid), ` +
        `${counts.retrying} to retry later, ${counts.unknown} unknown (interrupted earlier: check them)`,
    );
    return 0;
  },
});
