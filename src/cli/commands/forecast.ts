import { forecastEngine, MAX_FORECAST_DAYS } from '../../campaigns/forecast.ts';
import { isCalendarDate } from '../../ledger/dates.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { UserError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

const DEFAULT_DAYS = 14;

const USAGE = `Usage: dunwell forecast [--from YYYY-MM-DD] [--days N] [--json]

What the engine would send on each day if nothing were paid and nothing else changed.
Day one is exactly what "dunwell run --dry-run" shows.

  --from YYYY-MM-DD   the first day (default: today in the organisation's time zone)
  --days N            how many days (default ${DEFAULT_DAYS}, at most ${MAX_FORECAST_DAYS})
  --json              [{"date", "messages": [outbox items], "tasks": [task items]}]`;

export default defineCommand({
  summary: 'what the engine would send on each coming day',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      from: { type: 'string' },
      days: { type: 'string' },
    });
    if (positionals.length > 0)
      throw new UserError(`unexpected argument "${positionals[0]}"; see "dunwell help forecast"`);
    if (values.from !== undefined && !isCalendarDate(values.from)) {
      throw new UserError(`--from "${values.from}" is not a date; write it as YYYY-MM-DD`);
    }
    let days = DEFAULT_DAYS;
    if (values.days !== undefined) {
      if (!/^\d+$/.test(values.days.trim())) {
        throw new UserError(
          `--days "${values.days}" is not a whole number of days (1 to ${MAX_FORECAST_DAYS})`,
        );
      }
      days = Number(values.days);
    }
    const result = await forecastEngine(await ctx.db(), {
      from: values.from,
      days,
      clock: clockFromEnv(ctx.env),
    });
    if (ctx.json) {
      ctx.printJson(result);
      return 0;
    }
    for (const day of result) {
      ctx.print(`${day.date}: ${day.messages.length} message(s), ${day.tasks.length} task(s)`);
      for (const m of day.messages) {
        ctx.print(
          `  message  ${m.customer_external_id}  ${m.campaign}/${m.step}  ${m.template}  [${m.invoices.join(', ')}]`,
        );
      }
      for (const t of day.tasks) ctx.print(`  task     ${t.customer_external_id}  ${t.kind}  ${t.title}`);
    }
    return 0;
  },
});
