/** GET /api/v1/reports/campaigns: campaign effectiveness (PRODUCT §7), as `dunwell report campaigns --json`. */
import { z } from 'zod';
import { UserError } from '../../platform/errors.ts';
import { campaignReport } from '../../reports/campaigns.ts';
import { DEFAULT_PERIOD_DAYS, periodDaysProblem } from '../../reports/index.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody, Money } from '../schemas.ts';

const CurrencyShares = z.object({
  listed_7d: Money,
  paid_7d: Money,
  paid_7d_share: z.number().nullable(),
  listed_30d: Money,
  paid_30d: Money,
  paid_30d_share: z.number().nullable(),
});

const StepSchema = z
  .object({
    campaign: z.string(),
    step: z.string(),
    sent: z.number().int(),
    bounced: z.number().int(),
    replied: z.number().int(),
    bounce_rate: z.number().nullable().meta({ description: 'Percent of sent' }),
    reply_rate: z.number().nullable().meta({ description: 'Percent of sent' }),
    matured_7d: z.number().int().meta({ description: 'Messages whose 7-day window ended by as_of' }),
    matured_30d: z.number().int().meta({ description: 'Messages whose 30-day window ended by as_of' }),
    currencies: z.record(z.string(), CurrencyShares),
  })
  .meta({ id: 'CampaignStepEffectiveness' });

export default async function campaignReportRoute(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/reports/campaigns',
    {
      schema: {
        tags: ['reports'],
        summary: 'Campaign effectiveness',
        description:
          'Per campaign step: messages sent in the period ending with as_of, the share that bounced and that ' +
          'got a reply, and the share of the balance they listed that was paid within 7 and 30 days of sending ' +
          '(only messages whose window has ended count; the sample sizes are given). Amounts per currency.',
        querystring: z.object({
          as_of: CalendarDateSchema.optional(),
          period_days: z.coerce.number().int().min(1).max(3660).default(DEFAULT_PERIOD_DAYS),
        }),
        response: {
          200: z.object({
            as_of: CalendarDateSchema,
            period_days: z.number().int(),
            steps: z.array(StepSchema),
          }),
          400: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      const asOf = request.query.as_of ?? (await deps.today());
      const problem = periodDaysProblem(asOf, request.query.period_days);
      if (problem) throw new UserError(`period_days ${request.query.period_days} ${problem}`);
      return campaignReport(deps.db, { asOf, periodDays: request.query.period_days });
    },
  );
}
