/**
 * Settings (issue 7 item 7; admins only): organisation and branding, outgoing mail with
 * "send test", DKIM key generation with the DNS record to publish, incoming mail, the portal,
 * payments, default campaign settings, API keys and users. Everything goes through the REST
 * API (/api/v1/settings, /api/v1/api-keys, /api/v1/users). Secrets are write-only: the API
 * answers `{ set: true }` and this page shows "•••• set" with a Replace action; a typed secret
 * lives only in the form until it is saved, then the form forgets it.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { Card, ErrorBox, Show, useLoad } from '../components.tsx';
import { date, instant } from '../format.ts';
import { type StringKey, t } from '../i18n.ts';
import type { User } from '../session.ts';

type SectionName = 'organisation' | 'smtp' | 'dkim' | 'imap' | 'portal' | 'payments' | 'campaigns';
type Values = Record<string, unknown>;
type SettingsAnswer = Record<SectionName, { values: Values; environment: Record<string, string> }>;

interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}
interface WorkspaceUser {
  id: number;
  email: string;
  name: string;
  role: 'admin' | 'collector' | 'viewer';
  created_at: string;
  disabled: boolean;
}

type FieldKind = 'text' | 'number' | 'select' | 'secret' | 'check' | 'textarea' | 'lines' | 'color' | 'logo';
interface Field {
  name: string;
  label: StringKey;
  kind: FieldKind;
  /** empty input = null (remove the value) */
  nullable?: boolean;
  options?: { value: string; label: string }[];
}

