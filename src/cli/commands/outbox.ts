import { isCalendarDate } from '../../ledger/dates.ts';
import { listOutbox, OUTBOX_STATUSES, type OutboxStatus } from '../../messages/outbox.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell outbox list [--status S] [--date YYYY-MM-DD] [--json]

Planned and sent messages, oldest first.

  --status S          ${OUTBOX_STATUSES.join(' | ')}
  --date YYYY-MM-DD   only messages planned for that day`;

export default defineCommand({
  summary: 'list planned and sent messages',
  usage: USAGE,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub !== 'list')
      throw new UsageError(sub ? `unknown outbox command "${sub}"; try "outbox list"` : USAGE);
    const { values, positionals } = parseFlags(rest, {
      status: { type: 'string' },
      date: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (values.status !== undefined && !(OUTBOX_STATUSES as readonly string[]).includes(values.status)) {
      throw new UserError(`--status "${values.status}" is not one of ${OUTBOX_STATUSES.join(', ')}`);
    }
    if (values.date !== undefined && !isCalendarDate(values.date)) {
      throw new UserError(`--date "${values.date}" is not a date; write it as YYYY-MM-DD`);
    }
    const items = await listOutbox(await ctx.db(), {
      status: values.status as OutboxStatus | undefined,
      plannedFor: values.date,
    });
    if (ctx.json) {
      ctx.printJson(items);
      return 0;
    }
    if (items.length === 0) ctx.print('The outbox is empty for this selection.');
    for (const m of items) {
      ctx.print(
        `${String(m.id).padStart(6)}  ${m.planned_for}  ${m.status.padEnd(9)}  ${m.customer_external_id}  ` +
          `${m.campaign}/${m.step}  ${m.template} (${m.language})  to ${m.to.join(', ') || '-'}  [${m.invoices.join(', ')}]`,
      );
    }
    return 0;
  },
});
