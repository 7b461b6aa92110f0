import { z } from 'zod';
import { forecastEngine, MAX_FORECAST_DAYS } from '../../campaigns/forecast.ts';
import { listRuns, runEngine } from '../../campaigns/run.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody, Instant } from '../schemas.ts';
import { OutboxItemSchema } from './outbox.ts';
import { TaskItemSchema } from './tasks.ts';

const RunObject = z
  .object({
    date: CalendarDateSchema,
    messages: z.number().int(),
    tasks: z.number().int(),
    skipped: z.number().int(),
    cancelled: z.number().int(),
  })
  .meta({ id: 'RunResult', description: 'The same object as `dunwell run --json`' });

export default async function runs(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/runs',
    {
      schema: {
        tags: ['engine'],
        summary: 'Engine runs, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: {
          200: z.array(
            z.object({
              id: z.number().int(),
              date: CalendarDateSchema,
              actor: z.string(),
              status: z.string(),
              started_at: Instant,
              finished_at: Instant.nullable(),
              messages: z.number().int(),
              tasks: z.number().int(),
              skipped: z.number().int(),
              cancelled: z.number().int(),
            }),
          ),
          400: ErrorBody,
        },
      },
    },
    async (request) => listRuns(deps.db, request.query.limit),
  );

  app.post(
    '/api/v1/runs',
    {
      schema: {
        tags: ['engine'],
        summary: 'Run the engine for a day',
        description:
          'Plans the day’s messages and tasks (as `dunwell run --no-send`). Re-running a day changes nothing; ' +
          'with dry_run nothing is written and the planned messages and tasks are returned.',
        body: z
          .object({
            date: CalendarDateSchema.optional().meta({
              description: 'Default: today in the organisation’s time zone',
            }),
            dry_run: z.boolean().optional(),
          })
          .default({}),
        response: {
          200: RunObject.extend({
            outbox: z.array(OutboxItemSchema).optional(),
            tasks_planned: z.array(TaskItemSchema).optional(),
          }),
          400: ErrorBody,
        },
      },
    },
    async (request) => {
      const dryRun = request.body.dry_run ?? false;
      const r = await runEngine(deps.db, {
        date: request.body.date,
        dryRun,
        actor: request.actor,
        clock: deps.clock,
        collect: dryRun,
      });
      return {
        date: r.date,
        messages: r.messages,
        tasks: r.tasks,
        skipped: r.skipped,
        cancelled: r.cancelled,
        ...(dryRun ? { outbox: r.detail.outbox, tasks_planned: r.detail.taskList } : {}),
      };
    },
  );

  app.get(
    '/api/v1/forecast',
    {
      schema: {
        tags: ['engine'],
        summary: 'What the engine would send on each coming day',
        description: 'As `dunwell forecast --json`: assumes nothing is paid; day one equals a dry run.',
        querystring: z.object({
          from: CalendarDateSchema.optional(),
          days: z.coerce.number().int().min(1).max(MAX_FORECAST_DAYS).default(14),
        }),
        response: {
          200: z.array(
            z.object({
              date: CalendarDateSchema,
              messages: z.array(OutboxItemSchema),
              tasks: z.array(TaskItemSchema),
            }),
          ),
          400: ErrorBody,
        },
      },
    },
    async (request) =>
      forecastEngine(deps.db, { from: request.query.from, days: request.query.days, clock: deps.clock }),
  );
}
