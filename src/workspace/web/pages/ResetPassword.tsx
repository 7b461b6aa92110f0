/**
 * Password reset, reachable signed out: without a token, ask for the link by email (the answer
 * never says whether an account exists); with the emailed link's token, set a new password,
 * which ends every session, then sign in with it.
 */
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { language, t } from '../i18n.ts';
import type { User } from '../session.ts';

function tokenFromHash(): string | null {
  const q = location.hash.indexOf('?');
  return q < 0 ? null : new URLSearchParams(location.hash.slice(q + 1)).get('token');
}

export function ResetPassword(_props: { user?: User | null }) {
  const token = tokenFromHash();
  return <main class="signin">{token ? <SetPassword token={token} /> : <RequestLink />}</main>;
}

function RequestLink() {
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget as HTMLFormElement).get('email') ?? '');
    setBusy(true);
    setError(null);
    try {
      await api('/api/password-reset', { method: 'POST', body: { email, language: language() } });
      setSent(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="reset-title">
      <p class="brand">{t('appName')}</p>
      <h1 id="reset-title">{t('resetTitle')}</h1>
      {sent ? (
        <p role="status">{t('resetSent')}</p>
      ) : (
        <>
          <p class="muted">{t('resetHint')}</p>
          <label>
            {t('email')}
            <input name="email" type="email" autocomplete="username" required />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" disabled={busy}>
            {t('resetSend')}
          </button>
        </>
      )}
      <p>
        <a href="#/">{t('resetBack')}</a>
      </p>
    </form>
  );
}

function SetPassword({ token }: { token: string }) {
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('repeat') ?? '')) {
      setError(t('resetMismatch'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await api<{ email: string }>('/api/password-reset/confirm', {
        method: 'POST',
        body: { token, password },
      });
      setDone(answer.email);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="reset-title">
      <p class="brand">{t('appName')}</p>
      <h1 id="reset-title">{t('resetNewTitle')}</h1>
      {done ? (
        <>
          <p role="status">{t('resetDone', { email: done })}</p>
          <p>
            <a href="#/">{t('signIn')}</a>
          </p>
        </>
      ) : (
        <>
          <p class="muted">{t('resetRules')}</p>
          <label>
            {t('resetNewPassword')}
            <input name="password" type="password" autocomplete="new-password" minLength={12} required />
          </label>
          <label>
            {t('resetRepeat')}
            <input name="repeat" type="password" autocomplete="new-password" minLength={12} required />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" disabled={busy}>
            {t('resetSave')}
          </button>
          <p>
            <a href="#/reset-password">{t('resetAgain')}</a>
          </p>
        </>
      )}
    </form>
  );
}