const ROLES = ['admin', 'collector', 'viewer'] as const;
/** keys and DNS values are long unbroken strings: wrap them anywhere rather than widen the page */
const WRAP = { overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' } as const;
const roleLabel = (role: string) =>
  t(role === 'admin' ? 'setRoleAdmin' : role === 'collector' ? 'setRoleCollector' : 'setRoleViewer');

/** The problem the server named for `field` (details paths end with the field's name). */
function fieldProblem(error: Error | null, field: string): string | null {
  if (!(error instanceof ApiError)) return null;
  const found = (error.details as { path?: string; message?: string }[]).find(
    (d) => typeof d.path === 'string' && (d.path === field || d.path.endsWith(`.${field}`)),
  );
  return found?.message ?? null;
}

function Note({ children, testId }: { children: ComponentChildren; testId?: string }) {
  return (
    <p class="small muted" data-testid={testId}>
      {children}
    </p>
  );
}

function SecretField({
  field,
  set,
  locked,
  value,
  onChange,
  onRemove,
  testId,
}: {
  field: Field;
  set: boolean;
  locked: boolean;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  onRemove: () => void;
  testId: string;
}) {
  if (value !== undefined) {
    return (
      <label>
        {t(field.label)}
        <input
          type="password"
          autoComplete="new-password"
          value={value}
          onInput={(e) => onChange(e.currentTarget.value)}
        />
      </label>
    );
  }
  return (
    <div>
      <span class="label-text">{t(field.label)}</span>
      <div class="toolbar">
        <span data-testid={testId}>{set ? t('setSecretSet') : t('setSecretNotSet')}</span>
        {!locked && (
          <button type="button" class="secondary" onClick={() => onChange('')}>
            {t('setReplace')}
            <span class="sr-only"> {t(field.label)}</span>
          </button>
        )}
        {!locked && set && (
          <button type="button" class="link" onClick={onRemove}>
            {t('setRemove')}
            <span class="sr-only"> {t(field.label)}</span>
          </button>
        )}
      </div>
    </div>
  );
}

/** One section's form: shows the effective values, sends only what changed. */
function SectionForm({
  section,
  data,
  fields,
  onSaved,
  children,
}: {
  section: SectionName;
  data: SettingsAnswer;
  fields: Field[];
  onSaved: (answer: SettingsAnswer) => void;
  children?: ComponentChildren;
}) {
  const [draft, setDraft] = useState<Values>({});
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const { values, environment } = data[section];
  const current = (name: string) => (name in draft ? draft[name] : values[name]);
  const edit = (name: string, value: unknown) => {
    setSaved(false);
    setDraft((d) => {
      const next = { ...d };
      if (value === undefined) delete next[name];
      else next[name] = value;
      return next;
    });
  };
  const save = async (body: Values) => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api<SettingsAnswer>(`/api/v1/settings/${section}`, { method: 'PUT', body });
      setDraft({});
      setSaved(true);
      onSaved(answer);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const input = (field: Field) => {
    const locked = environment[field.name];
    const problem = fieldProblem(error, field.name);
    const id = `set-${section}-${field.name}`;
    const describedBy = [locked ? `${id}-env` : '', problem ? `${id}-problem` : ''].filter(Boolean).join(' ');
    const common = {
      id,
      disabled: Boolean(locked) || busy,
      'aria-invalid': problem ? ('true' as const) : undefined,
      'aria-describedby': describedBy || undefined,
    };
    const value = current(field.name);
    const text = (raw: string) => edit(field.name, field.nullable && raw.trim() === '' ? null : raw);
    let control: ComponentChildren;
    switch (field.kind) {
      case 'secret':
        control = (
          <SecretField
            field={field}
            set={Boolean((values[field.name] as { set?: boolean } | undefined)?.set)}
            locked={Boolean(locked)}
            value={typeof draft[field.name] === 'string' ? (draft[field.name] as string) : undefined}
            onChange={(v) => edit(field.name, v)}
            onRemove={() => void save({ [field.name]: null })}
            testId={`secret-${section}-${field.name}`}
          />
        );
        break;
      case 'check':
        control = (
          <label class="check" style={{ flexDirection: 'row' }}>
            <input
              {...common}
              type="checkbox"
              checked={Boolean(value)}
              onChange={(e) => edit(field.name, e.currentTarget.checked)}
            />
            {t(field.label)}
          </label>
        );
        break;
      case 'select':
        control = (
          <label>
            {t(field.label)}
            <select
              {...common}
              value={String(value ?? '')}
              onChange={(e) => edit(field.name, e.currentTarget.value)}
            >
              {(field.options ?? []).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        );
        break;
      case 'textarea':
      case 'lines':
        control = (
          <label>
            {t(field.label)}
            <textarea
              {...common}
              rows={3}
              value={field.kind === 'lines' && Array.isArray(value) ? value.join('\n') : String(value ?? '')}
              onInput={(e) => {
                const raw = e.currentTarget.value;
                if (field.kind === 'textarea') return edit(field.name, raw);
                const lines = raw
                  .split('\n')
                  .map((l) => l.trim())
                  .filter((l) => l !== '');
                edit(field.name, lines.length > 0 ? lines : null);
              }}
            />
          </label>
        );
        break;
      case 'number':
        control = (
          <label>
            {t(field.label)}
            <input
              {...common}
              type="number"
              inputMode="numeric"
              value={value === null || value === undefined ? '' : String(value)}
              onInput={(e) => {
                const raw = e.currentTarget.value.trim();
                edit(field.name, raw === '' ? (field.nullable ? null : undefined) : Number(raw));
              }}
            />
          </label>
        );
        break;
      case 'logo':
        control = (
          <div>
            <label>
              {t(field.label)}
              <input
                {...common}
                type="file"
                accept="image/png,image/jpeg"
                onChange={(e) => {
                  const file = e.currentTarget.files?.[0];
                  if (!file) return;
                  const reader = new FileReader();
                  reader.onload = () => edit(field.name, String(reader.result));
                  reader.readAsDataURL(file);
                }}
              />
            </label>
            {typeof value === 'string' && (
              <div class="toolbar">
                <img src={value} alt={t('setLogoCurrent')} style={{ maxHeight: '48px', maxWidth: '200px' }} />
                <button type="button" class="link" onClick={() => edit(field.name, null)}>
                  {t('setLogoRemove')}
                </button>
              </div>
            )}
          </div>
        );
        break;
      default:
        control = (
          <label>
            {t(field.label)}
            <input
              {...common}
              type="text"
              placeholder={field.kind === 'color' ? '#1f4e79' : undefined}
              value={value === null || value === undefined ? '' : String(value)}
              onInput={(e) => text(e.currentTarget.value)}
            />
          </label>
        );
    }
    return (
      <div key={field.name}>
        {control}
        {locked && (
          <p class="small muted" id={`${id}-env`}>
            {t('setFromEnvironment', { source: locked })}
          </p>
        )}
        {problem && (
          <p class="small error" id={`${id}-problem`}>
            {problem}
          </p>
        )}
      </div>
    );
  };

  const unnamed = error && !fields.some((f) => fieldProblem(error, f.name));
  return (
    <form
      class="form"
      onSubmit={(event) => {
        event.preventDefault();
        void save(draft);
      }}
    >
      <div class="grid">{fields.map(input)}</div>
      {unnamed && error && <ErrorBox error={error} />}
      {error && !unnamed && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
      <div class="toolbar">
        <button type="submit" disabled={busy || Object.keys(draft).length === 0}>
          {t('setSave')}
        </button>
        {saved && (
          <span role="status" class="small">
            {t('setSaved')}
          </span>
        )}
      </div>
      {children}
    </form>
  );
}

function SendTest({ user }: { user: User }) {
  const [to, setTo] = useState(user.email);
  const [result, setResult] = useState<{ ok: boolean; response: string } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="toolbar">
      <label class="grow">
        {t('setTestTo')}
        <input type="email" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
      </label>
      <button
        type="button"
        class="secondary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          setResult(null);
          try {
            setResult(await api('/api/v1/settings/smtp/test', { method: 'POST', body: { to } }));
          } catch (err) {
            setError(err as Error);
          } finally {
            setBusy(false);
          }
        }}
      >
        {t('setSendTest')}
      </button>
      {result && (
        <p role="status" class={result.ok ? 'small' : 'small error'} data-testid="send-test-result">
          {t(result.ok ? 'setTestOk' : 'setTestFailed', { response: result.response })}
        </p>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  );
}

function Dkim({ data, onSaved }: { data: SettingsAnswer; onSaved: (answer: SettingsAnswer) => void }) {
  const { values, environment } = data.dkim;
  const [domain, setDomain] = useState(String(values.domain ?? ''));
  const [selector, setSelector] = useState(String(values.selector ?? 'dunwell'));
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const record = values.dns as { name: string; value: string; zone_line: string } | null;
  const locked = environment.domain;
  return (
    <div class="form">
      {record ? (
        <div data-testid="dkim-record">
          <p>{t('setDkimRecord', { domain: String(values.domain), selector: String(values.selector) })}</p>
          <p class="small muted">{t('setRecordName')}</p>
          <pre class="code" style={WRAP}>
            {record.name}
          </pre>
          <p class="small muted">{t('setRecordValue')}</p>
          <pre class="code" style={WRAP}>
            {record.value}
          </pre>
        </div>
      ) : (
        <Note>{t('setDkimNone')}</Note>
      )}
      {locked ? (
        <Note>{t('setFromEnvironment', { source: locked })}</Note>
      ) : (
        <form
          class="toolbar"
          onSubmit={async (event) => {
            event.preventDefault();
            setBusy(true);
            setError(null);
            try {
              onSaved(
                await api<SettingsAnswer>('/api/v1/settings/dkim/generate', {
                  method: 'POST',
                  body: { domain, selector },
                }),
              );
            } catch (err) {
              setError(err as Error);
            } finally {
              setBusy(false);
            }
          }}
        >
          <label class="grow">
            {t('setDomain')}
            <input required value={domain} onInput={(e) => setDomain(e.currentTarget.value)} />
          </label>
          <label class="grow">
            {t('setSelector')}
            <input required value={selector} onInput={(e) => setSelector(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>
            {t('setGenerate')}
          </button>
        </form>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  );
}

function ApiKeys() {
  const keys = useLoad(() => api<{ items: ApiKey[] }>('/api/v1/api-keys'), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const run = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
      keys.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div class="form">
      <Show loaded={keys}>
        {(data) => (
          <table>
            <thead>
              <tr>
                <th>{t('setKeyName')}</th>
                <th>{t('setKeyPrefix')}</th>
                <th>{t('setCreated')}</th>
                <th>{t('setLastUsed')}</th>
                <th>{t('setStatus')}</th>
                <th>
                  <span class="sr-only">{t('setRevoke')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{date(k.created_at.slice(0, 10))}</td>
                  <td>{k.last_used_at ? instant(k.last_used_at) : t('setNever')}</td>
                  <td>{k.revoked_at ? t('setRevoked') : t('setActive')}</td>
                  <td>
                    {!k.revoked_at && (
                      <button
                        type="button"
                        class="link"
                        onClick={() =>
                          void run(async () => {
                            await api(`/api/v1/api-keys/${k.id}`, { method: 'DELETE' });
                          })
                        }
                      >
                        {t('setRevoke')}
                        <span class="sr-only"> {k.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void run(async () => {
            const answer = await api<{ key: string }>('/api/v1/api-keys', { method: 'POST', body: { name } });
            setCreated(answer.key);
            setName('');
          });
        }}
      >
        <label class="grow">
          {t('setKeyName')}
          <input required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit">{t('setCreateKey')}</button>
      </form>
      {created && (
        <div role="status">
          <p>{t('setKeyOnce')}</p>
          <pre class="code" style={WRAP} data-testid="new-api-key">
            {created}
          </pre>
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  );
}

function Users({ user }: { user: User }) {
  const users = useLoad(() => api<{ items: WorkspaceUser[] }>('/api/v1/users'), []);
  const [draft, setDraft] = useState({ email: '', name: '', role: 'collector' });
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const run = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
      users.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const change = (id: number, body: Record<string, unknown>) =>
    run(async () => {
      await api(`/api/v1/users/${id}`, { method: 'PATCH', body });
    });
  return (
    <div class="form">
      <Show loaded={users}>
        {(data) => (
          <table>
            <thead>
              <tr>
                <th>{t('setEmail')}</th>
                <th>{t('setRole')}</th>
                <th>{t('setStatus')}</th>
                <th>
                  <span class="sr-only">{t('setDisable')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.email}
                    {u.name && <span class="muted small"> · {u.name}</span>}
                  </td>
                  <td>
                    <select
                      aria-label={`${t('setRole')} ${u.email}`}
                      value={u.role}
                      disabled={u.email === user.email}
                      onChange={(e) => void change(u.id, { role: e.currentTarget.value })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {roleLabel(r)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{u.disabled ? t('setDisabled') : t('setActive')}</td>
                  <td>
                    {u.email !== user.email && (
                      <button
                        type="button"
                        class="link"
                        onClick={() => void change(u.id, { disabled: !u.disabled })}
                      >
                        {u.disabled ? t('setEnable') : t('setDisable')}
                        <span class="sr-only"> {u.email}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void run(async () => {
            const answer = await api<{ user: WorkspaceUser; password: string }>('/api/v1/users', {
              method: 'POST',
              body: { email: draft.email, role: draft.role, ...(draft.name ? { name: draft.name } : {}) },
            });
            setCreated({ email: answer.user.email, password: answer.password });
            setDraft({ email: '', name: '', role: 'collector' });
          });
        }}
      >
        <label class="grow">
          {t('setEmail')}
          <input
            type="email"
            required
            value={draft.email}
            onInput={(e) => setDraft({ ...draft, email: e.currentTarget.value })}
          />
        </label>
        <label class="grow">
          {t('setName')}
          <input value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
        </label>
        <label>
          {t('setRole')}
          <select
            aria-label={t('setRole')}
            value={draft.role}
            onChange={(e) => setDraft({ ...draft, role: e.currentTarget.value })}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t('setAddUser')}</button>
      </form>
      {created && (
        <div role="status">
          <p>{t('setPasswordOnce', { email: created.email })}</p>
          <pre class="code" style={WRAP} data-testid="new-user-password">
            {created.password}
          </pre>
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  );
}

const LANGUAGE_OPTIONS = [
  { value: 'en', label: 'English' },
  { value: 'de', label: 'Deutsch' },
  { value: 'fr', label: 'Français' },
  { value: 'es', label: 'Español' },
];

export function Settings({ user }: { user?: User | null }) {
  if (user?.role !== 'admin' || !user) {
    return (
      <div class="page">
        <h1>{t('settings')}</h1>
        <p class="error" role="alert" data-testid="admins-only">
          {t('setAdminsOnly')}
        </p>
      </div>
    );
  }
  return <AdminSettings user={user} />;
}

function AdminSettings({ user }: { user: User }) {
  const loaded = useLoad(() => api<SettingsAnswer>('/api/v1/settings'), []);
  const [answer, setAnswer] = useState<SettingsAnswer | null>(null);
  const security = (options: ('starttls' | 'tls')[]) =>
    options.map((o) => ({ value: o, label: t(o === 'tls' ? 'setTls' : 'setStarttls') }));
  return (
    <div class="page">
      <h1>{t('settings')}</h1>
      <Show loaded={loaded}>
        {(initial) => {
          const data = answer ?? initial;
          const smtp = data.smtp.values;
          return (
            <>
              <Card title={t('setOrganisation')}>
                <SectionForm
                  section="organisation"
                  data={data}
                  onSaved={setAnswer}
                  fields={[
                    { name: 'name', label: 'setOrgName', kind: 'text' },
                    { name: 'address', label: 'setAddress', kind: 'textarea' },
                    { name: 'logo', label: 'setLogo', kind: 'logo' },
                    { name: 'language', label: 'setLanguage', kind: 'select', options: LANGUAGE_OPTIONS },
                    { name: 'currency', label: 'setCurrency', kind: 'text' },
                    { name: 'time_zone', label: 'setTimeZone', kind: 'text' },
                    { name: 'reply_domain', label: 'setReplyDomain', kind: 'text', nullable: true },
                    { name: 'primary_color', label: 'setPrimaryColor', kind: 'color', nullable: true },
                    { name: 'accent_color', label: 'setAccentColor', kind: 'color', nullable: true },
                  ]}
                />
              </Card>
              <Card title={t('setSmtp')}>
                <Note testId="smtp-transport">
                  {smtp.transport === 'smtp'
                    ? t('setViaSmtp', { host: String(smtp.host) })
                    : t('setViaCatcher')}
                </Note>
                <SectionForm
                  section="smtp"
                  data={data}
                  onSaved={setAnswer}
                  fields={[
                    { name: 'host', label: 'setHost', kind: 'text', nullable: true },
                    { name: 'port', label: 'setPort', kind: 'number', nullable: true },
                    {
                      name: 'security',
                      label: 'setSecurity',
                      kind: 'select',
                      options: security(['starttls', 'tls']),
                    },
                    { name: 'username', label: 'setUsername', kind: 'text', nullable: true },
                    { name: 'password', label: 'setPassword', kind: 'secret' },
                    { name: 'from', label: 'setFrom', kind: 'text', nullable: true },
                    { name: 'rate_limit_per_domain', label: 'setRateLimit', kind: 'number' },
                  ]}
                />
                <SendTest user={user} />
              </Card>
              <Card title={t('setDkim')}>
                <Dkim data={data} onSaved={setAnswer} />
              </Card>
              <Card title={t('setImap')}>
                <SectionForm
                  section="imap"
                  data={data}
                  onSaved={setAnswer}
                  fields={[
                    { name: 'host', label: 'setHost', kind: 'text', nullable: true },
                    { name: 'port', label: 'setPort', kind: 'number', nullable: true },
                    {
                      name: 'security',
                      label: 'setSecurity',
                      kind: 'select',
                      options: security(['tls', 'starttls']),
                    },
                    { name: 'username', label: 'setUsername', kind: 'text', nullable: true },
                    { name: 'password', label: 'setPassword', kind: 'secret' },
                    { name: 'mailbox', label: 'setMailbox', kind: 'text' },
                  ]}
                />
              </Card>
              <Card title={t('setPortal')}>
                <SectionForm
                  section="portal"
                  data={data}
                  onSaved={setAnswer}
                  fields={[
                    { name: 'public_url', label: 'setPublicUrl', kind: 'text', nullable: true },
                    { name: 'link_days', label: 'setLinkDays', kind: 'number' },
                    { name: 'promise_grace_days', label: 'setGraceDays', kind: 'number' },
                    { name: 'partial_payments', label: 'setPartialPayments', kind: 'check' },
                    { name: 'dispute_reasons', label: 'setDisputeReasons', kind: 'lines' },
                  ]}
                />
              </Card>
              <Card title={t('setPayments')}>
                <SectionForm
                  section="payments"
                  data={data}
                  onSaved={setAnswer}
                  fields={[
                    { name: 'enabled', label: 'setPaymentsEnabled', kind: 'check' },
                    { name: 'stripe_secret_key', label: 'setStripeKey', kind: 'secret' },
                    { name: 'stripe_webhook_secret', label: 'setStripeWebhook', kind: 'secret' },
                    { name: 'account_holder', label: 'setAccountHolder', kind: 'text' },
                    { name: 'iban', label: 'setIban', kind: 'text' },
                    { name: 'bic', label: 'setBic', kind: 'text' },
                    { name: 'bank_name', label: 'setBankName', kind: 'text' },
                  ]}
                />
              </Card>
              <Card title={t('setCampaigns')}>
                {data.campaigns.values.max_emails_per_customer_per_week === null ? (
                  <Note>{t('setNoCampaigns')}</Note>
                ) : (
                  <SectionForm
                    section="campaigns"
                    data={data}
                    onSaved={setAnswer}
                    fields={[
                      { name: 'max_emails_per_customer_per_week', label: 'setMaxEmails', kind: 'number' },
                    ]}
                  />
                )}
              </Card>
            </>
          );
        }}
      </Show>
      <Card title={t('setApiKeys')}>
        <ApiKeys />
      </Card>
      <Card title={t('setUsers')}>
        <Users user={user} />
      </Card>
    </div>
  );
}
