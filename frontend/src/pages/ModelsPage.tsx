import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import { MODEL_TYPES, type CatalogResult, type ModelType, type Selection } from '../api/types';
import { BalancePanel } from '../components/BalancePanel';
import { ModelPicker } from '../components/ModelPicker';
import { useI18n } from '../i18n';

export function ModelsPage() {
  const { t, formatDate } = useI18n();
  const [catalog, setCatalog] = useState<CatalogResult | null>(null);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [recommended, setRecommended] = useState<Partial<Record<ModelType, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [refreshing, setRefreshing] = useState(false);
  // A failed refresh keeps the catalog on screen and says why above it.
  const [refreshError, setRefreshError] = useState<unknown>(null);

  const rememberRecommended = useCallback((s: Selection) => {
    setRecommended((prev) => {
      const next = { ...prev };
      for (const type of MODEL_TYPES) {
        const e = s[type];
        if (e?.recommended && e.model_id) next[type] = e.model_id;
      }
      return next;
    });
  }, []);

  const catalogRef = useRef<CatalogResult | null>(null);
  catalogRef.current = catalog;

  const load = useCallback(
    async (refresh: boolean) => {
      setError(null);
      setRefreshError(null);
      if (refresh) setRefreshing(true);
      try {
        const [c, s] = await Promise.all([api.getCatalog(refresh), api.getSelection()]);
        setCatalog(c);
        setSelection(s);
        rememberRecommended(s);
      } catch (e) {
        if (refresh && catalogRef.current) setRefreshError(e);
        else setError(e);
      } finally {
        setRefreshing(false);
      }
    },
    [rememberRecommended],
  );

  useEffect(() => {
    void load(false);
  }, [load]);

  const onSave = useCallback(
    async (type: ModelType, modelId: string) => {
      const s = await api.saveSelection({ [type]: modelId });
      setSelection(s);
      rememberRecommended(s);
    },
    [rememberRecommended],
  );

  // A model can serve several types: count each id once.
  const total = catalog ? new Set(MODEL_TYPES.flatMap((type) => catalog.catalog[type].map((m) => m.id))).size : 0;

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('models.title')}</h1>
          <p className="muted">{t('models.intro')}</p>
        </div>
        <div className="page-actions">
          <button
            type="button"
            className="btn"
            onClick={() => void load(true)}
            disabled={refreshing || (!catalog && !error)}
            aria-busy={refreshing}
          >
            {refreshing && <span className="spinner" aria-hidden="true" />}
            {refreshing ? t('models.refreshing') : t('models.refresh')}
          </button>
        </div>
      </div>

      <div className="catalog-status" aria-live="polite">
        {refreshing && (
          <div className="progress" role="progressbar" aria-label={t('models.refreshing')}>
            <span />
          </div>
        )}
        {catalog && (
          <p className="muted small">
            {t('models.count', { count: total })}
            {catalog.fetchedAt && <> · {t('models.fetchedAt', { date: formatDate(catalog.fetchedAt) })}</>}
          </p>
        )}
        {refreshError !== null && (
          <p className="notice error" role="alert">
            {errorMessage(t, refreshError)}
          </p>
        )}
        {catalog?.stale && (
          <p className="notice warn" role="note" data-testid="catalog-stale">
            {t('models.stale')}
          </p>
        )}
      </div>

      <div className="models-layout">
        <div className="pickers">
          {error ? (
            <div className="notice error" role="alert">
              <p>{errorMessage(t, error)}</p>
              <button type="button" className="btn small" onClick={() => void load(false)}>
                {t('common.retry')}
              </button>
            </div>
          ) : !catalog || !selection ? (
            <p className="muted">{t('common.loading')}</p>
          ) : (
            MODEL_TYPES.map((type) => (
              <ModelPicker
                key={type}
                type={type}
                models={catalog.catalog[type]}
                entry={selection[type]}
                recommendedId={recommended[type]}
                onSave={onSave}
              />
            ))
          )}
        </div>
        <aside className="side">
          <BalancePanel />
        </aside>
      </div>
    </>
  );
}
