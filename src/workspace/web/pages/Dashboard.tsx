import { api, type Page, query } from '../api.ts';
import { Card, Empty, Show, useLoad } from '../components.tsx';
import { date, money, number, today } from '../format.ts';
import { type StringKey, t } from '../i18n.ts';
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

export function Dashboard() {
  const asOf = today();
  const aging = useLoad(() => api<Aging>(`/api/v1/reports/aging${query({ as_of: asOf })}`), [asOf]);
  const metrics = useLoad(() => api<Metrics>(`/api/v1/reports/metrics${query({ as_of: asOf })}`), [asOf]);
  const overdue = useLoad(
    () => api<Page<CustomerRow>>(`/api/v1/customers${query({ overdue: true, limit: 10 })}`),
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
              return (
                <Card key={currency} title={`${t('arTotal')} · ${currency}`}>
                  <p class="figure" data-testid={`ar-${currency}`}>
                    {money(b.total, currency)}
                  </p>
                  <p class="muted">
                    {t('overdue')}:{' '}
                    <strong data-testid={`overdue-${currency}`}>{money(overdueAmount, currency)}</strong>
                  </p>
                  <h3>{t('aging')}</h3>
                  <ul class="bars">
                    {BUCKETS.map((bucket) => (
                      <li key={bucket}>
                        <span class="bar-label">{bucket === 'current' ? t('current') : bucket}</span>
                        <span class="bar" aria-hidden="true">
                          <span style={{ width: `${Math.max(0, (Number(b[bucket]) / total) * 100)}%` }} />
                        </span>
                        <span class="bar-value">{money(b[bucket], currency)}</span>
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
                  {FORMULAS.map((f) => {
                    const value = c[f.key] as number | null;
                    return (
                      <tr key={f.key}>
                        <th scope="row">{t(f.label)}</th>
                        <td class="num" data-testid={`${f.key}-${currency}`}>
                          {value === null
                            ? '–'
                            : f.unit === 'percent'
                              ? `${number(value)} %`
                              : t('days', { n: number(value) })}
                        </td>
                        <td class="formula" title={t('formula')}>
                          {f.formula}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            ))}
          </Card>
        )}
      </Show>
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
                    <span class="muted">
                      {Object.entries(c.overdue)
                        .map(([cur, amount]) => money(amount, cur))
                        .join(' · ')}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        )}
      </Show>
    </div>
  );
}
