import { z } from 'zod';
import { isCalendarDate } from '../../ledger/dates.ts';
import { snapshotCache } from '../../reports/cache.ts';
import { campaignReport } from '../../reports/campaigns.ts';
import { agingReport, DEFAULT_PERIOD_DAYS, metricsReport } from '../../reports/index.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, ErrorBody, Money } from '../schemas.ts';

const AsOf = CalendarDateSchema.refine(isCalendarDate, { error: 'must be a date from 1900 to 2999' })
  .optional()
  .meta({ description: 'The day the report is as of (default: today in the organisation’s time zone)' });

const PeriodDays = z.coerce
  .number({ error: 'must be a positive whole number of days' })
  .int({ error: 'must be a positive whole number of days' })
  .min(1, { error: 'must be at least 1' })
  .default(DEFAULT_PERIOD_DAYS)
  .meta({
    description: `Days of the period ending with as_of, for sales-based metrics (default ${DEFAULT_PERIOD_DAYS})`,
  });

const AgingAmounts = z.object({
  current: Money,
  '1-30': Money,
  '31-60': Money,
  '61-90': Money,
  '91+': Money,
  total: Money,
});

const AgingReportSchema = z
  .object({
    as_of: CalendarDateSchema,
    currencies: z.record(z.string(), AgingAmounts).meta({ description: 'Per ISO 4217 currency code' }),
  })
  .meta({ id: 'AgingReport', description: 'Open receivables by days past due (as-of date − due date)' });

const figure = (description: string) => z.number().nullable().meta({ description });

const CurrencyMetrics = z.object({
  ar: Money.meta({ description: 'AR: open balance at the end of as_of of invoices issued by then' }),
  current_ar: Money.meta({ description: 'The part of AR not yet past due (due_date ≥ as_of)' }),
  beginning_ar: Money.meta({ description: 'AR as of as_of − period_days' }),
  credit_sales: Money.meta({ description: 'Invoices issued in (as_of − period_days, as_of]' }),
  dso: figure('AR / credit sales × period_days; null without credit sales'),
  countback_dso: figure('Days of sales, newest calendar month first, that add up to AR (at most 24 months)'),
  best_possible_dso: figure('current AR / credit sales × period_days; null without credit sales'),
  add: figure('Average days delinquent: DSO − best possible DSO'),
  cei: figure(
    'Collection effectiveness index, percent: (beginning AR + credit sales − AR) / ' +
      '(beginning AR + credit sales − current AR) × 100; null when the denominator is 0',
  ),
  avg_days_to_pay: figure(
    'Amount-weighted mean of closing date − issue date over invoices closed in the period',
  ),
  avg_days_late: figure('Amount-weighted mean of max(0, closing date − due date), same invoices'),
});

const MetricsReportSchema = z
  .object({
    as_of: CalendarDateSchema,
    period_days: z.number().int(),
    currencies: z.record(z.string(), CurrencyMetrics).meta({ description: 'Per ISO 4217 currency code' }),
  })
  .meta({ id: 'MetricsReport', description: 'AR metrics (numbers are not rounded)' });

const CurrencyShares = z.object({
  listed_7d: Money,
  paid_7d: Money,
  paid_7d_share: z.number().nullable(),
  listed_30d: Money,
  paid_30d: Money,
  paid_30d_share: z.number().nullable(),
});

const CampaignStepSchema = z
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

const AbStepSchema = z
  .object({
    campaign: z.string(),
    step: z.string(),
    arms: z.array(
      z.object({
        arm: z.enum(['a', 'b']),
        customers: z.number().int(),
        invoices: z.number().int(),
        matured_7d: z.number().int(),
        paid_7d: z.number().int(),
        paid_7d_percent: z.number().nullable(),
        matured_30d: z.number().int(),
        paid_30d: z.number().int(),
        paid_30d_percent: z.number().nullable(),
      }),
    ),
  })
  .meta({
    id: 'CampaignAbStep',
    description: 'An A/B step: per arm, invoices messaged and paid (docs/campaigns.md)',
  });

export default async function reports(app: ApiApp, deps: AppDeps): Promise<void> {
  // each document computed once per revision of what it reads (src/reports/cache.ts)
  const cache = snapshotCache(deps.db);
  app.get(
    '/api/v1/reports/aging',
    {
      schema: {
        tags: ['reports'],
        summary: 'Aging of receivables',
        description:
          'Open balance per currency at the end of as_of, bucketed by days past due: current (due ' +
          'as_of or later), 1-30, 31-60, 61-90, 91+. Payments and credits count from their own dates. ' +
          'Same document as `dunwell report aging --json`.',
        querystring: z.object({ as_of: AsOf }),
        response: { 200: AgingReportSchema, 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const asOf = request.query.as_of ?? (await deps.today());
      return cache.get(`aging ${asOf}`, ['ledger'], () => agingReport(deps.db, { asOf }));
    },
  );

  app.get(
    '/api/v1/reports/metrics',
    {
      schema: {
        tags: ['reports'],
        summary: 'AR metrics',
        description:
          'DSO, countback DSO, best possible DSO, ADD, CEI and average days to pay and late, per ' +
          'currency, as of as_of over the period_days ending with it. Same document as ' +
          '`dunwell report metrics --json`.',
        querystring: z.object({ as_of: AsOf, period_days: PeriodDays }),
        response: { 200: MetricsReportSchema, 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const asOf = request.query.as_of ?? (await deps.today());
      const periodDays = request.query.period_days;
      return cache.get(`metrics ${asOf} ${periodDays}`, ['ledger'], () =>
        metricsReport(deps.db, { asOf, periodDays }),
      );
    },
  );

  app.get(
    '/api/v1/reports/campaigns',
    {
      schema: {
        tags: ['reports'],
        summary: 'Campaign effectiveness',
        description:
          'Per campaign step: messages sent in the period ending with as_of, the share that bounced and that ' +
          'got a reply, and the share of the balance they listed that was paid within 7 and 30 days of sending ' +
          '(only messages whose window has ended count; the sample sizes are given). Amounts per currency. ' +
          'Same document as `dunwell report campaigns --json`.',
        querystring: z.object({ as_of: AsOf, period_days: PeriodDays }),
        response: {
          200: z.object({
            as_of: CalendarDateSchema,
            period_days: z.number().int(),
            steps: z.array(CampaignStepSchema),
            ab_tests: z.array(AbStepSchema),
          }),
          400: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      const asOf = request.query.as_of ?? (await deps.today());
      const periodDays = request.query.period_days;
      return cache.get(`campaigns ${asOf} ${periodDays}`, ['ledger', 'activity'], () =>
        campaignReport(deps.db, { asOf, periodDays }),
      );
    },
  );
}
