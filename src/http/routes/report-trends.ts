import { z } from 'zod';
import { isCalendarDate } from '../../ledger/dates.ts';
import { snapshotCache } from '../../reports/cache.ts';
import {
  activityReport,
  cashReport,
  DRILL_BUCKETS,
  drillInvoices,
  drillMessages,
  drillPayments,
  trendReport,
} from '../../reports/dashboard.ts';
import { DEFAULT_PERIOD_DAYS } from '../../reports/index.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CalendarDateSchema, CurrencyCode, ErrorBody, Instant, Money, PageQuery } from '../schemas.ts';

const AsOf = CalendarDateSchema.refine(isCalendarDate, { error: 'must be a date from 1900 to 2999' })
  .optional()
  .meta({ description: 'The day the report is as of (default: today in the organisation’s time zone)' });

const PeriodDays = z.coerce
  .number({ error: 'must be a positive whole number of days' })
  .int({ error: 'must be a positive whole number of days' })
  .min(1, { error: 'must be at least 1' })
  .default(DEFAULT_PERIOD_DAYS);

const Day = CalendarDateSchema.refine(isCalendarDate, { error: 'must be a date from 1900 to 2999' });

const TrendPointSchema = z.object({
  as_of: CalendarDateSchema,
  ar: Money,
  current_ar: Money,
  beginning_ar: Money,
  credit_sales: Money,
  dso: z.number().nullable(),
  countback_dso: z.number(),
  best_possible_dso: z.number().nullable(),
  add: z.number().nullable(),
  cei: z.number().nullable(),
});

const drillPage = <T extends z.ZodType>(item: T) =>
  z.object({
    total: Money.meta({ description: 'The number drilled into: the sum of every item (all pages)' }),
    count: z.number().int(),
    items: z.array(item),
    next_cursor: z.string().nullable(),
  });

const errors = { 400: ErrorBody, 422: ErrorBody };

