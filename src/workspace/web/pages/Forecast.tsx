import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { Card, Empty, Show, useLoad } from '../components.tsx';
import { date } from '../format.ts';
import { t } from '../i18n.ts';

interface PlannedMessage {
  customer_external_id: string;
  campaign: string;
  step: string;
  template: string;
  language: string;
  to: string[];
  invoices: string[];
}
interface PlannedTask {
  customer_external_id: string;
  kind: string;
  title: string;
}
interface ForecastDay {
  date: string;
  messages: PlannedMessage[];
  tasks: PlannedTask[];
}

/** The engine's forecast for the next 30 days (assuming nothing is paid), day by day. */
export function Forecast() {
  const forecast = useLoad(() => api<ForecastDay[]>(`/api/v1/forecast${query({ days: 30 })}`), []);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div class="page">
      <h1>{t('forecast')}</h1>
      <p class="muted">{t('forecastHint')}</p>
      <Show loaded={forecast}>
        {(days) => {
          const max = Math.max(1, ...days.map((d) => d.messages.length + d.tasks.length));
          const busy = days.filter((d) => d.messages.length + d.tasks.length > 0);
          return (
            <>
              <Card title={t('next30Days')}>
                <ul class="bars">
                  {days.map((d) => (
                    <li key={d.date}>
                      <span class="bar-label small">{date(d.date)}</span>
                      <span class="bar" aria-hidden="true">
                        <span style={{ width: `${((d.messages.length + d.tasks.length) / max) * 100}%` }} />
                      </span>
                      <span class="bar-value" data-testid={`forecast-${d.date}`}>
                        {t('countMessagesTasks', { m: d.messages.length, t: d.tasks.length })}
                      </span>
                    </li>
                  ))}
                </ul>
              </Card>
              {busy.length === 0 && <Empty />}
              {busy.map((d) => (
                <Card key={d.date} title={date(d.date)}>
                  <button
                    type="button"
                    class="link"
                    aria-expanded={open === d.date}
                    onClick={() => setOpen(open === d.date ? null : d.date)}
                  >
                    {t('countMessagesTasks', { m: d.messages.length, t: d.tasks.length })}
                  </button>
                  {open === d.date && (
                    <table class="list">
                      <thead>
                        <tr>
                          <th scope="col">{t('customer')}</th>
                          <th scope="col">{t('step')}</th>
                          <th scope="col">{t('invoices')}</th>
                          <th scope="col">{t('recipients')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.messages.map((m) => (
                          <tr key={`${m.customer_external_id}-${m.campaign}-${m.step}`}>
                            <td>
                              <a href={`#/customers/${encodeURIComponent(m.customer_external_id)}`}>
                                {m.customer_external_id}
                              </a>
                            </td>
                            <td>
                              {m.campaign} · {m.step}{' '}
                              <span class="muted small">
                                ({m.template}, {m.language})
                              </span>
                            </td>
                            <td>{m.invoices.join(', ')}</td>
                            <td class="small">{m.to.join(', ')}</td>
                          </tr>
                        ))}
                        {d.tasks.map((task) => (
                          <tr key={`${task.customer_external_id}-${task.title}`}>
                            <td>
                              <a href={`#/customers/${encodeURIComponent(task.customer_external_id)}`}>
                                {task.customer_external_id}
                              </a>
                            </td>
                            <td colSpan={3}>
                              <span class="badge">{task.kind}</span> {task.title}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </Card>
              ))}
            </>
          );
        }}
      </Show>
    </div>
  );
}
