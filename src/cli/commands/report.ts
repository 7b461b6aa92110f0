import { addDays, type CalendarDate, isCalendarDate } from '../../ledger/dates.ts';
import { clockFromEnv } from '../../platform/clock.ts';
import { UsageError } from '../../platform/errors.ts';
import { type CampaignReport, campaignReport } from '../../reports/campaigns.ts';
import {
  AGING_BUCKETS,
  type AgingReport,
  agingReport,
  DEFAULT_PERIOD_DAYS,
  type MetricsReport,
  metricsReport,
  organisationToday,
  periodDaysProblem,
} from '../../reports/index.ts';
import { type CommandContext, defineCommand, parseFlags } from '../command.ts';

const USAGE = `Usage: dunwell report aging [--as-of YYYY-MM-DD] [--json]
       dunwell report metrics [--as-of YYYY-MM-DD] [--period-days N] [--json]
       dunwell report campaigns [--as-of YYYY-MM-DD] [--period-days N] [--json]

  aging      open receivables per currency by days past due (current, 1-30, 31-60, 61-90, 91+)
  metrics    AR, DSO, countback DSO, best possible DSO, ADD, CEI, average days to pay and late
  campaigns  per campaign step: messages sent in the period, bounce and reply rates, and the share
             of the listed balance paid within 7 and 30 days of sending

  --as-of YYYY-MM-DD   the day the report is as of (default: today in the organisation's time zone)
  --period-days N      the period for sales-based metrics, in days ending with --as-of (default ${DEFAULT_PERIOD_DAYS})`;

interface ReportOptions {
  asOf: CalendarDate;
  periodDays: number;
}

type ReportRunner = (ctx: CommandContext, options: ReportOptions) => Promise<void>;

/** The reports this command knows, in the order they are listed. */
const REPORTS: Readonly<Record<string, ReportRunner>> = {
  aging: async (ctx, { asOf }) => {
    const report = await agingReport(await ctx.db(), { asOf });
    if (ctx.json) ctx.printJson(report);
    else printAging(ctx, report);
  },
  metrics: async (ctx, { asOf, periodDays }) => {
    const report = await metricsReport(await ctx.db(), { asOf, periodDays });
    if (ctx.json) ctx.printJson(report);
    else printMetrics(ctx, report);
  },
  campaigns: async (ctx, { asOf, periodDays }) => {
    const report = await campaignReport(await ctx.db(), { asOf, periodDays });
    if (ctx.json) ctx.printJson(report);
    else printCampaigns(ctx, report);
  },
};

function available(): string {
  return Object.keys(REPORTS).join(', ');
}

function parsePeriodDays(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PERIOD_DAYS;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new UsageError(`--period-days "${text}" is not a positive whole number of days (e.g. 90)`);
  }
  return Number(text);
}

export default defineCommand({
  summary: 'AR reports: aging, metrics, campaigns',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseFlags(ctx.argv, {
      'as-of': { type: 'string' },
      'period-days': { type: 'string' },
    });
    const [kind, ...extra] = positionals;
    if (!kind) throw new UsageError(`name a report: ${available()}\n${USAGE}`);
    const runner = Object.hasOwn(REPORTS, kind) ? REPORTS[kind] : undefined;
    if (!runner) throw new UsageError(`unknown report "${kind}"; available: ${available()}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" after "report ${kind}"`);

    const asOfText = values['as-of'];
    if (asOfText !== undefined && !isCalendarDate(asOfText)) {
      throw new UsageError(`--as-of "${asOfText}" is not a date; write it as YYYY-MM-DD (e.g. 2026-03-31)`);
    }
    const periodDays = parsePeriodDays(values['period-days']);
    const asOf = asOfText ?? (await organisationToday(await ctx.db(), clockFromEnv(ctx.env)));
    const problem = periodDaysProblem(asOf, periodDays);
    if (problem) throw new UsageError(`--period-days ${periodDays} ${problem}`);
    await runner(ctx, { asOf, periodDays });
    return 0;
  },
});

// ---- human output ----------------------------------------------------------------------

/** Lays out rows in columns; `align` says per column whether it is left- or right-aligned. */
function table(rows: readonly (readonly string[])[], align: readonly ('left' | 'right')[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd(),
  );
}

function printAging(ctx: CommandContext, report: AgingReport): void {
  ctx.print(`Aging as of ${report.as_of}: open balance by days past due (as-of date − due date)`);
  ctx.print();
  const currencies = Object.entries(report.currencies);
  if (currencies.length === 0) {
    ctx.print(`No invoices issued on or before ${report.as_of}.`);
    return;
  }
  const header = ['Currency', 'Current', '1-30', '31-60', '61-90', '91+', 'Total'];
  const rows = currencies.map(([currency, amounts]) => [
    currency,
    ...AGING_BUCKETS.map((bucket) => amounts[bucket]),
    amounts.total,
  ]);
  for (const line of table(
    [header, ...rows],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  )) {
    ctx.print(line);
  }
}

