import { useState } from 'preact/hooks';
import { api, type Page, query } from '../api.ts';
import { Card, Dialog, Empty, ErrorBox, Show, useLoad } from '../components.tsx';
import { date, instant, money, number, today } from '../format.ts';
import { type StringKey, t } from '../i18n.ts';
import { canCollect, type User } from '../session.ts';
import type { CustomerRow } from './Customers.tsx';

interface Contact {
  external_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'billing' | 'ap' | 'key' | 'other';
  receives_dunning: boolean;
  email_status?: 'ok' | 'bounced' | 'complained';
}
interface CustomerDetail extends CustomerRow {
  contacts: Contact[];
}
interface Invoice {
  external_id: string;
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
type RiskFactor = 'days_late' | 'overdue_share' | 'broken_promises' | 'disputes' | 'bounces';
interface Summary {
  open_balance: Record<string, string>;
  overdue: Record<string, string>;
  avg_days_late: number | null;
  paid_invoices_12m: number;
  risk: { level: 'low' | 'medium' | 'high'; score: number; factors: { factor: RiskFactor; value: number }[] };
  campaign: string | null;
  campaigns: { key: string; name: string }[];
}

const FILTERS: { label: StringKey; kind: string | undefined }[] = [
  { label: 'all', kind: undefined },
  { label: 'messages', kind: 'message,inbound' },
  { label: 'payments', kind: 'payment' },
  { label: 'promises', kind: 'promise' },
  { label: 'disputes', kind: 'invoice.disputed,invoice.dispute_resolved,dispute' },
  { label: 'tasks', kind: 'task' },
  { label: 'custNotes', kind: 'note,call' },
];

const INVOICE_FILTERS: { label: StringKey; status: 'open' | 'paid' | undefined }[] = [
  { label: 'custOpen', status: 'open' },
  { label: 'custPaid', status: 'paid' },
  { label: 'all', status: undefined },
];

const RISK_LABEL: Record<Summary['risk']['level'], StringKey> = {
  low: 'custRiskLow',
  medium: 'custRiskMedium',
  high: 'custRiskHigh',
};

const FACTOR_LABEL: Record<RiskFactor, StringKey> = {
  days_late: 'custFactorDaysLate',
  overdue_share: 'custFactorOverdueShare',
  broken_promises: 'custFactorBrokenPromises',
  disputes: 'custFactorDisputes',
  bounces: 'custFactorBounces',
};

const ROLE_LABEL: Record<Contact['role'], StringKey> = {
  billing: 'custRoleBilling',
  ap: 'custRoleAp',
  key: 'custRoleKey',
  other: 'custRoleOther',
};

const OUTCOMES: { value: string; label: StringKey }[] = [
  { value: 'reached', label: 'custOutcomeReached' },
  { value: 'voicemail', label: 'custOutcomeVoicemail' },
  { value: 'no_answer', label: 'custOutcomeNoAnswer' },
  { value: 'wrong_number', label: 'custOutcomeWrongNumber' },
  { value: 'promised', label: 'custOutcomePromised' },
  { value: 'refused', label: 'custOutcomeRefused' },
  { value: 'other', label: 'custOutcomeOther' },
];

function describe(entry: TimelineEntry): string {
  const d = entry.data;
  const bits = [
    d.subject,
    d.template,
    d.reason,
    d.amount,
    d.promised_date,
    d.invoices,
    d.title,
    d.body,
    d.outcome,
    d.note,
    d.next_step,
    d.next_step_date,
    entry.action === 'customer.campaign_changed' ? `${d.from ?? '–'} → ${d.to ?? '–'}` : undefined,
  ]
    .filter((v) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map((v) => (Array.isArray(v) ? v.join(', ') : String(v)));
  return bits.join(' · ');
}

const amounts = (byCurrency: Record<string, string>) =>
  Object.entries(byCurrency)
    .map(([cur, a]) => money(a, cur))
    .join(' · ') || '–';

type DialogState =
  | { kind: 'promise' | 'dispute'; invoice: Invoice }
  | { kind: 'message' | 'note' | 'call' | 'campaign' };

export function Customer({ id, user }: { id: string; user: User }) {
  const asOf = today();
  const path = `/api/v1/customers/${encodeURIComponent(id)}`;
  const customer = useLoad(() => api<CustomerDetail>(path), [id]);
  const summary = useLoad(() => api<Summary>(`${path}/summary${query({ as_of: asOf })}`), [id]);
  const [invoiceStatus, setInvoiceStatus] = useState<'open' | 'paid' | undefined>('open');
  const invoices = useLoad(
    () =>
      api<Page<Invoice>>(
        `/api/v1/invoices${query({ customer: id, status: invoiceStatus, limit: 200, as_of: asOf })}`,
      ),
    [id, invoiceStatus],
  );
  const [filter, setFilter] = useState<string | undefined>(undefined);
  const timeline = useLoad(
    () => api<Page<TimelineEntry>>(`${path}/timeline${query({ kind: filter, limit: 50 })}`),
    [id, filter],
  );
  const [dialog, setDialog] = useState<DialogState | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const collector = canCollect(user);

  const act = async (url: string, body: unknown, method = 'POST', done?: string) => {
    setActionError(null);
    setNotice(null);
    try {
      await api(url, { method, body });
      setDialog(null);
      if (done) setNotice(done);
      customer.reload();
      summary.reload();
      invoices.reload();
      timeline.reload();
    } catch (err) {
      setActionError(err as Error);
    }
  };
  const open = (next: DialogState) => {
    setActionError(null);
    setDialog(next);
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
                <dd data-testid="customer-open">{amounts(summary.data?.open_balance ?? c.open_balance)}</dd>
              </div>
              <div>
                <dt>{t('overdue')}</dt>
                <dd data-testid="customer-overdue">{amounts(summary.data?.overdue ?? c.overdue)}</dd>
              </div>
              <div>
                <dt title={t('custAvgDaysLateHint')}>{t('avgDaysLate')}</dt>
                <dd data-testid="customer-days-late">
                  {summary.data?.avg_days_late == null
                    ? '–'
                    : t('days', { n: number(summary.data.avg_days_late) })}
                  <span class="sr-only"> ({t('custAvgDaysLateHint')})</span>
                </dd>
              </div>
              <div>
                <dt>{t('custRisk')}</dt>
                <dd>
                  {summary.data && (
                    <>
                      <span
                        class={`badge${summary.data.risk.level === 'high' ? ' danger' : summary.data.risk.level === 'medium' ? ' warn' : ''}`}
                        data-testid="customer-risk"
                      >
                        {t(RISK_LABEL[summary.data.risk.level])}
                      </span>
                      {summary.data.risk.factors.length > 0 && (
                        <ul class="risk-factors">
                          {summary.data.risk.factors.map((f) => (
                            <li key={f.factor}>
                              {t(FACTOR_LABEL[f.factor], {
                                n:
                                  f.factor === 'overdue_share'
                                    ? number(f.value * 100, 0)
                                    : number(f.value, 0),
                              })}
                            </li>
                          ))}
                        </ul>
                      )}
                    </>
                  )}
                </dd>
              </div>
              <div>
                <dt>{t('custCampaign')}</dt>
                <dd data-testid="customer-campaign">
                  {summary.data ? (summary.data.campaign ?? t('custCampaignAuto')) : '–'}
                </dd>
              </div>
            </dl>
            {collector && (
              <div class="customer-actions">
                <button type="button" onClick={() => open({ kind: 'message' })}>
                  {t('custSendMessage')}
                </button>
                <button type="button" class="secondary" onClick={() => open({ kind: 'note' })}>
                  {t('custAddNote')}
                </button>
                <button type="button" class="secondary" onClick={() => open({ kind: 'call' })}>
                  {t('custLogCall')}
                </button>
                <button type="button" class="secondary" onClick={() => open({ kind: 'campaign' })}>
                  {t('custChangeCampaign')}
                </button>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => void act(`${path}/${c.paused ? 'resume' : 'pause'}`, {})}
                >
                  {c.paused ? t('resume') : t('pause')}
                </button>
              </div>
            )}
          </header>
        )}
      </Show>
      {notice && (
        <p class="muted" role="status">
          {notice}
        </p>
      )}
      {actionError && !dialog && <ErrorBox error={actionError} />}
      <div class="columns">
        <Card
          title={t('invoices')}
          actions={
            <fieldset class="chips" aria-label={t('invoices')}>
              {INVOICE_FILTERS.map((f) => (
                <button
                  key={f.label}
                  type="button"
                  class={invoiceStatus === f.status ? 'chip active' : 'chip'}
                  aria-pressed={invoiceStatus === f.status}
                  onClick={() => setInvoiceStatus(f.status)}
                >
                  {t(f.label)}
                </button>
              ))}
            </fieldset>
          }
        >
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
                        <td>
                          {inv.number}{' '}
                          <a
                            class="small"
                            href={`/api/v1/invoices/${encodeURIComponent(inv.external_id)}/pdf`}
                            target="_blank"
                            rel="noopener"
                            aria-label={t('custPdfOf', { number: inv.number })}
                          >
                            {t('custPdf')}
                          </a>
                        </td>
                        <td>{date(inv.due_date)}</td>
                        <td class="num">{inv.days_overdue || '–'}</td>
                        <td class="num">{money(inv.open_balance, inv.currency)}</td>
                        <td class="actions">
                          {inv.status !== 'open' && (
                            <span class="badge">{inv.status === 'paid' ? t('custPaid') : inv.status}</span>
                          )}
                          {inv.disputed && <span class="badge warn">{t('disputed')}</span>}
                          {collector && inv.status === 'open' && !inv.disputed && (
                            <>
                              <button
                                type="button"
                                class="link"
                                onClick={() => open({ kind: 'promise', invoice: inv })}
                              >
                                {t('promise')}
                              </button>
                              <button
                                type="button"
                                class="link"
                                onClick={() => open({ kind: 'dispute', invoice: inv })}
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
                      <strong>{k.name || k.email}</strong>{' '}
                      <span class="muted small">{t(ROLE_LABEL[k.role] ?? 'custRoleOther')}</span>{' '}
                      {k.email_status === 'bounced' && <span class="badge danger">{t('custBounced')}</span>}
                      {k.email_status === 'complained' && (
                        <span class="badge danger">{t('custComplained')}</span>
                      )}
                      <br />
                      <span class="small">{[k.email, k.phone].filter(Boolean).join(' · ')}</span>
                      <br />
                      <span class="muted small">
                        {k.receives_dunning ? t('custReceivesDunning') : t('custNoDunning')}
                        {k.email && k.email_status === 'ok' ? ` · ${t('custDeliverable')}` : ''}
                      </span>
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
        <ActionDialog
          dialog={dialog}
          path={path}
          asOf={asOf}
          summary={summary.data}
          error={actionError}
          onClose={() => setDialog(null)}
          act={act}
        />
      )}
    </div>
  );
}

