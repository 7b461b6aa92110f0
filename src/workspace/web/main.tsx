/**
 * The collector workspace: a single-page app that uses only the public REST API (with the
 * session cookie) — the API's first client. Built in memory by the server on first request
 * (src/workspace/bundle.ts); no separate build step.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { whenSignedOut } from './api.ts';
import { Loading } from './components.tsx';
import { LANGUAGES, type Language, language, setLanguage, t } from './i18n.ts';
import { Campaigns } from './pages/Campaigns.tsx';
import { Customer } from './pages/Customer.tsx';
import { Customers } from './pages/Customers.tsx';
import { Dashboard } from './pages/Dashboard.tsx';
import { Disputes } from './pages/Disputes.tsx';
import { Forecast } from './pages/Forecast.tsx';
import { Inbox } from './pages/Inbox.tsx';
import { ResetPassword } from './pages/ResetPassword.tsx';
import { Settings } from './pages/Settings.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Templates } from './pages/Templates.tsx';
import { Worklist } from './pages/Worklist.tsx';
import { currentUser, signOut, type User } from './session.ts';

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function Route({ hash, user }: { hash: string; user: User }) {
  const customer = /^#\/customers\/(.+)$/.exec(hash);
  if (customer?.[1]) return <Customer id={decodeURIComponent(customer[1])} user={user} />;
  if (hash.startsWith('#/customers')) return <Customers user={user} />;
  if (hash.startsWith('#/worklist')) return <Worklist user={user} />;
  if (hash.startsWith('#/forecast')) return <Forecast />;
  if (hash.startsWith('#/inbox')) return <Inbox user={user} />;
  if (hash.startsWith('#/templates')) return <Templates user={user} />;
  if (hash.startsWith('#/campaigns')) return <Campaigns user={user} />;
  if (hash.startsWith('#/disputes')) return <Disputes user={user} />;
  if (hash.startsWith('#/settings')) return <Settings user={user} />;
  return <Dashboard />;
}

function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [, setLang] = useState<Language>(language());
  const hash = useHash();
  useEffect(() => {
    whenSignedOut(() => setUser(null));
    void currentUser().then(setUser);
  }, []);
  useEffect(() => {
    document.title = `${t('appName')}`;
  });
  if (user === undefined) return <Loading />;
  // The emailed reset link works signed out (and signs the old sessions out when used).
  if (hash.startsWith('#/reset-password')) return <ResetPassword user={user} />;
  if (user === null) return <SignIn onSignedIn={setUser} />;
  const nav = [
    { href: '#/', label: t('dashboard'), active: hash === '#/' || hash === '#' },
    { href: '#/customers', label: t('customers'), active: hash.startsWith('#/customers') },
    { href: '#/worklist', label: t('worklist'), active: hash.startsWith('#/worklist') },
    { href: '#/inbox', label: t('inbox'), active: hash.startsWith('#/inbox') },
    { href: '#/disputes', label: t('disputes'), active: hash.startsWith('#/disputes') },
    { href: '#/forecast', label: t('forecast'), active: hash.startsWith('#/forecast') },
    { href: '#/campaigns', label: t('campaigns'), active: hash.startsWith('#/campaigns') },
    { href: '#/templates', label: t('templates'), active: hash.startsWith('#/templates') },
    { href: '#/settings', label: t('settings'), active: hash.startsWith('#/settings') },
  ];
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">{t('appName')}</span>
        <nav aria-label="Main">
          {nav.map((item) => (
            <a key={item.href} href={item.href} aria-current={item.active ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <span class="grow" />
        <label class="small">
          <span class="sr-only">{t('language')}</span>
          <select
            value={language()}
            onChange={(e) => {
              const next = e.currentTarget.value as Language;
              setLanguage(next);
              setLang(next);
            }}
          >
            {Object.keys(LANGUAGES).map((code) => (
              <option key={code} value={code}>
                {code.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
        <span class="small muted">
          {user.email} · {user.role}
        </span>
        <button type="button" class="secondary" onClick={() => void signOut().finally(() => setUser(null))}>
          {t('signOut')}
        </button>
      </header>
      <main id="main">
        <Route hash={hash} user={user} />
      </main>
    </>
  );
}

document.documentElement.lang = language();
const root = document.getElementById('app');
if (root) render(<App />, root);
