import { useState } from 'preact/hooks';
import { api, type Page, query } from '../api.ts';
import { Card, Empty, Show, useLoad } from '../components.tsx';
import { date, instant, money, number, today } from '../format.ts';
import { language, type StringKey, t } from '../i18n.ts';
import type { CustomerRow } from './Customers.tsx';

type Buckets = {
  current: string;
  '1-30': string;
  '31-60': string;
  '61-90': string;
  '91+': string;
  total: string;
};
interface Aging {
  as_of: string;
  currencies: Record<string, Buckets>;
}
interface CurrencyMetrics {
  ar: string;
  current_ar: string;
  beginning_ar: string;
  credit_sales: string;
  dso: number | null;
  countback_dso: number | null;
  best_possible_dso: number | null;
  add: number | null;
  cei: number | null;
  avg_days_to_pay: number | null;
  avg_days_late: number | null;
}
interface Metrics {
  as_of: string;
  period_days: number;
  currencies: Record<string, CurrencyMetrics>;
}
interface TrendPoint {
  as_of: string;
  ar: string;
  dso: number | null;
  countback_dso: number;
  best_possible_dso: number | null;
  add: number | null;
  cei: number | null;
}
interface Trend {
  as_of: string;
  period_days: number;
  points: string[];
  currencies: Record<string, (TrendPoint | null)[]>;
}
interface Cash {
  as_of: string;
  weeks: { week_start: string; week_end: string; amounts: Record<string, string>; payments: number }[];
  totals: Record<string, string>;
}
interface Activity {
  as_of: string;
  from: string;
  sent: number;
  bounced: number;
  replied: number;
}
interface CampaignStep {
  campaign: string;
  step: string;
  sent: number;
  bounce_rate: number | null;
  reply_rate: number | null;
  matured_7d: number;
  matured_30d: number;
  currencies: Record<string, { paid_7d_share: number | null; paid_30d_share: number | null }>;
}

const BUCKETS = ['current', '1-30', '31-60', '61-90', '91+'] as const;

/** Each figure with the formula behind it (PRODUCT §7), shown beside the number. */
const FORMULAS: {
  key: keyof CurrencyMetrics;
  label: StringKey;
  formula: string;
  unit: 'days' | 'percent';
}[] = [
  { key: 'dso', label: 'dso', formula: 'AR(D) ÷ credit sales × P', unit: 'days' },
  {
    key: 'countback_dso',
    label: 'countbackDso',
    formula: 'AR(D) counted back against monthly sales, newest first',
    unit: 'days',
  },
  { key: 'best_possible_dso', label: 'bestDso', formula: 'current AR(D) ÷ credit sales × P', unit: 'days' },
  { key: 'add', label: 'add', formula: 'DSO − best possible DSO', unit: 'days' },
  {
    key: 'cei',
    label: 'cei',
    formula: '(begin AR + sales − AR) ÷ (begin AR + sales − current AR) × 100',
    unit: 'percent',
  },
  {
    key: 'avg_days_to_pay',
    label: 'avgDaysToPay',
    formula: 'amount-weighted (closing date − issue date)',
    unit: 'days',
  },
  {
    key: 'avg_days_late',
    label: 'avgDaysLate',
    formula: 'amount-weighted max(0, closing date − due date)',
    unit: 'days',
  },
];

const TREND_METRICS: ('dso' | 'countback_dso' | 'add' | 'cei')[] = ['dso', 'countback_dso', 'add', 'cei'];

function figure(value: number | null | undefined, unit: 'days' | 'percent'): string {
  if (value === null || value === undefined) return '–';
  return unit === 'percent' ? `${number(value)} %` : t('days', { n: number(value) });
}

