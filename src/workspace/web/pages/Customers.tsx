import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, type Page, query } from '../api.ts';
import { Dialog, Empty, ErrorBox, Loading } from '../components.tsx';
import { date, money, today } from '../format.ts';
import { t } from '../i18n.ts';
import { canCollect, currentUser, type User } from '../session.ts';

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

/** The list's filter and sort: the API's CustomerFilter JSON (saved views store exactly this). */
export interface ListState {
  q?: string;
  campaign?: string;
  tag?: string;
  priority?: 'high' | 'normal' | 'low';
  overdue_bucket?: '1-30' | '31-60' | '61-90' | '91+' | 'current';
  collector?: number | 'none';
  paused?: boolean;
  bounced?: boolean;
  sort?: 'name' | 'open_balance' | 'overdue' | 'oldest_overdue_days' | 'priority';
  order?: 'asc' | 'desc';
}

interface SavedView {
  id: number;
  name: string;
  shared: boolean;
  state: ListState;
  owner: string;
  mine: boolean;
}

interface Collector {
  id: number;
  email: string;
  name: string;
}

interface BulkResult {
  action: BulkActionKind;
  matched: number;
  changed: number;
  unchanged: number;
}

type BulkActionKind = 'add_tag' | 'remove_tag' | 'assign_collector' | 'pause' | 'resume';

const BUCKETS = ['current', '1-30', '31-60', '61-90', '91+'] as const;
const SORTS = ['name', 'open_balance', 'overdue', 'oldest_overdue_days', 'priority'] as const;

const totals = (byCurrency: Record<string, string>) =>
  Object.entries(byCurrency)
    .filter(([, amount]) => Number(amount) !== 0)
    .map(([currency, amount]) => money(amount, currency))
    .join(' · ') || '–';

/** Drops empty values, so a state compares and saves the same however it was built. */
function clean(state: ListState): ListState {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    if (value !== undefined && value !== '' && value !== null) out[key] = value;
  }
  return out as ListState;
}

const selectValue = (e: Event) => (e.currentTarget as HTMLSelectElement).value;