/** The dashboard's reports: the 12-month trend, cash per week, message activity and the drill-downs. */
export default async function reportTrends(app: ApiApp, deps: AppDeps): Promise<void> {
  const trendCache = snapshotCache(deps.db);
  app.get(
    '/api/v1/reports/trend',
    {
      schema: {
        tags: ['reports'],
        summary: 'Metrics trend over 12 months',
        description:
          'DSO, countback DSO, best possible DSO, ADD and CEI per currency at the end of each of the 11 months ' +
          'before as_of’s month and at as_of: each point equals `report metrics` as of that day with the same ' +
          'period_days. Null where the currency had no AR and no sales.',
        querystring: z.object({ as_of: AsOf, period_days: PeriodDays }),
        response: {
          200: z
            .object({
              as_of: CalendarDateSchema,
              period_days: z.number().int(),
              points: z.array(CalendarDateSchema),
              currencies: z.record(z.string(), z.array(TrendPointSchema.nullable())),
            })
            .meta({ id: 'MetricsTrend' }),
          ...errors,
        },
      },
    },
    async (request) => {
      const asOf = request.query.as_of ?? (await deps.today());
      const periodDays = request.query.period_days;
      // once per revision of the ledger (src/reports/cache.ts): it reads invoices and applications
      return trendCache.get(`trend ${asOf} ${periodDays}`, ['ledger'], () =>
        trendReport(deps.db, { asOf, periodDays }),
      );
    },
  );

  app.get(
    '/api/v1/reports/cash',
    {
      schema: {
        tags: ['reports'],
        summary: 'Cash collected per week',
        description:
          'Payments received (by their date) per currency in the 13 calendar weeks (Monday–Sunday) ending with ' +
          'as_of’s week; the current week counts up to as_of.',
        querystring: z.object({ as_of: AsOf }),
        response: {
          200: z
            .object({
              as_of: CalendarDateSchema,
              weeks: z.array(
                z.object({
                  week_start: CalendarDateSchema,
                  week_end: CalendarDateSchema,
                  amounts: z.record(z.string(), Money),
                  payments: z.number().int(),
                }),
              ),
              totals: z.record(z.string(), Money),
            })
            .meta({ id: 'CashCollected' }),
          ...errors,
        },
      },
    },
    async (request) => cashReport(deps.db, { asOf: request.query.as_of ?? (await deps.today()) }),
  );

  app.get(
    '/api/v1/reports/activity',
    {
      schema: {
        tags: ['reports'],
        summary: 'Messages sent, bounced and replied (30 days)',
        description:
          'Messages sent in the 30 days ending with as_of (organisation time zone), and how many of them got a ' +
          'bounce or a human reply threaded to them.',
        querystring: z.object({ as_of: AsOf }),
        response: {
          200: z
            .object({
              as_of: CalendarDateSchema,
              from: CalendarDateSchema,
              sent: z.number().int(),
              bounced: z.number().int(),
              replied: z.number().int(),
            })
            .meta({ id: 'MessageActivity' }),
          ...errors,
        },
      },
    },
    async (request) => activityReport(deps.db, { asOf: request.query.as_of ?? (await deps.today()) }),
  );

  app.get(
    '/api/v1/reports/drilldown/invoices',
    {
      schema: {
        tags: ['reports'],
        summary: 'The invoices behind an AR figure',
        description:
          'The invoices of one currency open at the end of as_of in an aging bucket (total, current, overdue, ' +
          '1-30, 31-60, 61-90, 91+), each with its open amount as of that day; `total` equals the aging report’s ' +
          'figure and is the sum of every item. Ordered by due date; cursor pagination.',
        querystring: z.object({
          as_of: AsOf,
          currency: CurrencyCode,
          bucket: z.enum(DRILL_BUCKETS).default('total'),
          customer: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .meta({ description: 'Only this customer (external_id)' }),
          ...PageQuery,
        }),
        response: {
          200: drillPage(
            z.object({
              number: z.string(),
              external_id: z.string(),
              customer_external_id: z.string(),
              customer_name: z.string(),
              issue_date: CalendarDateSchema,
              due_date: CalendarDateSchema,
              days_past_due: z.number().int(),
              amount: Money,
              open_amount: Money,
            }),
          ).meta({ id: 'InvoiceDrillDown' }),
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return drillInvoices(deps.db, {
        asOf: q.as_of ?? (await deps.today()),
        currency: q.currency.toUpperCase(),
        bucket: q.bucket,
        customer: q.customer,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    '/api/v1/reports/drilldown/payments',
    {
      schema: {
        tags: ['reports'],
        summary: 'The payments behind a cash figure',
        description:
          'Payments of one currency dated from `from` to `to` (both included); `total` is their sum.',
        querystring: z.object({ from: Day, to: Day, currency: CurrencyCode, ...PageQuery }),
        response: {
          200: drillPage(
            z.object({
              external_id: z.string(),
              customer_external_id: z.string(),
              customer_name: z.string(),
              date: CalendarDateSchema,
              amount: Money,
              reference: z.string(),
              source: z.string(),
            }),
          ).meta({ id: 'PaymentDrillDown' }),
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return drillPayments(deps.db, {
        from: q.from,
        to: q.to,
        currency: q.currency.toUpperCase(),
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    '/api/v1/reports/drilldown/messages',
    {
      schema: {
        tags: ['reports'],
        summary: 'The messages behind the activity figures',
        description:
          'Messages sent from `from` to `to` (organisation time zone), optionally only those that bounced or got a reply.',
        querystring: z.object({
          from: Day,
          to: Day,
          kind: z.enum(['sent', 'bounced', 'replied']).default('sent'),
          campaign: z
            .string()
            .min(1)
            .max(100)
            .optional()
            .meta({ description: 'Only this campaign’s messages' }),
          step: z.string().min(1).max(100).optional().meta({ description: 'Only this step’s messages' }),
          ...PageQuery,
        }),
        response: {
          200: z
            .object({
              count: z.number().int(),
              items: z.array(
                z.object({
                  id: z.number().int(),
                  customer_external_id: z.string(),
                  customer_name: z.string(),
                  campaign: z.string(),
                  step: z.string(),
                  template: z.string(),
                  subject: z.string().nullable(),
                  sent_at: Instant,
                  bounced: z.boolean(),
                  replied: z.boolean(),
                }),
              ),
              next_cursor: z.string().nullable(),
            })
            .meta({ id: 'MessageDrillDown' }),
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return drillMessages(deps.db, {
        from: q.from,
        to: q.to,
        kind: q.kind,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );
}
