import { activePromiseGraceDays, organisationToday } from '../../campaigns/index.ts';
import { isCalendarDate } from '../../ledger/dates.ts';
import { openDispute, resolveDispute } from '../../ledger/disputes.ts';
import { createPromise } from '../../ledger/promises.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { UsageError, UserError } from '../../platform/errors.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell invoices dispute NUMBER --reason TEXT [--note TEXT] [--json]
       dunwell invoices resolve NUMBER [--note TEXT] [--json]
       dunwell invoices promise NUMBER --date YYYY-MM-DD [--amount X] [--json]

  dispute   open a dispute: nothing is sent for the invoice until it is resolved
  resolve   close the invoice's dispute; dunning resumes
  promise   record a promise to pay by --date (an amount in the invoice currency, default
            the whole balance); dunning waits until the date plus the grace days`;

function oneNumber(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new UsageError(`invoices ${sub} needs one invoice NUMBER`);
  return positionals[0]!;
}

export default defineCommand({
  summary: 'dispute, resolve or promise payment of an invoice',
  usage: USAGE,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === 'dispute') {
      const { values, positionals } = parseFlags(rest, {
        reason: { type: 'string' },
        note: { type: 'string' },
      });
      const number = oneNumber(positionals, sub);
      if (values.reason === undefined) throw new UsageError('invoices dispute needs --reason TEXT');
      const dispute = await openDispute(await ctx.db(), {
        number,
        reason: values.reason,
        note: values.note ?? null,
        actor: 'cli',
      });
      if (ctx.json) ctx.printJson(dispute);
      else
        ctx.print(
          `Invoice ${number} is disputed ("${dispute.reason}"); nothing is sent for it until resolved.`,
        );
      return 0;
    }
    if (sub === 'resolve') {
      const { values, positionals } = parseFlags(rest, { note: { type: 'string' } });
      const number = oneNumber(positionals, sub);
      const dispute = await resolveDispute(await ctx.db(), {
        number,
        actor: 'cli',
        resolution: values.note ?? null,
      });
      if (ctx.json) ctx.printJson(dispute);
      else ctx.print(`The dispute on invoice ${number} is resolved; dunning resumes.`);
      return 0;
    }
    if (sub === 'promise') {
      const { values, positionals } = parseFlags(rest, {
        date: { type: 'string' },
        amount: { type: 'string' },
      });
      const number = oneNumber(positionals, sub);
      if (values.date === undefined) throw new UsageError('invoices promise needs --date YYYY-MM-DD');
      if (!isCalendarDate(values.date)) {
        throw new UserError(`--date "${values.date}" is not a date; write it as YYYY-MM-DD`);
      }
      const db = await ctx.db();
      const promise = await createPromise(db, {
        number,
        promisedDate: values.date,
        amount: values.amount ?? null,
        actor: 'cli',
        today: await organisationToday(db, clockFromEnv(ctx.env)),
        graceDays: await activePromiseGraceDays(db),
      });
      if (ctx.json) ctx.printJson(promise);
      else
        ctx.print(
          `Promise recorded: invoice ${number}, ${promise.amount ?? 'the whole balance'}${promise.amount ? ` ${promise.currency}` : ''} ` +
            `by ${promise.promised_date}; dunning waits until ${promise.promised_through}.`,
        );
      return 0;
    }
    throw new UsageError(sub ? `unknown invoices command "${sub}"; try dispute, resolve or promise` : USAGE);
  },
});