function days(value: number | null, undefinedBecause: string): string {
  return value === null ? `n/a (${undefinedBecause})` : `${value.toFixed(1)} days`;
}

function printMetrics(ctx: CommandContext, report: MetricsReport): void {
  const d = report.as_of;
  const p = report.period_days;
  const from = addDays(d, 1 - p);
  ctx.print(`AR metrics as of ${d}, period ${p} days (${from} to ${d})`);
  const currencies = Object.entries(report.currencies);
  if (currencies.length === 0) {
    ctx.print();
    ctx.print('No receivables, sales or payments in this period.');
    return;
  }
  for (const [currency, m] of currencies) {
    ctx.print();
    ctx.print(currency);
    const lines: [string, string, string][] = [
      ['AR', m.ar, `open balance at the end of ${d} of invoices issued by then`],
      ['Current AR', m.current_ar, `the part of AR not yet past due (due ${d} or later)`],
      ['Beginning AR', m.beginning_ar, `AR at the end of ${addDays(d, -p)}`],
      ['Credit sales', m.credit_sales, `invoices issued ${from} to ${d}`],
      ['DSO', days(m.dso, 'no credit sales'), `= AR / credit sales × ${p}`],
      [
        'Countback DSO',
        days(m.countback_dso, 'no AR'),
        '= days of sales, newest month first, that add up to AR (at most 24 months)',
      ],
      [
        'Best possible DSO',
        days(m.best_possible_dso, 'no credit sales'),
        `= current AR / credit sales × ${p}`,
      ],
      ['ADD', days(m.add, 'no credit sales'), '= DSO − best possible DSO (average days delinquent)'],
      [
        'CEI',
        m.cei === null ? 'n/a (nothing was collectible)' : `${m.cei.toFixed(1)} %`,
        '= (beginning AR + credit sales − AR) / (beginning AR + credit sales − current AR) × 100',
      ],
      [
        'Avg days to pay',
        days(m.avg_days_to_pay, 'no invoice closed in the period'),
        '= closing date − issue date, weighted by amount, over invoices closed in the period',
      ],
      [
        'Avg days late',
        days(m.avg_days_late, 'no invoice closed in the period'),
        '= max(0, closing date − due date), weighted by amount, same invoices',
      ],
    ];
    const rows = lines.map(([label, value, formula]) => [`  ${label}`, value, formula]);
    for (const line of table(rows, ['left', 'right', 'left'])) {
      ctx.print(line);
    }
  }
}

function share(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(1)} %`;
}

function printCampaigns(ctx: CommandContext, report: CampaignReport): void {
  const from = addDays(report.as_of, 1 - report.period_days);
  ctx.print(`Campaign effectiveness: messages sent ${from} to ${report.as_of}`);
  ctx.print();
  if (report.steps.length === 0) {
    ctx.print('No messages were sent in this period.');
    return;
  }
  const header = ['Campaign', 'Step', 'Sent', 'Bounced', 'Replied', 'Currency', 'Paid ≤7 d', 'Paid ≤30 d'];
  const rows: string[][] = [];
  for (const step of report.steps) {
    const currencies = Object.entries(step.currencies);
    const first = [
      step.campaign,
      step.step,
      String(step.sent),
      share(step.bounce_rate),
      share(step.reply_rate),
    ];
    if (currencies.length === 0) rows.push([...first, '', '', '']);
    for (const [i, [currency, c]] of currencies.entries()) {
      rows.push([
        ...(i === 0 ? first : ['', '', '', '', '']),
        currency,
        `${share(c.paid_7d_share)} of ${c.listed_7d} (${step.matured_7d} msgs)`,
        `${share(c.paid_30d_share)} of ${c.listed_30d} (${step.matured_30d} msgs)`,
      ]);
    }
  }
  for (const line of table(
    [header, ...rows],
    ['left', 'left', 'right', 'right', 'right', 'left', 'right', 'right'],
  )) {
    ctx.print(line);
  }
  if (report.ab_tests.length > 0) printAbTests(ctx, report);
}

/** A/B steps (docs/campaigns.md): per arm, invoices paid within 7/30 days of the message. */
function printAbTests(ctx: CommandContext, report: CampaignReport): void {
  ctx.print();
  ctx.print('A/B steps: invoices paid within 7 and 30 days of the message, per arm');
  const rows = report.ab_tests.flatMap((step) =>
    step.arms.map((a) => [
      step.campaign,
      step.step,
      a.arm,
      String(a.customers),
      String(a.invoices),
      `${share(a.paid_7d_percent)} (${a.paid_7d} of ${a.matured_7d})`,
      `${share(a.paid_30d_percent)} (${a.paid_30d} of ${a.matured_30d})`,
    ]),
  );
  for (const line of table(
    [['Campaign', 'Step', 'Arm', 'Customers', 'Invoices', 'Paid ≤7 d', 'Paid ≤30 d'], ...rows],
    ['left', 'left', 'left', 'right', 'right', 'right', 'right'],
  )) {
    ctx.print(line);
  }
}
