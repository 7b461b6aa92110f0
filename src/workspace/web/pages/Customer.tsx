import { useState } from 'preact/hooks';
import { api, type Page, query } from '../api.ts';
import { Card, Dialog, Empty, ErrorBox, Show, useLoad } from '../components.tsx';
import { date, instant, money, today } from '../format.ts';
import { type StringKey, t } from '../i18n.ts';
import { canCollect, type User } from '../session.ts';
import type { CustomerRow } from './Customers.tsx';

interface Contact {
  external_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: string;
  receives_dunning: boolean;
}
interface CustomerDetail extends CustomerRow {
  contacts: Contact[];
}
interface Invoice {
  number: string;
  due_date: string;
  currency: string;
  amount: string;
  open_balance: string;
  status: string;
  days_overdue: number | null;
  disputed: boolean;
}
interface TimelineEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  data: Record<string, unknown>;
}

const FILTERS: { label: StringKey; kind: string | undefined }[] = [
  { label: 'all', kind: undefined },
  { label: 'messages', kind: 'message,inbound' },
  { label: 'payments', kind: 'payment' },
  { label: 'promises', kind: 'promise' },
  { label: 'disputes', kind: 'invoice.disputed,invoice.dispute_resolved,dispute' },
  { label: 'tasks', kind: 'task' },
];

function describe(entry: TimelineEntry): string {
  const d = entry.data;
  const bits = [d.subject, d.template, d.reason, d.amount, d.promised_date, d.invoices, d.title]
    .filter((v) => v !== undefined && v !== null && v !== '')
    .map((v) => (Array.isArray(v) ? v.join(', ') : String(v)));
  return bits.join(' · ');
}

