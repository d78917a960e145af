import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { onUnauthorized } from './api/client';
import { clearToken, getToken, setToken } from './auth';
import { LanguageSwitch } from './components/LanguageSwitch';
import { Link } from './components/Link';
import { TokenScreen } from './components/TokenScreen';
import { usePhone } from './components/usePhone';
import { useI18n, type MessageKey } from './i18n';
import { ModelsPage } from './pages/ModelsPage';
import { navigate, ROUTES, usePath } from './router';

// The models page is the landing page and is in the first bundle; the others load when opened (the usage
// page with its chart library).
const UsagePage = lazy(() => import('./pages/UsagePage'));
const ApiKeysPage = lazy(() => import('./pages/ApiKeysPage').then((m) => ({ default: m.ApiKeysPage })));
const PromptsPage = lazy(() => import('./pages/PromptsPage').then((m) => ({ default: m.PromptsPage })));

// Each tab has a short label for a phone's one-row header; its accessible name stays the full label
// (which contains the short one, so what is seen is what a voice command says).
const TABS: { path: string; label: MessageKey; short: MessageKey }[] = [
  { path: ROUTES.models, label: 'nav.models', short: 'nav.modelsShort' },
  { path: ROUTES.apiKeys, label: 'nav.apiKeys', short: 'nav.apiKeysShort' },
  { path: ROUTES.prompts, label: 'nav.prompts', short: 'nav.promptsShort' },
  { path: ROUTES.usage, label: 'nav.usage', short: 'nav.usageShort' },
];

/** The language switch and signing out: beside the tabs on a wide screen, behind one button on a phone. */
function TopbarTools({ onSignOut }: { onSignOut: () => void }) {
  const { t } = useI18n();
  const phone = usePhone();
  const menu = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (!phone) return;
    // A click or a tap outside the open menu, or Escape, closes it.
    const close = (e: Event) => {
      const d = menu.current;
      if (!d?.open) return;
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !d.contains(e.target as Node)) d.open = false;
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', close);
    };
  }, [phone]);
  const tools = (
    <>
      <LanguageSwitch />
      <button type="button" className="btn small ghost" onClick={onSignOut}>
        {t('signout')}
      </button>
    </>
  );
  if (!phone) return <div className="topbar-tools">{tools}</div>;
  return (
    <details className="topbar-tools tools-menu" ref={menu}>
      <summary className="btn small ghost" aria-label={t('menu.label')} title={t('menu.label')}>
        <span aria-hidden="true">⋯</span>
      </summary>
      <div className="tools-pop">{tools}</div>
    </details>
  );
}

function normalize(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export function App() {
  const { t } = useI18n();
  const [authed, setAuthed] = useState(() => !!getToken());
  const [expired, setExpired] = useState(false);
  const path = normalize(usePath());

  useEffect(
    () =>
      onUnauthorized(() => {
        setAuthed(false);
        setExpired(true);
      }),
    [],
  );

  useEffect(() => {
    if (path === '/' || path === '' || path === '/settings') navigate(ROUTES.models, { replace: true });
  }, [path]);

  const tab = TABS.find((x) => x.path === path);
  useEffect(() => {
    document.title = tab ? `${t(tab.label)} · ${t('app.title')}` : t('app.title');
  }, [tab, t]);

  if (!authed) {
    return (
      <TokenScreen
        expired={expired}
        onToken={(token) => {
          setToken(token);
          setExpired(false);
          setAuthed(true);
        }}
      />
    );
  }

  let page;
  switch (path) {
    case ROUTES.apiKeys:
      page = <ApiKeysPage />;
      break;
    case ROUTES.models:
      page = <ModelsPage />;
      break;
    case ROUTES.prompts:
      page = <PromptsPage />;
      break;
    case ROUTES.usage:
      page = <UsagePage />;
      break;
    case '/':
    case '':
    case '/settings':
      page = null;
      break;
    default:
      page = (
        <div className="card narrow">
          <h1>{t('notFound.title')}</h1>
          <p className="muted">{t('notFound.body')}</p>
          <Link href={ROUTES.models} className="btn primary">
            {t('notFound.link')}
          </Link>
        </div>
      );
  }

  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link href={ROUTES.models} className="brand">
            <span className="logo" aria-hidden="true">
              ai
            </span>
            <span className="brand-name">{t('app.title')}</span>
            <span className="brand-sub">{t('app.subtitle')}</span>
          </Link>
          <nav aria-label={t('nav.label')} className="tabs">
            {TABS.map((x) => (
              <Link key={x.path} href={x.path} className="tab" aria-current={x.path === path ? 'page' : undefined} aria-label={t(x.label)}>
                <span className="tab-full">{t(x.label)}</span>
                <span className="tab-short" aria-hidden="true">
                  {t(x.short)}
                </span>
              </Link>
            ))}
          </nav>
          <TopbarTools
            onSignOut={() => {
              clearToken();
              setExpired(false);
              setAuthed(false);
            }}
          />
        </div>
      </header>
      <main id="main" className="content" tabIndex={-1}>
        <Suspense fallback={<p className="muted">{t('common.loading')}</p>}>{page}</Suspense>
      </main>
    </>
  );
}