/** YYYY-MM-DD plus n days (calendar arithmetic in UTC). */
function addDaysIso(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** "Nov 23": a week's first day in the cash chart's narrow label column. */
function shortDate(day: string): string {
  return new Intl.DateTimeFormat(language(), { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

/** The hash of the drill-down list for a figure. */
export function drillHref(params: Record<string, string | undefined>): string {
  return `#/drill${query(params)}`;
}

/** A small line chart of one metric over the trend's points; each point links to the AR behind it. */
function TrendChart({
  label,
  currency,
  points,
  values,
}: {
  label: string;
  currency: string;
  points: string[];
  values: (number | null)[];
}) {
  const width = 240;
  const height = 64;
  const pad = 6;
  const known = values.filter((v): v is number => v !== null);
  const min = Math.min(0, ...known);
  const max = Math.max(1, ...known);
  const x = (i: number) => pad + (i * (width - 2 * pad)) / Math.max(1, points.length - 1);
  const y = (v: number) => height - pad - ((v - min) / (max - min || 1)) * (height - 2 * pad);
  const path = values
    .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
    .filter(Boolean)
    .join(' ');
  const name = t('dashChartLabel', {
    metric: label,
    currency,
    from: date(points[0]),
    to: date(points[points.length - 1]),
  });
  return (
    <figure class="spark-wrap">
      <figcaption class="sr-only">{name}</figcaption>
      <svg class="spark" viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
        <title>{name}</title>
        <polyline points={path} fill="none" stroke="currentColor" stroke-width="2" />
        {values.map((v, i) =>
          v === null ? null : (
            <a
              key={points[i]}
              href={drillHref({ kind: 'aging', currency, bucket: 'total', as_of: points[i] })}
              aria-label={`${label} ${date(points[i])}: ${number(v)}`}
            >
              <title>{`${date(points[i])}: ${number(v)}`}</title>
              <circle cx={x(i)} cy={y(v)} r="4" />
            </a>
          ),
        )}
      </svg>
    </figure>
  );
}

function TrendCard({ trend }: { trend: Trend }) {
  const currencies = Object.entries(trend.currencies);
  return (
    <Card title={t('dashTrend')}>
      <p class="muted small">{t('dashTrendHint')}</p>
      {currencies.length === 0 && <Empty />}
      {currencies.map(([currency, points]) => (
        <table key={currency} class="metrics trend" aria-label={`${t('dashTrend')} ${currency}`}>
          <caption>{currency}</caption>
          <tbody>
            {TREND_METRICS.map((key) => {
              const f = FORMULAS.find((x) => x.key === key)!;
              const values = points.map((p) => (p ? p[key] : null));
              const last = values[values.length - 1] ?? null;
              return (
                <tr key={key}>
                  <th scope="row">{t(f.label)}</th>
                  <td>
                    <TrendChart
                      label={t(f.label)}
                      currency={currency}
                      points={trend.points}
                      values={values}
                    />
                  </td>
                  <td class="num" data-testid={`trend-${key}-${currency}`}>
                    {figure(last, f.unit)}
                  </td>
                  <td class="formula">{f.formula}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ))}
    </Card>
  );
}

function CashCard({ cash }: { cash: Cash }) {
  const currencies = Object.keys(cash.totals).sort();
  return (
    <Card title={t('dashCash')}>
      <p class="muted small">{t('dashCashHint')}</p>
      {currencies.length === 0 && <Empty />}
      {currencies.map((currency) => {
        const max = Math.max(1, ...cash.weeks.map((w) => Number(w.amounts[currency] ?? 0)));
        return (
          <div key={currency}>
            <h3>
              {currency} · {money(cash.totals[currency], currency)}
            </h3>
            <ul class="bars">
              {cash.weeks.map((w) => {
                const amount = w.amounts[currency] ?? '0';
                return (
                  <li key={w.week_start}>
                    <span class="bar-label">{shortDate(w.week_start)}</span>
                    <span class="bar" aria-hidden="true">
                      <span style={{ width: `${(Number(amount) / max) * 100}%` }} />
                    </span>
                    <a
                      class="bar-value"
                      data-testid={`cash-${currency}-${w.week_start}`}
                      href={drillHref({ kind: 'cash', currency, from: w.week_start, to: w.week_end })}
                      aria-label={`${t('dashWeekOf', { date: date(w.week_start) })}: ${money(amount, currency)}`}
                    >
                      {money(amount, currency)}
                    </a>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </Card>
  );
}

function ActivityCard({ activity }: { activity: Activity }) {
  const items: { kind: 'sent' | 'bounced' | 'replied'; label: StringKey }[] = [
    { kind: 'sent', label: 'dashSent' },
    { kind: 'bounced', label: 'dashBounced' },
    { kind: 'replied', label: 'dashReplied' },
  ];
  return (
    <Card title={t('dashActivity')}>
      <dl class="figures">
        {items.map((item) => (
          <div key={item.kind}>
            <dt>{t(item.label)}</dt>
            <dd>
              <a
                class="figure"
                data-testid={`activity-${item.kind}`}
                href={drillHref({
                  kind: 'messages',
                  type: item.kind,
                  from: activity.from,
                  to: activity.as_of,
                })}
              >
                {activity[item.kind]}
              </a>
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function EffectivenessCard({
  steps,
  asOf,
  periodDays,
}: {
  steps: CampaignStep[];
  asOf: string;
  periodDays: number;
}) {
  const share = (v: number | null | undefined) =>
    v === null || v === undefined ? '–' : `${number(v * 100, 0)} %`;
  return (
    <Card title={t('dashEffectiveness')}>
      <p class="muted small">{t('dashEffectivenessHint')}</p>
      {steps.length === 0 ? (
        <Empty />
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{t('dashStep')}</th>
              <th scope="col" class="num">
                {t('dashSent')}
              </th>
              <th scope="col" class="num">
                {t('dashBounceRate')}
              </th>
              <th scope="col" class="num">
                {t('dashReplyRate')}
              </th>
              <th scope="col" class="num">
                {t('dashPaid7')}
              </th>
              <th scope="col" class="num">
                {t('dashPaid30')}
              </th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => {
              const currencies = Object.entries(s.currencies);
              return (
                <tr key={`${s.campaign}/${s.step}`}>
                  <td>
                    {s.campaign} · {s.step}
                  </td>
                  <td class="num">
                    <a
                      href={drillHref({
                        kind: 'messages',
                        type: 'sent',
                        from: addDaysIso(asOf, 1 - periodDays),
                        to: asOf,
                        campaign: s.campaign,
                        step: s.step,
                      })}
                    >
                      {s.sent}
                    </a>
                  </td>
                  <td class="num">{s.bounce_rate === null ? '–' : `${number(s.bounce_rate, 0)} %`}</td>
                  <td class="num">{s.reply_rate === null ? '–' : `${number(s.reply_rate, 0)} %`}</td>
                  <td class="num">
                    {currencies.map(([c, v]) => `${c} ${share(v.paid_7d_share)}`).join(' · ') || '–'}
                    <span class="muted small"> ({t('dashSample', { n: s.matured_7d })})</span>
                  </td>
                  <td class="num">
                    {currencies.map(([c, v]) => `${c} ${share(v.paid_30d_share)}`).join(' · ') || '–'}
                    <span class="muted small"> ({t('dashSample', { n: s.matured_30d })})</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}

interface DrillResult {
  total?: string;
  count: number;
  items: Record<string, unknown>[];
  next_cursor: string | null;
}

/** The rows behind one figure: invoices of an aging bucket, payments of a week, messages. */
function DrillDown({ params }: { params: URLSearchParams }) {
  const kind = params.get('kind') ?? 'aging';
  const currency = params.get('currency') ?? '';
  const asOf = params.get('as_of') ?? today();
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const type = params.get('type') ?? 'sent';
  const bucket = params.get('bucket') ?? 'total';
  const customer = params.get('customer') ?? undefined;
  const [pages, setPages] = useState<DrillResult[]>([]);
  const url = (cursor?: string) =>
    kind === 'cash'
      ? `/api/v1/reports/drilldown/payments${query({ currency, from, to, limit: 100, cursor })}`
      : kind === 'messages'
        ? `/api/v1/reports/drilldown/messages${query({
            from,
            to,
            kind: type,
            campaign: params.get('campaign') ?? undefined,
            step: params.get('step') ?? undefined,
            limit: 100,
            cursor,
          })}`
        : `/api/v1/reports/drilldown/invoices${query({ currency, bucket, as_of: asOf, customer, limit: 100, cursor })}`;
  const first = useLoad(async () => {
    const page = await api<DrillResult>(url());
    setPages([page]);
    return page;
  }, [params.toString()]);
  const items = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];
  const bucketLabel =
    bucket === 'total'
      ? t('dashAllOpen')
      : bucket === 'current'
        ? t('current')
        : bucket === 'overdue'
          ? t('overdue')
          : bucket;
  const title =
    kind === 'cash'
      ? t('dashDrillCash', { currency, from: date(from), to: date(to) })
      : kind === 'messages'
        ? t('dashDrillMessages', {
            kind: t(type === 'bounced' ? 'dashBounced' : type === 'replied' ? 'dashReplied' : 'dashSent'),
            from: date(from),
            to: date(to),
          })
        : `${t('dashDrillAging', { currency, bucket: bucketLabel, date: date(asOf) })}${customer ? ` · ${customer}` : ''}`;
  return (
    <div class="page">
      <p>
        <a href="#/">← {t('dashBack')}</a>
      </p>
      <h1>{title}</h1>
      <Show loaded={first}>
        {(page) => (
          <Card
            title={
              kind === 'messages'
                ? t('dashCountMessages', { n: page.count })
                : kind === 'cash'
                  ? t('dashCountPayments', { n: page.count })
                  : t('dashCountInvoices', { n: page.count })
            }
          >
            {page.total !== undefined && (
              <p>
                {t('dashTotal')}: <strong data-testid="drill-total">{money(page.total, currency)}</strong>
              </p>
            )}
            {items.length === 0 ? (
              <Empty />
            ) : kind === 'cash' ? (
              <table class="list" data-testid="drill-rows">
                <thead>
                  <tr>
                    <th scope="col">{t('dashDate')}</th>
                    <th scope="col">{t('customer')}</th>
                    <th scope="col">{t('dashReference')}</th>
                    <th scope="col" class="num">
                      {t('dashAmount')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((p) => (
                    <tr key={String(p.external_id)}>
                      <td>{date(String(p.date))}</td>
                      <td>
                        <a href={`#/customers/${encodeURIComponent(String(p.customer_external_id))}`}>
                          {String(p.customer_name)}
                        </a>
                      </td>
                      <td>{String(p.reference)}</td>
                      <td class="num" data-amount={String(p.amount)}>
                        {money(String(p.amount), currency)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : kind === 'messages' ? (
              <table class="list" data-testid="drill-rows">
                <thead>
                  <tr>
                    <th scope="col">{t('dashSentAt')}</th>
                    <th scope="col">{t('customer')}</th>
                    <th scope="col">{t('dashStep')}</th>
                    <th scope="col">{t('subject')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((m) => (
                    <tr key={String(m.id)}>
                      <td>{instant(String(m.sent_at))}</td>
                      <td>
                        <a href={`#/customers/${encodeURIComponent(String(m.customer_external_id))}`}>
                          {String(m.customer_name)}
                        </a>
                      </td>
                      <td>
                        {String(m.campaign)} · {String(m.step)}
                      </td>
                      <td>{m.subject ? String(m.subject) : t('noSubject')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <table class="list" data-testid="drill-rows">
                <thead>
                  <tr>
                    <th scope="col">{t('number')}</th>
                    <th scope="col">{t('customer')}</th>
                    <th scope="col">{t('dashIssued')}</th>
                    <th scope="col">{t('dueDate')}</th>
                    <th scope="col" class="num">
                      {t('dashDaysPastDue')}
                    </th>
                    <th scope="col" class="num">
                      {t('dashOpenAmount')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((inv) => (
                    <tr key={String(inv.number)}>
                      <td>{String(inv.number)}</td>
                      <td>
                        <a href={`#/customers/${encodeURIComponent(String(inv.customer_external_id))}`}>
                          {String(inv.customer_name)}
                        </a>
                      </td>
                      <td>{date(String(inv.issue_date))}</td>
                      <td>{date(String(inv.due_date))}</td>
                      <td class="num">{Math.max(0, Number(inv.days_past_due))}</td>
                      <td class="num" data-amount={String(inv.open_amount)}>
                        {money(String(inv.open_amount), currency)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {last?.next_cursor && (
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  void api<DrillResult>(url(last.next_cursor ?? undefined)).then((next) =>
                    setPages((p) => [...p, next]),
                  )
                }
              >
                {t('loadMore')}
              </button>
            )}
          </Card>
        )}
      </Show>
    </div>
  );
}

export function Dashboard() {
  const hash = typeof location === 'undefined' ? '' : location.hash;
  if (hash.startsWith('#/drill')) {
    return <DrillDown params={new URLSearchParams(hash.slice(hash.indexOf('?') + 1))} />;
  }
  return <Overview />;
}

function Overview() {
  const asOf = today();
  const aging = useLoad(() => api<Aging>(`/api/v1/reports/aging${query({ as_of: asOf })}`), [asOf]);
  const metrics = useLoad(() => api<Metrics>(`/api/v1/reports/metrics${query({ as_of: asOf })}`), [asOf]);
  const trend = useLoad(() => api<Trend>(`/api/v1/reports/trend${query({ as_of: asOf })}`), [asOf]);
  const cash = useLoad(() => api<Cash>(`/api/v1/reports/cash${query({ as_of: asOf })}`), [asOf]);
  const activity = useLoad(() => api<Activity>(`/api/v1/reports/activity${query({ as_of: asOf })}`), [asOf]);
  const campaigns = useLoad(
    () =>
      api<{ as_of: string; period_days: number; steps: CampaignStep[] }>(
        `/api/v1/reports/campaigns${query({ as_of: asOf })}`,
      ),
    [asOf],
  );
  const overdue = useLoad(
    () => api<Page<CustomerRow>>(`/api/v1/customers${query({ overdue: true, sort: 'overdue', limit: 10 })}`),
    [],
  );
  return (
    <div class="page">
      <h1>{t('dashboard')}</h1>
      <Show loaded={aging}>
        {(a) => (
          <div class="grid">
            {Object.entries(a.currencies).length === 0 && <Empty />}
            {Object.entries(a.currencies).map(([currency, b]) => {
              const total = Number(b.total) || 1;
              const overdueAmount = (Number(b.total) - Number(b.current)).toFixed(2);
              const drill = (bucket: string) =>
                drillHref({ kind: 'aging', currency, bucket, as_of: a.as_of });
              return (
                <Card key={currency} title={`${t('arTotal')} · ${currency}`}>
                  <p class="figure">
                    <a
                      href={drill('total')}
                      data-testid={`ar-${currency}`}
                      title={t('dashShowInvoices', { figure: `${t('arTotal')} ${currency}` })}
                    >
                      {money(b.total, currency)}
                    </a>
                  </p>
                  <p class="muted">
                    {t('overdue')}:{' '}
                    <a href={drill('overdue')}>
                      <strong data-testid={`overdue-${currency}`}>{money(overdueAmount, currency)}</strong>
                    </a>
                  </p>
                  <h3>{t('aging')}</h3>
                  <ul class="bars">
                    {BUCKETS.map((bucket) => (
                      <li key={bucket}>
                        <span class="bar-label">{bucket === 'current' ? t('current') : bucket}</span>
                        <span class="bar" aria-hidden="true">
                          <span style={{ width: `${Math.max(0, (Number(b[bucket]) / total) * 100)}%` }} />
                        </span>
                        <a
                          class="bar-value"
                          href={drill(bucket)}
                          data-testid={`aging-${currency}-${bucket}`}
                          aria-label={`${bucket === 'current' ? t('current') : bucket}: ${money(b[bucket], currency)}`}
                        >
                          {money(b[bucket], currency)}
                        </a>
                      </li>
                    ))}
                  </ul>
                </Card>
              );
            })}
          </div>
        )}
      </Show>
      <Show loaded={metrics}>
        {(m) => (
          <Card title={t('metrics')}>
            <p class="muted">{t('asOf', { date: date(m.as_of), days: m.period_days })}</p>
            {Object.entries(m.currencies).map(([currency, c]) => (
              <table key={currency} class="metrics" aria-label={`${t('metrics')} ${currency}`}>
                <caption>{currency}</caption>
                <tbody>
                  {FORMULAS.map((f) => (
                    <tr key={f.key}>
                      <th scope="row">{t(f.label)}</th>
                      <td class="num" data-testid={`${f.key}-${currency}`}>
                        <a href={drillHref({ kind: 'aging', currency, bucket: 'total', as_of: m.as_of })}>
                          {figure(c[f.key] as number | null, f.unit)}
                        </a>
                      </td>
                      <td class="formula" title={t('formula')}>
                        {f.formula}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ))}
          </Card>
        )}
      </Show>
      <Show loaded={trend}>{(tr) => <TrendCard trend={tr} />}</Show>
      <div class="columns">
        <Show loaded={cash}>{(c) => <CashCard cash={c} />}</Show>
        <div>
          <Show loaded={activity}>{(a) => <ActivityCard activity={a} />}</Show>
          <Show loaded={overdue}>
            {(page) => (
              <Card title={t('overdueCustomers')}>
                {page.items.length === 0 ? (
                  <Empty />
                ) : (
                  <ul class="plain">
                    {page.items.map((c) => (
                      <li key={c.external_id}>
                        <a href={`#/customers/${encodeURIComponent(c.external_id)}`}>{c.name}</a>{' '}
                        {Object.entries(c.overdue).map(([cur, amount]) => (
                          <a
                            key={cur}
                            class="muted small"
                            href={drillHref({
                              kind: 'aging',
                              currency: cur,
                              bucket: 'overdue',
                              customer: c.external_id,
                            })}
                            aria-label={t('dashShowInvoices', { figure: `${c.name} ${money(amount, cur)}` })}
                          >
                            {money(amount, cur)}{' '}
                          </a>
                        ))}
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
            )}
          </Show>
        </div>
      </div>
      <Show loaded={campaigns}>
        {(c) => <EffectivenessCard steps={c.steps} asOf={c.as_of} periodDays={c.period_days} />}
      </Show>
    </div>
  );
}
