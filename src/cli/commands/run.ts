import { runEngine } from '../../campaigns/run.ts';
import { isCalendarDate } from '../../ledger/dates.ts';
import { drainOutbox, senderTuning } from '../../messages/sender/index.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { UserError } from '../../platform/errors.ts';
import { effectiveConfig } from '../../settings/effective.ts';
import { defineCommand, parseFlags } from '../command.ts';
import { progressBar } from '../progress.ts';

const USAGE = `Usage: dunwell run [--date YYYY-MM-DD] [--dry-run] [--no-send] [--json]

Plans the day's messages and tasks for every customer (rules R1–R10) and writes them to the
outbox. Re-running a day changes nothing.

  --date YYYY-MM-DD   the local day to plan (default: today in the organisation's time zone)
  --dry-run           print what the run would do and write nothing
  --no-send           only plan; leave the messages in the outbox
  --json              print {"date", "messages", "tasks", "skipped", "cancelled"}`;

export default defineCommand({
  summary: 'plan (and send) the day’s messages and tasks',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      date: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'no-send': { type: 'boolean' },
    });
    if (positionals.length > 0)
      throw new UserError(`unexpected argument "${positionals[0]}"; see "dunwell help run"`);
    if (values.date !== undefined && !isCalendarDate(values.date)) {
      throw new UserError(`--date "${values.date}" is not a date; write it as YYYY-MM-DD`);
    }
    const dryRun = values['dry-run'] ?? false;
    const db = await ctx.db();
    const bar = progressBar(ctx.stderr, dryRun ? 'planning (dry run)' : 'planning', ctx.interactive);
    const result = await runEngine(db, {
      date: values.date,
      dryRun,
      actor: 'cli',
      clock: clockFromEnv(ctx.env),
      collect: dryRun && !ctx.json,
      onBatch: (done, total) => bar.tick(done, total),
    });
    bar.finish();
    if (result.detail.noCampaigns) {
      ctx.note(
        'no campaigns are applied, so nothing was planned; load some with "dunwell campaigns apply FILE"',
      );
    }
    // Then send what is due (the same drain as `dunwell send`); the JSON output stays the plan's.
    const sent =
      !dryRun && !values['no-send']
        ? await drainOutbox(db, {
            clock: clockFromEnv(ctx.env),
            // the settings saved in the workspace, under the environment's (docs/settings.md)
            config: await effectiveConfig(db, { env: ctx.env, cwd: process.cwd() }),
            actor: 'cli',
            ...senderTuning(ctx.env),
            log: (line) => ctx.note(line),
          })
        : null;
    const { date, messages, tasks, skipped, cancelled } = result;
    if (ctx.json) {
      ctx.printJson({ date, messages, tasks, skipped, cancelled });
      return 0;
    }
    const verb = dryRun ? 'Would plan' : 'Planned';
    ctx.print(
      `${verb} ${date}: ${messages} message(s), ${tasks} task(s); ${skipped} step(s) skipped, ` +
        `${cancelled} planned message(s) ${dryRun ? 'to cancel' : 'cancelled'} (paid); ` +
        `${result.detail.customers} customer(s)`,
    );
    for (const m of result.detail.outbox ?? []) {
      ctx.print(
        `  message  ${m.customer_external_id}  ${m.campaign}/${m.step}  ${m.template} (${m.language})  ` +
          `to ${m.to.join(', ')}${m.cc.length ? ` cc ${m.cc.join(', ')}` : ''}  [${m.invoices.join(', ')}]`,
      );
    }
    for (const t of result.detail.taskList ?? []) {
      ctx.print(`  task     ${t.customer_external_id}  ${t.kind}  ${t.title}  [${t.invoices.join(', ')}]`);
    }
    if (sent) {
      ctx.print(
        `Sent ${sent.sent} message(s); ${sent.failed} failed, ${sent.cancelled} cancelled (paid), ` +
          `${sent.retrying} to retry later, ${sent.unknown} unknown (see "dunwell send")`,
      );
    }
    return 0;
  },
});
