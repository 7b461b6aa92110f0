import { useState } from 'preact/hooks';
import { api, type Page, query } from '../api.ts';
import { Card, Empty, ErrorBox, Show, useLoad } from '../components.tsx';
import { instant } from '../format.ts';
import { t } from '../i18n.ts';
import { canCollect, type User } from '../session.ts';

interface Inbound {
  id: number;
  received_at: string;
  from: string | null;
  subject: string | null;
  kind: string | null;
  customer_external_id: string | null;
  proposal: { type?: string; promised_date?: string | null; invoices?: string[]; reason?: string } | null;
  proposal_status: 'proposed' | 'accepted' | null;
  notes: string[];
}

type Tab = 'unassigned' | 'proposals';

/** Mail that needs a person: messages no customer was found for, and replies with a proposal. */
export function Inbox({ user }: { user: User }) {
  const [tab, setTab] = useState<Tab>('unassigned');
  const list = useLoad(
    () =>
      api<Page<Inbound>>(
        `/api/v1/inbound${query({ status: tab === 'unassigned' ? 'unassigned' : 'processed', limit: 100 })}`,
      ),
    [tab],
  );
  const [error, setError] = useState<Error | null>(null);
  const [assignTo, setAssignTo] = useState<Record<number, string>>({});
  const act = async (path: string, body: unknown) => {
    setError(null);
    try {
      await api(path, { method: 'POST', body });
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div class="page">
      <h1>{t('inbox')}</h1>
      <fieldset class="chips" aria-label={t('inbox')}>
        {(['unassigned', 'proposals'] as const).map((name) => (
          <button
            key={name}
            type="button"
            class={tab === name ? 'chip active' : 'chip'}
            aria-pressed={tab === name}
            onClick={() => setTab(name)}
          >
            {t(name)}
          </button>
        ))}
      </fieldset>
      {error && <ErrorBox error={error} />}
      <Show loaded={list}>
        {(page) => {
          const items =
            tab === 'proposals' ? page.items.filter((m) => m.proposal_status === 'proposed') : page.items;
          if (items.length === 0)
            return <Empty>{tab === 'unassigned' ? t('noUnassigned') : t('noProposals')}</Empty>;
          return (
            <ul class="plain">
              {items.map((m) => (
                <li key={m.id}>
                  <Card title={m.subject || t('noSubject')}>
                    <p class="small muted">
                      {instant(m.received_at)} · {m.from ?? '–'} · <span class="badge">{m.kind ?? '–'}</span>
                      {m.customer_external_id && (
                        <>
                          {' '}
                          ·{' '}
                          <a href={`#/customers/${encodeURIComponent(m.customer_external_id)}`}>
                            {m.customer_external_id}
                          </a>
                        </>
                      )}
                    </p>
                    {m.notes.length > 0 && <p class="small">{m.notes.join(' ')}</p>}
                    {m.proposal && m.proposal_status === 'proposed' && (
                      <p>
                        {t('proposed')}: <strong>{m.proposal.type}</strong>{' '}
                        {(m.proposal.invoices ?? []).join(', ')}{' '}
                        {m.proposal.promised_date ?? m.proposal.reason ?? ''}
                      </p>
                    )}
                    {canCollect(user) && tab === 'unassigned' && (
                      <form
                        class="toolbar"
                        onSubmit={(event) => {
                          event.preventDefault();
                          void act(`/api/v1/inbound/${m.id}/assign`, {
                            customer_external_id: assignTo[m.id] ?? '',
                          });
                        }}
                      >
                        <label class="grow">
                          {t('assignTo')}
                          <input
                            required
                            value={assignTo[m.id] ?? ''}
                            onInput={(e) => setAssignTo({ ...assignTo, [m.id]: e.currentTarget.value })}
                          />
                        </label>
                        <button type="submit">{t('assign')}</button>
                      </form>
                    )}
                    {canCollect(user) && tab === 'proposals' && (
                      <button type="button" onClick={() => void act(`/api/v1/inbound/${m.id}/accept`, {})}>
                        {t('accept')}
                      </button>
                    )}
                  </Card>
                </li>
              ))}
            </ul>
          );
        }}
      </Show>
    </div>
  );
}