function ActionDialog({
  dialog,
  path,
  asOf,
  summary,
  error,
  onClose,
  act,
}: {
  dialog: DialogState;
  path: string;
  asOf: string;
  summary: Summary | null;
  error: Error | null;
  onClose: () => void;
  act: (url: string, body: unknown, method?: string, done?: string) => Promise<void>;
}) {
  const templates = useLoad(
    () =>
      dialog.kind === 'message'
        ? api<{ items: { key: string }[] }>('/api/v1/templates')
        : Promise.resolve({ items: [] as { key: string }[] }),
    [dialog.kind],
  );
  const title =
    dialog.kind === 'promise' || dialog.kind === 'dispute'
      ? `${t(dialog.kind)} · ${dialog.invoice.number}`
      : t(
          dialog.kind === 'message'
            ? 'custSendMessage'
            : dialog.kind === 'note'
              ? 'custAddNote'
              : dialog.kind === 'call'
                ? 'custLogCall'
                : 'custChangeCampaign',
        );
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    switch (dialog.kind) {
      case 'promise': {
        const amount = text('amount');
        void act(`/api/v1/invoices/${encodeURIComponent(dialog.invoice.number)}/promise`, {
          date: text('date'),
          ...(amount ? { amount } : {}),
        });
        return;
      }
      case 'dispute': {
        const note = text('note');
        void act(`/api/v1/invoices/${encodeURIComponent(dialog.invoice.number)}/dispute`, {
          reason: text('reason'),
          ...(note ? { note } : {}),
        });
        return;
      }
      case 'message':
        void act(
          `${path}/messages`,
          { template: text('template'), attach_invoices: form.get('attach') === 'on' },
          'POST',
          t('custQueued'),
        );
        return;
      case 'note':
        void act(`${path}/notes`, { body: text('body') });
        return;
      case 'call': {
        const body: Record<string, string> = { outcome: text('outcome') };
        for (const [field, name] of [
          ['note', 'note'],
          ['next_step', 'next_step'],
          ['next_step_date', 'next_step_date'],
        ] as const) {
          if (text(name)) body[field] = text(name);
        }
        void act(`${path}/calls`, body);
        return;
      }
      case 'campaign':
        void act(`${path}/campaign`, { campaign: text('campaign') || null }, 'PUT');
        return;
    }
  };
  const keys = [...new Set((templates.data?.items ?? []).map((x) => x.key))];
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit}>
        {dialog.kind === 'promise' && (
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
        )}
        {dialog.kind === 'dispute' && (
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
        {dialog.kind === 'message' && (
          <>
            <p class="muted small">{t('custMessageHint')}</p>
            <label>
              {t('custTemplate')}
              <select name="template" required>
                {keys.map((key) => (
                  <option key={key} value={key}>
                    {key}
                  </option>
                ))}
              </select>
            </label>
            <label class="check">
              <input type="checkbox" name="attach" /> {t('custAttachInvoices')}
            </label>
          </>
        )}
        {dialog.kind === 'note' && (
          <label>
            {t('custNoteText')}
            <textarea name="body" rows={4} required maxLength={10000} />
          </label>
        )}
        {dialog.kind === 'call' && (
          <>
            <label>
              {t('custOutcome')}
              <select name="outcome" required>
                {OUTCOMES.map((o) => (
                  <option key={o.value} value={o.value}>
                    {t(o.label)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('custCallNote')}
              <textarea name="note" rows={3} maxLength={10000} />
            </label>
            <label>
              {t('custNextStep')}
              <input name="next_step" maxLength={500} />
            </label>
            <label>
              {t('custNextStepDate')}
              <input name="next_step_date" type="date" min={asOf} />
            </label>
          </>
        )}
        {dialog.kind === 'campaign' && (
          <label>
            {t('custCampaign')}
            <select name="campaign" value={summary?.campaign ?? ''}>
              <option value="">{t('custCampaignAuto')}</option>
              {(summary?.campaigns ?? []).map((c) => (
                <option key={c.key} value={c.key}>
                  {c.name} ({c.key})
                </option>
              ))}
            </select>
          </label>
        )}
        {error && <ErrorBox error={error} />}
        <div class="buttons">
          <button type="button" class="secondary" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit">{dialog.kind === 'message' ? t('custQueue') : t('save')}</button>
        </div>
      </form>
    </Dialog>
  );
}
