import { useEffect, useState } from 'preact/hooks';
import { api, type Page, query } from '../api.ts';
import { Empty, ErrorBox, Loading } from '../components.tsx';
import { date, money } from '../format.ts';
import { t } from '../i18n.ts';

export interface CustomerRow {
  external_id: string;
  name: string;
  priority: 'high' | 'normal' | 'low';
  paused: boolean;
  paused_until: string | null;
  open_balance: Record<string, string>;
  overdue: Record<string, string>;
  open_invoices: number;
  tags: string[];
}

const totals = (byCurrency: Record<string, string>) =>
  Object.entries(byCurrency)
    .filter(([, amount]) => Number(amount) !== 0)
    .map(([currency, amount]) => money(amount, currency))
    .join(' · ') || '–';

export function Customers() {
  const [search, setSearch] = useState('');
  const [onlyOverdue, setOnlyOverdue] = useState(false);
  const [onlyPaused, setOnlyPaused] = useState(false);
  const [rows, setRows] = useState<CustomerRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<{ loading: boolean; error: Error | null }>({
    loading: true,
    error: null,
  });

  const load = async (after: string | null, replace: boolean) => {
    setState({ loading: true, error: null });
    try {
      const page = await api<Page<CustomerRow>>(
        `/api/v1/customers${query({
          q: search.trim() || undefined,
          overdue: onlyOverdue || undefined,
          paused: onlyPaused || undefined,
          cursor: after,
          limit: 50,
        })}`,
      );
      setRows((old) => (replace ? page.items : [...old, ...page.items]));
      setCursor(page.next_cursor);
      setState({ loading: false, error: null });
    } catch (error) {
      setState({ loading: false, error: error as Error });
    }
  };
  // Search as the user types, a moment after the last key.
  useEffect(() => {
    const timer = setTimeout(() => void load(null, true), 200);
    return () => clearTimeout(timer);
  }, [search, onlyOverdue, onlyPaused]);

  return (
    <div class="page">
      <h1>{t('customers')}</h1>
      <search class="toolbar">
        <label class="grow">
          <span class="sr-only">{t('search')}</span>
          <input
            type="search"
            placeholder={t('search')}
            value={search}
            onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={onlyOverdue}
            onChange={(e) => setOnlyOverdue(e.currentTarget.checked)}
          />
          {t('onlyOverdue')}
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={onlyPaused}
            onChange={(e) => setOnlyPaused(e.currentTarget.checked)}
          />
          {t('onlyPaused')}
        </label>
      </search>
      {state.error && <ErrorBox error={state.error} retry={() => void load(null, true)} />}
      {!state.loading && rows.length === 0 && !state.error && <Empty />}
      {rows.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col" class="num">
                {t('openBalance')}
              </th>
              <th scope="col" class="num">
                {t('overdue')}
              </th>
              <th scope="col" class="num">
                {t('openInvoices')}
              </th>
              <th scope="col">{t('status')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.external_id}>
                <td>
                  <a href={`#/customers/${encodeURIComponent(c.external_id)}`}>{c.name}</a>
                  <span class="muted small"> {c.external_id}</span>
                </td>
                <td class="num">{totals(c.open_balance)}</td>
                <td class="num">{totals(c.overdue)}</td>
                <td class="num">{c.open_invoices}</td>
                <td>
                  {c.paused && (
                    <span class="badge">
                      {c.paused_until ? t('pausedUntil', { date: date(c.paused_until) }) : t('paused')}
                    </span>
                  )}
                  {c.priority === 'high' && <span class="badge warn">{t('priority')}: high</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {state.loading && <Loading />}
      {cursor && !state.loading && (
        <button type="button" class="secondary" onClick={() => void load(cursor, false)}>
          {t('loadMore')}
        </button>
      )}
    </div>
  );
}
