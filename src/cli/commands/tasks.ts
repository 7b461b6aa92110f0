import { UsageError, UserError } from '../../platform/errors.ts';
import { completeTask, listTasks, type TaskStatus } from '../../tasks/index.ts';
import { defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell tasks list [--status open|done] [--customer EXTERNAL_ID] [--json]
       dunwell tasks done ID [--json]

Collector tasks: calls to make, contacts to check, broken promises to chase.`;

export default defineCommand({
  summary: 'list and complete collector tasks',
  usage: USAGE,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === 'list') {
      const { values, positionals } = parseFlags(rest, {
        status: { type: 'string' },
        customer: { type: 'string' },
      });
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (values.status !== undefined && values.status !== 'open' && values.status !== 'done') {
        throw new UserError(`--status "${values.status}" is not open or done`);
      }
      const tasks = await listTasks(await ctx.db(), {
        status: values.status as TaskStatus | undefined,
        customerExternalId: values.customer,
      });
      if (ctx.json) {
        ctx.printJson(tasks);
        return 0;
      }
      if (tasks.length === 0) ctx.print('No tasks.');
      for (const t of tasks) {
        ctx.print(
          `${String(t.id).padStart(6)}  ${t.due}  ${t.status.padEnd(4)}  ${t.kind.padEnd(14)}  ${t.customer_external_id}  ${t.title}` +
            (t.invoices.length ? `  [${t.invoices.join(', ')}]` : ''),
        );
      }
      return 0;
    }
    if (sub === 'done') {
      const { positionals } = parseFlags(rest, {});
      if (positionals.length !== 1)
        throw new UsageError('tasks done needs one task ID, e.g. "dunwell tasks done 12"');
      const text = positionals[0]!;
      if (!/^\d+$/.test(text))
        throw new UserError(`task id "${text}" is not a number; see "dunwell tasks list"`);
      const task = await completeTask(await ctx.db(), { id: Number(text), actor: 'cli' });
      if (ctx.json) ctx.printJson(task);
      else ctx.print(`Task ${task.id} done: ${task.title}`);
      return 0;
    }
    throw new UsageError(sub ? `unknown tasks command "${sub}"; try "tasks list" or "tasks done ID"` : USAGE);
  },
});
