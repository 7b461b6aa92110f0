import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { Card, ErrorBox, Show, useLoad } from '../components.tsx';
import { t } from '../i18n.ts';
import type { User } from '../session.ts';

interface Summary {
  key: string;
  language: string;
  version: number;
  origin: 'database' | 'default';
}
interface Template extends Summary {
  subject: string;
  format: 'mjml' | 'html';
  body: string;
  text: string | null;
}
interface Problem {
  part: string;
  line: number;
  column: number;
  reason: string;
}
interface Rendered {
  subject: string;
  html: string;
  text: string;
}

function problemsOf(err: unknown): Problem[] | null {
  if (!(err instanceof ApiError) || err.status !== 422) return null;
  return err.details.length > 0 ? (err.details as Problem[]) : null;
}

/** Template editor: live preview against a chosen customer, problems at line and column. */
export function Templates({ user }: { user: User }) {
  const list = useLoad(() => api<{ items: Summary[] }>('/api/v1/templates'), []);
  const [selected, setSelected] = useState<{ key: string; language: string }>({
    key: 'past-due',
    language: 'en',
  });
  const [draft, setDraft] = useState<Template | null>(null);
  const [customer, setCustomer] = useState('');
  const [preview, setPreview] = useState<Rendered | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    setDraft(null);
    setPreview(null);
    setProblems([]);
    api<Template>(`/api/v1/templates/${selected.key}/${selected.language}`).then(setDraft, setError);
  }, [selected.key, selected.language]);

  // Validate and preview as the user types, a moment after the last change.
  useEffect(() => {
    if (!draft) return;
    const timer = setTimeout(async () => {
      try {
        const body: Record<string, unknown> = {
          source: { subject: draft.subject, format: draft.format, body: draft.body, text: draft.text },
          customer: customer.trim() || '__none__',
        };
        if (!customer.trim()) {
          // Without a customer the server can still check the draft: a missing customer is a 404.
          await api(`/api/v1/templates/${draft.key}/${draft.language}/preview`, { method: 'POST', body });
        } else {
          setPreview(
            await api<Rendered>(`/api/v1/templates/${draft.key}/${draft.language}/preview`, {
              method: 'POST',
              body,
            }),
          );
        }
        setProblems([]);
        setError(null);
      } catch (err) {
        const found = problemsOf(err);
        if (found) setProblems(found);
        else if (err instanceof ApiError && err.status === 404 && !customer.trim()) setProblems([]);
        else setError(err as Error);
      }
    }, 500);
    return () => clearTimeout(timer);
  }, [draft, customer]);

  const save = async () => {
    if (!draft) return;
    setSaved(false);
    try {
      const result = await api<Template>(`/api/v1/templates/${draft.key}/${draft.language}`, {
        method: 'PUT',
        body: { subject: draft.subject, format: draft.format, body: draft.body, text: draft.text },
      });
      setDraft(result);
      setSaved(true);
      list.reload();
    } catch (err) {
      const found = problemsOf(err);
      if (found) setProblems(found);
      else setError(err as Error);
    }
  };

  const edit = (patch: Partial<Template>) => {
    setSaved(false);
    setDraft((d) => (d ? { ...d, ...patch } : d));
  };

  return (
    <div class="page">
      <h1>{t('templates')}</h1>
      <div class="columns even">
        <div class="page">
          <Card title={t('template')}>
            <Show loaded={list}>
              {(l) => (
                <label>
                  {t('template')}
                  <select
                    value={`${selected.key}/${selected.language}`}
                    onChange={(e) => {
                      const [key = '', language = ''] = e.currentTarget.value.split('/');
                      setSelected({ key, language });
                    }}
                  >
                    {l.items.map((s) => (
                      <option key={`${s.key}/${s.language}`} value={`${s.key}/${s.language}`}>
                        {s.key} · {s.language}{' '}
                        {s.origin === 'default' ? `(${t('shippedDefault')})` : `v${s.version}`}
                      </option>
                    ))}
                  </select>
                </label>
              )}
            </Show>
            {draft && (
              <div class="form">
                <label>
                  {t('subject')}
                  <input value={draft.subject} onInput={(e) => edit({ subject: e.currentTarget.value })} />
                </label>
                <label>
                  {t('body')} ({draft.format.toUpperCase()})
                  <textarea
                    class="code"
                    rows={18}
                    spellcheck={false}
                    value={draft.body}
                    onInput={(e) => edit({ body: e.currentTarget.value })}
                  />
                </label>
                <label>
                  {t('plainText')}
                  <textarea
                    class="code"
                    rows={6}
                    spellcheck={false}
                    placeholder={t('derivedFromHtml')}
                    value={draft.text ?? ''}
                    onInput={(e) =>
                      edit({ text: e.currentTarget.value === '' ? null : e.currentTarget.value })
                    }
                  />
                </label>
                {problems.length > 0 && (
                  <div role="alert">
                    <ul class="error" aria-label={t('problems')}>
                      {problems.map((p) => (
                        <li key={`${p.part}-${p.line}-${p.column}`} data-testid="template-problem">
                          {t('problemAt', { part: p.part, line: p.line, column: p.column })}: {p.reason}
                        </li>
                      ))}
                    </ul>
                  </div>
                )}
                {error && <ErrorBox error={error} />}
                {user.role === 'admin' && (
                  <div class="buttons">
                    {saved && (
                      <span class="muted" role="status">
                        {t('saved')}
                      </span>
                    )}
                    <button type="button" onClick={() => void save()} disabled={problems.length > 0}>
                      {t('save')}
                    </button>
                  </div>
                )}
              </div>
            )}
          </Card>
        </div>
        <Card title={t('preview')}>
          <label>
            {t('previewCustomer')}
            <input
              value={customer}
              placeholder="C-1001"
              onInput={(e) => setCustomer(e.currentTarget.value)}
            />
          </label>
          {preview && customer.trim() && (
            <div class="preview">
              <p>
                <strong>{preview.subject}</strong>
              </p>
              <iframe title={t('preview')} sandbox="" srcdoc={preview.html} class="mail" />
              <details>
                <summary>{t('plainText')}</summary>
                <pre class="code">{preview.text}</pre>
              </details>
            </div>
          )}
        </Card>
      </div>
    </div>
  );
}
