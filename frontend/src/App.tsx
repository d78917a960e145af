import { lazy, Suspense, useEffect, useState } from 'react';
import { onUnauthorized } from './api/client';
import { clearToken, getToken, setToken } from './auth';
import { LanguageSwitch } from './components/LanguageSwitch';
import { Link } from './components/Link';
import { TokenScreen } from './components/TokenScreen';
import { useI18n, type MessageKey } from './i18n';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { ModelsPage } from './pages/ModelsPage';
import { PromptsPage } from './pages/PromptsPage';
import { navigate, ROUTES, usePath } from './router';

// The usage page and its chart library load only when the page is opened.
const UsagePage = lazy(() => import('./pages/UsagePage'));

const TABS: { path: string; label: MessageKey }[] = [
  { path: ROUTES.models, label: 'nav.models' },
  { path: ROUTES.apiKeys, label: 'nav.apiKeys' },
  { path: ROUTES.prompts, label: 'nav.prompts' },
  { path: ROUTES.usage, label: 'nav.usage' },
];

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
      page = (
        <Suspense fallback={<p className="muted">{t('common.loading')}</p>}>
          <UsagePage />
        </Suspense>
      );
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
              <Link key={x.path} href={x.path} className="tab" aria-current={x.path === path ? 'page' : undefined}>
                {t(x.label)}
              </Link>
            ))}
          </nav>
          <div className="topbar-tools">
            <LanguageSwitch />
            <button
              type="button"
              className="btn small ghost"
              onClick={() => {
                clearToken();
                setExpired(false);
                setAuthed(false);
              }}
            >
              {t('signout')}
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="content" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}
