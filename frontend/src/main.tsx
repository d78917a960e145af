import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { captureTokenFromFragment } from './auth';
import { I18nProvider } from './i18n';
import './styles.css';

// Before anything renders: take #token=... out of the address bar.
captureTokenFromFragment();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
