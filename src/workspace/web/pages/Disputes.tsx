/** The disputes board: open disputes in one column per reason; collectors resolve from here. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Page, query } from '../api.ts';
import { Dialog, Empty, ErrorBox, Loading } from '../components.tsx';
import { date, money } from '../format.ts';
import { t } from '../i18n.ts';
import { canCollect, type User } from '../session.ts';

interface BoardDispute {
  id: number;
  reason: string;
  note: string | null;
  opened_by: string;
  opened_at: string;
  age_days: number;
  invoice: string;
  currency: string;
  amount: string;
  open_balance: string;
  due_date: string;
  customer_external_id: string;
  customer_name: string;
  collector: string | null;
}

interface Collector {
  id: number;
  email: string;
  name: string;
}

const selectValue = (e: Event) => (e.currentTarget as HTMLSelectElement).value;

export function Disputes({ user }: { user?: User | null }) {
  const [reason, setReason] = useState('');
  const [collector, setCollector] = useState('');
  const [reasons, setReasons] = useState<{ reason: string; count: number }[]>([]);
  const [collectors, setCollectors] = useState<Collector[]>([]);
  const [disputes, setDisputes] = useState<BoardDispute[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [resolving, setResolving] = useState<BoardDispute | null>(null);
  const [resolved, setResolved] = useState<string | null>(null);

  useEffect(() => {
    void api<{ items: Collector[] }>('/api/v1/collectors').then(
      (r) => setCollectors(r.items),
      () => setCollectors([]),
    );
  }, []);

  const load = async (after: string | null) => {
    setError(null);
    try {
      const params = { collector: collector || undefined };
      const [page, summary] = await Promise.all([
        api<Page<BoardDispute>>(
          `/api/v1/disputes${query({ ...params, reason: reason || undefined, cursor: after, limit: 200 })}`,
        ),
        api<{ items: { reason: string; count: number }[] }>(`/api/v1/disputes/reasons${query(params)}`),
      ]);
      setReasons(summary.items);
      setDisputes((old) => (after ? [...(old ?? []), ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (err) {
      setError(err as Error);
    }
  };
  useEffect(() => {
    void load(null);
  }, [reason, collector]);

  const mayResolve = user ? canCollect(user) : false;
  // One column per reason, in the order of the reason counts (most common first).
  const columns = reasons
    .filter((r) => !reason || r.reason === reason)
    .map((r) => ({ ...r, items: (disputes ?? []).filter((d) => d.reason === r.reason) }));

  return (
    <div class="page">
      <h1>{t('dispBoard')}</h1>
      <div class="toolbar">
        <label>
          {t('disputeReason')}{' '}
          <select value={reason} onChange={(e) => setReason(selectValue(e))}>
            <option value="">{t('all')}</option>
            {reasons.map((r) => (
              <option key={r.reason} value={r.reason}>
                {r.reason} ({r.count})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('custCollector')}{' '}
          <select value={collector} onChange={(e) => setCollector(selectValue(e))}>
            <option value="">{t('all')}</option>
            {collectors.map((c) => (
              <option key={c.id} value={String(c.id)}>
                {c.name || c.email}
              </option>
            ))}
            <option value="none">{t('custUnassigned')}</option>
          </select>
        </label>
        {!mayResolve && <span class="muted small">{t('readOnly')}</span>}
      </div>
      {resolved && (
        <p role="status" class="card">
          {t('dispResolved', { invoice: resolved })}
        </p>
      )}
      {error && <ErrorBox error={error} retry={() => void load(null)} />}
      {disputes === null && !error && <Loading />}
      {disputes !== null && columns.length === 0 && <Empty>{t('dispNone')}</Empty>}
      {columns.length > 0 && (
        <div
          class="board"
          style={{
            display: 'grid',
            gridAutoFlow: 'column',
            gridAutoColumns: 'minmax(260px, 340px)',
            gap: '16px',
            overflowX: 'auto',
            alignItems: 'start',
          }}
        >
          {columns.map((column) => (
            <section key={column.reason} class="card" aria-label={column.reason}>
              <header class="card-head">
                <h2>{column.reason}</h2>
                <span class="badge">{column.count}</span>
              </header>
              <ul class="plain" style={{ display: 'flex', flexDirection: 'column', gap: '12px' }}>
                {column.items.map((d) => (
                  <li key={d.id} data-testid={`dispute-${d.invoice}`}>
                    <article aria-label={t('dispCard', { invoice: d.invoice })}>
                      <p>
                        <a href={`#/customers/${encodeURIComponent(d.customer_external_id)}`}>
                          {d.customer_name}
                        </a>
                        <span class="muted small"> {d.customer_external_id}</span>
                      </p>
                      <p>
                        <strong>{d.invoice}</strong> · {money(d.open_balance, d.currency)}
                        {d.open_balance !== d.amount && (
                          <span class="muted small">
                            {' '}
                            {t('dispOf', { amount: money(d.amount, d.currency) })}
                          </span>
                        )}
                      </p>
                      <p class="small muted">
                        {t('dispAge', { n: d.age_days })} ·{' '}
                        {t('dispOpened', { date: date(d.opened_at), who: d.opened_by })}
                        {d.collector && ` · ${d.collector}`}
                      </p>
                      {d.note && <p class="small">{d.note}</p>}
                      {mayResolve && (
                        <button type="button" class="secondary" onClick={() => setResolving(d)}>
                          {t('resolve')}
                        </button>
                      )}
                    </article>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      )}
      {cursor && (
        <button type="button" class="secondary" onClick={() => void load(cursor)}>
          {t('loadMore')}
        </button>
      )}
      {resolving && (
        <ResolveDialog
          dispute={resolving}
          onClose={() => setResolving(null)}
          onResolved={() => {
            setResolved(resolving.invoice);
            setResolving(null);
            void load(null);
          }}
        />
      )}
    </div>
  );
}

function ResolveDialog({
  dispute,
  onClose,
  onResolved,
}: {
  dispute: BoardDispute;
  onClose: () => void;
  onResolved: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const note = String(new FormData(event.currentTarget as HTMLFormElement).get('note') ?? '').trim();
    setBusy(true);
    try {
      await api(`/api/v1/invoices/${encodeURIComponent(dispute.invoice)}/resolve`, {
        method: 'POST',
        body: note ? { note } : {},
      });
      onResolved();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('dispResolveTitle', { invoice: dispute.invoice })} onClose={onClose}>
      <form onSubmit={submit}>
        <p>
          {dispute.customer_name} · {dispute.reason}
        </p>
        <label>
          {t('dispResolution')}
          <textarea name="note" rows={3} maxLength={10000} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="buttons">
          <button type="submit" disabled={busy}>
            {t('resolve')}
          </button>
          <button type="button" class="secondary" onClick={onClose}>
            {t('cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