export function Customers({ user: given }: { user?: User | null } = {}) {
  const [user, setUser] = useState<User | null>(given ?? null);
  const [state, setState] = useState<ListState>({});
  const [search, setSearch] = useState('');
  const [rows, setRows] = useState<CustomerRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | null>(null);
  const [views, setViews] = useState<SavedView[]>([]);
  const [viewId, setViewId] = useState<number | null>(null);
  const [campaigns, setCampaigns] = useState<{ key: string; name: string }[]>([]);
  const [collectors, setCollectors] = useState<Collector[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState<number | null>(null);
  const [saving, setSaving] = useState(false);
  const [bulkResult, setBulkResult] = useState<BulkResult | null>(null);

  const filter = useMemo(() => clean({ ...state, q: search.trim() || undefined }), [state, search]);
  const filterKey = JSON.stringify(filter);

  useEffect(() => {
    if (!given) void currentUser().then(setUser);
    void api<{ items: Collector[] }>('/api/v1/collectors').then(
      (r) => setCollectors(r.items),
      () => setCollectors([]),
    );
    void api<{ campaigns: { key: string; name: string; trigger: string | null }[] }>(
      '/api/v1/campaigns',
    ).then(
      (r) => setCampaigns(r.campaigns.filter((c) => c.trigger === null)),
      () => setCampaigns([]),
    );
    void loadViews();
  }, []);

  const loadViews = () =>
    api<{ items: SavedView[] }>('/api/v1/saved-views').then(
      (r) => setViews(r.items),
      () => setViews([]),
    );

  const load = async (after: string | null, replace: boolean) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api<Page<CustomerRow>>(
        `/api/v1/customers${query({ ...(filter as Record<string, string | number | boolean>), cursor: after, limit: 50 })}`,
      );
      setRows((old) => (replace ? page.items : [...old, ...page.items]));
      setCursor(page.next_cursor);
    } catch (err) {
      setError(err as Error);
    } finally {
      setLoading(false);
    }
  };
  // Reload a moment after the last change (search as the user types).
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(null);
    setBulkResult(null);
    const timer = setTimeout(() => void load(null, true), 200);
    return () => clearTimeout(timer);
  }, [filterKey]);

  const set = (patch: Partial<ListState>) => {
    setViewId(null);
    setState((old) => clean({ ...old, ...patch }));
  };

  const applyView = (id: number | null) => {
    setViewId(id);
    const view = views.find((v) => v.id === id);
    if (!view) return;
    const { q, ...rest } = view.state;
    setSearch(q ?? '');
    setState(clean(rest));
  };

  const mayCollect = user ? canCollect(user) : false;
  const currentView = views.find((v) => v.id === viewId) ?? null;
  const pageSelected = rows.length > 0 && rows.every((r) => selected.has(r.external_id));
  const toggle = (id: string) =>
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      setAllMatching(null);
      return next;
    });

  return (
    <div class="page">
      <h1>{t('customers')}</h1>

      <section class="toolbar" aria-label={t('custViews')}>
        <label>
          {t('custView')}{' '}
          <select
            value={viewId === null ? '' : String(viewId)}
            onChange={(e) => applyView(selectValue(e) ? Number(selectValue(e)) : null)}
          >
            <option value="">{t('custNoView')}</option>
            {views.map((v) => (
              <option key={v.id} value={String(v.id)}>
                {v.shared && !v.mine ? t('custSharedBy', { name: v.name, owner: v.owner }) : v.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="secondary" onClick={() => setSaving(true)}>
          {t('custSaveView')}
        </button>
        {currentView?.mine && (
          <button
            type="button"
            class="secondary"
            onClick={async () => {
              try {
                await api(`/api/v1/saved-views/${currentView.id}`, { method: 'DELETE' });
                setViewId(null);
                await loadViews();
              } catch (err) {
                setError(err as Error);
              }
            }}
          >
            {t('custDeleteView')}
          </button>
        )}
      </section>

      <search class="toolbar">
        <label class="grow">
          <span class="sr-only">{t('search')}</span>
          <input
            type="search"
            placeholder={t('search')}
            value={search}
            onInput={(e) => {
              setViewId(null);
              setSearch((e.currentTarget as HTMLInputElement).value);
            }}
          />
        </label>
        <label>
          {t('custCampaign')}{' '}
          <select
            value={state.campaign ?? ''}
            onChange={(e) => set({ campaign: selectValue(e) || undefined })}
          >
            <option value="">{t('all')}</option>
            {campaigns.map((c) => (
              <option key={c.key} value={c.key}>
                {c.name}
              </option>
            ))}
            <option value="none">{t('custNoCampaign')}</option>
          </select>
        </label>
        <label>
          {t('custTag')}{' '}
          <input
            type="text"
            size={10}
            value={state.tag ?? ''}
            onChange={(e) => set({ tag: (e.currentTarget as HTMLInputElement).value.trim() || undefined })}
          />
        </label>
        <label>
          {t('priority')}{' '}
          <select
            value={state.priority ?? ''}
            onChange={(e) => set({ priority: (selectValue(e) || undefined) as ListState['priority'] })}
          >
            <option value="">{t('all')}</option>
            <option value="high">{t('custPriorityHigh')}</option>
            <option value="normal">{t('custPriorityNormal')}</option>
            <option value="low">{t('custPriorityLow')}</option>
          </select>
        </label>
        <label>
          {t('custOverdueBucket')}{' '}
          <select
            value={state.overdue_bucket ?? ''}
            onChange={(e) =>
              set({ overdue_bucket: (selectValue(e) || undefined) as ListState['overdue_bucket'] })
            }
          >
            <option value="">{t('all')}</option>
            {BUCKETS.map((b) => (
              <option key={b} value={b}>
                {b === 'current' ? t('current') : t('custDaysBucket', { range: b })}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('custCollector')}{' '}
          <select
            value={state.collector === undefined ? '' : String(state.collector)}
            onChange={(e) => {
              const v = selectValue(e);
              set({ collector: v === '' ? undefined : v === 'none' ? 'none' : Number(v) });
            }}
          >
            <option value="">{t('all')}</option>
            {collectors.map((c) => (
              <option key={c.id} value={String(c.id)}>
                {c.name || c.email}
              </option>
            ))}
            <option value="none">{t('custUnassigned')}</option>
          </select>
        </label>
        <label>
          {t('custPaused')}{' '}
          <select
            value={state.paused === undefined ? '' : String(state.paused)}
            onChange={(e) => set({ paused: selectValue(e) === '' ? undefined : selectValue(e) === 'true' })}
          >
            <option value="">{t('all')}</option>
            <option value="true">{t('custOnlyPaused')}</option>
            <option value="false">{t('custNotPaused')}</option>
          </select>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={state.bounced === true}
            onChange={(e) => set({ bounced: e.currentTarget.checked || undefined })}
          />
          {t('custBounced')}
        </label>
        <label>
          {t('custSort')}{' '}
          <select
            value={state.sort ?? 'name'}
            onChange={(e) =>
              set({
                sort: selectValue(e) === 'name' ? undefined : (selectValue(e) as ListState['sort']),
                order: undefined,
              })
            }
          >
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(SORT_LABEL[s])}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          class="secondary"
          aria-label={t('custReverse')}
          title={t('custReverse')}
          onClick={() =>
            set({
              order: state.order === undefined ? (isNaturallyDesc(state.sort) ? 'asc' : 'desc') : undefined,
            })
          }
        >
          {(state.order ?? (isNaturallyDesc(state.sort) ? 'desc' : 'asc')) === 'asc' ? '↑' : '↓'}
        </button>
      </search>

      {mayCollect && (selected.size > 0 || allMatching !== null) && (
        <BulkBar
          filter={filter}
          picked={[...selected]}
          allMatching={allMatching}
          collectors={collectors}
          onSelectAllMatching={async () => {
            try {
              const { sort: _s, order: _o, ...counted } = filter;
              const r = await api<{ count: number }>(
                `/api/v1/bulk/customers/count${query(counted as Record<string, string | number | boolean>)}`,
              );
              setAllMatching(r.count);
            } catch (err) {
              setError(err as Error);
            }
          }}
          onDone={(result) => {
            setBulkResult(result);
            setSelected(new Set());
            setAllMatching(null);
            void load(null, true);
          }}
        />
      )}

      {bulkResult && (
        <p role="status" class="card">
          {t(BULK_DONE[bulkResult.action])}{' '}
          {t('custBulkResult', {
            changed: bulkResult.changed,
            unchanged: bulkResult.unchanged,
            matched: bulkResult.matched,
          })}
        </p>
      )}
      {error && <ErrorBox error={error} retry={() => void load(null, true)} />}
      {!loading && rows.length === 0 && !error && <Empty>{t('custNoMatch')}</Empty>}
      {rows.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              {mayCollect && (
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label={t('custSelectPage')}
                    checked={pageSelected}
                    onChange={() =>
                      setSelected(() => {
                        setAllMatching(null);
                        return pageSelected ? new Set() : new Set(rows.map((r) => r.external_id));
                      })
                    }
                  />
                </th>
              )}
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('custTags')}</th>
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
                {mayCollect && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('custSelect', { name: c.name })}
                      checked={selected.has(c.external_id)}
                      onChange={() => toggle(c.external_id)}
                    />
                  </td>
                )}
                <td>
                  <a href={`#/customers/${encodeURIComponent(c.external_id)}`}>{c.name}</a>
                  <span class="muted small"> {c.external_id}</span>
                </td>
                <td>
                  {c.tags.map((tag) => (
                    <span key={tag} class="badge" data-testid={`tag-${c.external_id}`}>
                      {tag}
                    </span>
                  ))}
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
                  {c.priority === 'high' && <span class="badge warn">{t('custPriorityHigh')}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loading && <Loading />}
      {cursor && !loading && (
        <button type="button" class="secondary" onClick={() => void load(cursor, false)}>
          {t('loadMore')}
        </button>
      )}

      {saving && (
        <SaveViewDialog
          state={filter}
          onClose={() => setSaving(false)}
          onSaved={async (view) => {
            setSaving(false);
            await loadViews();
            setViewId(view.id);
          }}
        />
      )}
    </div>
  );
}

const SORT_LABEL = {
  name: 'name',
  open_balance: 'openBalance',
  overdue: 'overdue',
  oldest_overdue_days: 'custOldestOverdue',
  priority: 'priority',
} as const;

const BULK_DONE = {
  add_tag: 'custDoneAddTag',
  remove_tag: 'custDoneRemoveTag',
  assign_collector: 'custDoneAssign',
  pause: 'custDonePause',
  resume: 'custDoneResume',
} as const;

const isNaturallyDesc = (sort: ListState['sort']) =>
  sort === 'open_balance' || sort === 'overdue' || sort === 'oldest_overdue_days';

function SaveViewDialog({
  state,
  onClose,
  onSaved,
}: {
  state: ListState;
  onClose: () => void;
  onSaved: (view: SavedView) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    try {
      const view = await api<SavedView>('/api/v1/saved-views', {
        method: 'POST',
        body: { name: String(form.get('name') ?? ''), shared: form.get('shared') === 'on', state },
      });
      onSaved(view);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <Dialog title={t('custSaveView')} onClose={onClose}>
      <form onSubmit={submit}>
        <label>
          {t('custViewName')}
          <input name="name" type="text" required maxLength={100} />
        </label>
        <label class="check">
          <input name="shared" type="checkbox" />
          {t('custShareView')}
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="buttons">
          <button type="submit">{t('save')}</button>
          <button type="button" class="secondary" onClick={onClose}>
            {t('cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function BulkBar({
  filter,
  picked,
  allMatching,
  collectors,
  onSelectAllMatching,
  onDone,
}: {
  filter: ListState;
  picked: string[];
  allMatching: number | null;
  collectors: Collector[];
  onSelectAllMatching: () => void;
  onDone: (result: BulkResult) => void;
}) {
  const [action, setAction] = useState<BulkActionKind>('add_tag');
  const [tag, setTag] = useState('');
  const [collector, setCollector] = useState('');
  const [until, setUntil] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async () => {
    setBusy(true);
    setError(null);
    setConfirming(false);
    try {
      const { sort: _s, order: _o, ...matching } = filter;
      const target =
        allMatching !== null ? { filter: matching, expected_count: allMatching } : { customers: picked };
      const body = {
        action,
        ...(action === 'add_tag' || action === 'remove_tag' ? { tag } : {}),
        ...(action === 'assign_collector' ? { collector: collector === '' ? null : Number(collector) } : {}),
        ...(action === 'pause' ? { until: until || null } : {}),
        ...target,
      };
      const r = await api<BulkResult>('/api/v1/bulk/customers', { method: 'POST', body });
      onDone(r);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const count = allMatching ?? picked.length;

  return (
    <section class="card" aria-label={t('custBulkActions')}>
      <div class="toolbar">
        <strong>
          {allMatching !== null
            ? t('custAllMatching', { n: allMatching })
            : t('custSelected', { n: picked.length })}
        </strong>
        {allMatching === null && (
          <button type="button" class="link" onClick={onSelectAllMatching}>
            {t('custSelectAllMatching')}
          </button>
        )}
        <label>
          {t('custAction')}{' '}
          <select value={action} onChange={(e) => setAction(selectValue(e) as BulkActionKind)}>
            <option value="add_tag">{t('custAddTag')}</option>
            <option value="remove_tag">{t('custRemoveTag')}</option>
            <option value="assign_collector">{t('custAssign')}</option>
            <option value="pause">{t('pause')}</option>
            <option value="resume">{t('resume')}</option>
          </select>
        </label>
        {(action === 'add_tag' || action === 'remove_tag') && (
          <label>
            {t('custTag')}{' '}
            <input
              type="text"
              size={12}
              value={tag}
              onInput={(e) => setTag((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
        )}
        {action === 'assign_collector' && (
          <label>
            {t('custCollector')}{' '}
            <select value={collector} onChange={(e) => setCollector(selectValue(e))}>
              <option value="">{t('custUnassigned')}</option>
              {collectors.map((c) => (
                <option key={c.id} value={String(c.id)}>
                  {c.name || c.email}
                </option>
              ))}
            </select>
          </label>
        )}
        {action === 'pause' && (
          <label>
            {t('custPauseUntil')}{' '}
            <input
              type="date"
              min={today()}
              value={until}
              onInput={(e) => setUntil((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
        )}
        <button
          type="button"
          disabled={busy || ((action === 'add_tag' || action === 'remove_tag') && !tag.trim())}
          onClick={() => (allMatching !== null ? setConfirming(true) : void run())}
        >
          {t('custApply', { n: count })}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {confirming && (
        <Dialog title={t('custConfirmTitle')} onClose={() => setConfirming(false)}>
          <p>{t('custConfirmAll', { n: count })}</p>
          <div class="buttons">
            <button type="button" onClick={() => void run()}>
              {t('custConfirm', { n: count })}
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              {t('cancel')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
