import { organisationToday } from '../../campaigns/index.ts';
import { isCalendarDate } from '../../ledger/dates.ts';
import { pauseCustomer, resumeCustomer } from '../../ledger/pause.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell customers pause EXTERNAL_ID [--until YYYY-MM-DD] [--json]
       dunwell customers resume EXTERNAL_ID [--json]

  pause    stop all dunning for the customer (until resumed, or until the date)
  resume   restart dunning`;

export default defineCommand({
  summary: 'pause or resume dunning for a customer',
  usage: USAGE,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === 'pause') {
      const { values, positionals } = parseFlags(rest, { until: { type: 'string' } });
      if (positionals.length !== 1) throw new UsageError('customers pause needs one EXTERNAL_ID');
      if (values.until !== undefined && !isCalendarDate(values.until)) {
        throw new UserError(`--until "${values.until}" is not a date; write it as YYYY-MM-DD`);
      }
      const db = await ctx.db();
      const result = await pauseCustomer(db, {
        externalId: positionals[0]!,
        until: values.until ?? null,
        actor: 'cli',
        today: await organisationToday(db, clockFromEnv(ctx.env)),
      });
      if (ctx.json) ctx.printJson(result);
      else
        ctx.print(
          `Dunning paused for ${result.customer_external_id}${result.paused_until ? ` until ${result.paused_until}` : ' until resumed'}.`,
        );
      return 0;
    }
    if (sub === 'resume') {
      const { positionals } = parseFlags(rest, {});
      if (positionals.length !== 1) throw new UsageError('customers resume needs one EXTERNAL_ID');
      const result = await resumeCustomer(await ctx.db(), { externalId: positionals[0]!, actor: 'cli' });
      if (ctx.json) ctx.printJson(result);
      else ctx.print(`Dunning resumed for ${result.customer_external_id}.`);
      return 0;
    }
    throw new UsageError(sub ? `unknown customers command "${sub}"; try pause or resume` : USAGE);
  },
});