export function Customer({ id, user }: { id: string; user: User }) {
  const asOf = today();
  const customer = useLoad(() => api<CustomerDetail>(`/api/v1/customers/${encodeURIComponent(id)}`), [id]);
  const invoices = useLoad(
    () =>
      api<Page<Invoice>>(
        `/api/v1/invoices${query({ customer: id, status: 'open', limit: 200, as_of: asOf })}`,
      ),
    [id],
  );
  const [filter, setFilter] = useState<string | undefined>(undefined);
  const timeline = useLoad(
    () =>
      api<Page<TimelineEntry>>(
        `/api/v1/customers/${encodeURIComponent(id)}/timeline${query({ kind: filter, limit: 50 })}`,
      ),
    [id, filter],
  );
  const [dialog, setDialog] = useState<{ kind: 'promise' | 'dispute'; invoice: Invoice } | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const collector = canCollect(user);

  const act = async (path: string, body: unknown) => {
    setActionError(null);
    try {
      await api(path, { method: 'POST', body });
      setDialog(null);
      customer.reload();
      invoices.reload();
      timeline.reload();
    } catch (err) {
      setActionError(err as Error);
    }
  };

  return (
    <div class="page">
      <Show loaded={customer}>
        {(c) => (
          <header class="customer-head">
            <div>
              <p class="muted small">{c.external_id}</p>
              <h1>{c.name}</h1>
              {c.paused && (
                <span class="badge">
                  {c.paused_until ? t('pausedUntil', { date: date(c.paused_until) }) : t('paused')}
                </span>
              )}
            </div>
            <dl class="figures">
              <div>
                <dt>{t('openBalance')}</dt>
                <dd>
                  {Object.entries(c.open_balance)
                    .map(([cur, a]) => money(a, cur))
                    .join(' · ') || '–'}
                </dd>
              </div>
              <div>
                <dt>{t('overdue')}</dt>
                <dd>
                  {Object.entries(c.overdue)
                    .map(([cur, a]) => money(a, cur))
                    .join(' · ') || '–'}
                </dd>
              </div>
            </dl>
            {collector && (
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  void act(`/api/v1/customers/${encodeURIComponent(id)}/${c.paused ? 'resume' : 'pause'}`, {})
                }
              >
                {c.paused ? t('resume') : t('pause')}
              </button>
            )}
          </header>
        )}
      </Show>
      {actionError && <ErrorBox error={actionError} />}
      <div class="columns">
        <Card title={t('invoices')}>
          <Show loaded={invoices}>
            {(page) =>
              page.items.length === 0 ? (
                <Empty />
              ) : (
                <table class="list">
                  <thead>
                    <tr>
                      <th scope="col">{t('number')}</th>
                      <th scope="col">{t('dueDate')}</th>
                      <th scope="col" class="num">
                        {t('daysOverdue')}
                      </th>
                      <th scope="col" class="num">
                        {t('balance')}
                      </th>
                      <th scope="col">
                        <span class="sr-only">{t('status')}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((inv) => (
                      <tr key={inv.number}>
                        <td>{inv.number}</td>
                        <td>{date(inv.due_date)}</td>
                        <td class="num">{inv.days_overdue ?? '–'}</td>
                        <td class="num">{money(inv.open_balance, inv.currency)}</td>
                        <td class="actions">
                          {inv.disputed && <span class="badge warn">{t('disputed')}</span>}
                          {collector && !inv.disputed && (
                            <>
                              <button
                                type="button"
                                class="link"
                                onClick={() => setDialog({ kind: 'promise', invoice: inv })}
                              >
                                {t('promise')}
                              </button>
                              <button
                                type="button"
                                class="link"
                                onClick={() => setDialog({ kind: 'dispute', invoice: inv })}
                              >
                                {t('dispute')}
                              </button>
                            </>
                          )}
                          {collector && inv.disputed && (
                            <button
                              type="button"
                              class="link"
                              onClick={() =>
                                void act(`/api/v1/invoices/${encodeURIComponent(inv.number)}/resolve`, {})
                              }
                            >
                              {t('resolve')}
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Show>
        </Card>
        <Card title={t('contacts')}>
          <Show loaded={customer}>
            {(c) =>
              c.contacts.length === 0 ? (
                <Empty />
              ) : (
                <ul class="plain">
                  {c.contacts.map((k) => (
                    <li key={k.external_id}>
                      <strong>{k.name || k.email}</strong> <span class="muted small">{k.role}</span>
                      <br />
                      <span class="small">{[k.email, k.phone].filter(Boolean).join(' · ')}</span>
                    </li>
                  ))}
                </ul>
              )
            }
          </Show>
        </Card>
      </div>
      <Card
        title={t('timeline')}
        actions={
          <fieldset class="chips" aria-label={t('timeline')}>
            {FILTERS.map((f) => (
              <button
                key={f.label}
                type="button"
                class={filter === f.kind ? 'chip active' : 'chip'}
                aria-pressed={filter === f.kind}
                onClick={() => setFilter(f.kind)}
              >
                {t(f.label)}
              </button>
            ))}
          </fieldset>
        }
      >
        <Show loaded={timeline}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty />
            ) : (
              <ol class="timeline">
                {page.items.map((e) => (
                  <li key={e.id}>
                    <time dateTime={e.at}>{instant(e.at)}</time>
                    <span class="event">{e.action}</span>
                    <span class="muted small">{e.actor}</span>
                    <span class="small">{describe(e)}</span>
                  </li>
                ))}
              </ol>
            )
          }
        </Show>
      </Card>
      {dialog && (
        <Dialog title={`${t(dialog.kind)} · ${dialog.invoice.number}`} onClose={() => setDialog(null)}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const form = new FormData(event.currentTarget as HTMLFormElement);
              const path = `/api/v1/invoices/${encodeURIComponent(dialog.invoice.number)}/${dialog.kind}`;
              if (dialog.kind === 'promise') {
                const amount = String(form.get('amount') ?? '').trim();
                void act(path, { date: form.get('date'), ...(amount ? { amount } : {}) });
              } else {
                const note = String(form.get('note') ?? '').trim();
                void act(path, { reason: form.get('reason'), ...(note ? { note } : {}) });
              }
            }}
          >
            {dialog.kind === 'promise' ? (
              <>
                <label>
                  {t('promiseDate')}
                  <input name="date" type="date" min={asOf} required />
                </label>
                <label>
                  {t('promiseAmount')}
                  <input name="amount" inputMode="decimal" pattern="\d+(\.\d{1,3})?" />
                </label>
              </>
            ) : (
              <>
                <label>
                  {t('disputeReason')}
                  <input name="reason" required maxLength={2000} />
                </label>
                <label>
                  {t('note')}
                  <textarea name="note" rows={3} maxLength={10000} />
                </label>
              </>
            )}
            {actionError && <ErrorBox error={actionError} />}
            <div class="buttons">
              <button type="button" class="secondary" onClick={() => setDialog(null)}>
                {t('cancel')}
              </button>
              <button type="submit">{t('save')}</button>
            </div>
          </form>
        </Dialog>
      )}
    </div>
  );
}
