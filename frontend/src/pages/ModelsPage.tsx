import { lazy, memo, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import { takePrefetched } from '../api/prefetch';
import { MODEL_TYPES, type CatalogResult, type KeyStatus, type ModelType, type PriceChange, type Selection, type SelectionChange } from '../api/types';
import { BalancePanel } from '../components/BalancePanel';
import { ErrorNotice } from '../components/ErrorNotice';
import { Link } from '../components/Link';
import { ModelTable, type Marks } from '../components/ModelTable';
import { priceChangeText } from '../components/Price';
import { TypeCard, type SaveState } from '../components/TypeCard';
import { useI18n } from '../i18n';
import { EMPTY_STATE, parseSearch, toRows, toSearch, type ListState, type Row } from '../models/catalog';
import { ROUTES, setSearch, useSearch } from '../router';

// The details drawer and the comparison are not part of the first list: they load when first opened.
const ModelDetails = lazy(() => import('../components/ModelDetails').then((m) => ({ default: m.ModelDetails })));
const Compare = lazy(() => import('../components/Compare').then((m) => ({ default: m.Compare })));

const IDLE: SaveState = { kind: 'idle' };
// Typing in the list changes the URL and so this page: the balance need not render again for it.
const Balance = memo(BalancePanel);

export function ModelsPage() {
  const { t, lang, formatDate } = useI18n();
  const search = useSearch();
  const { type: openType, state } = useMemo(() => parseSearch(search), [search]);
  const [catalog, setCatalog] = useState<CatalogResult | null>(null);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [key, setKey] = useState<KeyStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [refreshError, setRefreshError] = useState<unknown>(null);
  const [saves, setSaves] = useState<Record<ModelType, SaveState>>({ text: IDLE, image: IDLE, audio: IDLE });
  const [mode, setMode] = useState<'choose' | 'fallback'>('choose');
  const [detailsId, setDetailsId] = useState<string | null>(null);
  const [compare, setCompare] = useState<string[]>([]);
  const [comparing, setComparing] = useState(false);
  const [showChanges, setShowChanges] = useState(false);
  const seq = useRef<Record<ModelType, number>>({ text: 0, image: 0, audio: 0 });

  const catalogRef = useRef<CatalogResult | null>(null);
  catalogRef.current = catalog;

  const load = useCallback(async (refresh: boolean) => {
    setError(null);
    setRefreshError(null);
    if (refresh) setRefreshing(true);
    // The first load takes the requests boot.ts started before React rendered.
    const pre = refresh ? null : takePrefetched();
    (pre?.keys ?? api.getKeys())
      .then((keys) => setKey(keys.find((k) => k.provider === 'openrouter') ?? { provider: 'openrouter', configured: false }))
      .catch(() => setKey(null));
    try {
      // A refresh reads the selection after the new catalog: the selection's flags (a chosen model that left
      // the catalog or changed price) are computed against the catalog the server holds when it answers.
      const [c, s] = refresh
        ? await api.getCatalog(true).then(async (c) => [c, await api.getSelection()] as const)
        : await Promise.all([pre?.catalog ?? api.getCatalog(false), pre?.selection ?? api.getSelection()]);
      setCatalog(c);
      setSelection(s);
    } catch (e) {
      if (refresh && catalogRef.current) setRefreshError(e);
      else setError(e);
    } finally {
      setRefreshing(false);
    }
  }, []);

  useEffect(() => {
    void load(false);
  }, [load]);

  const rows = useMemo(() => {
    const out = {} as Record<ModelType, Row[]>;
    for (const type of MODEL_TYPES) out[type] = catalog ? toRows(catalog.catalog[type], type) : [];
    return out;
  }, [catalog]);
  const byId = useMemo(() => {
    const m = new Map<string, Row>();
    for (const type of MODEL_TYPES) for (const r of rows[type]) if (!m.has(r.id)) m.set(r.id, r);
    return m;
  }, [rows]);
  const rowOf = useCallback((type: ModelType, id: string) => rows[type].find((r) => r.id === id), [rows]);
  const nameOf = useCallback((id: string) => byId.get(id)?.name ?? id, [byId]);

  const openList = useCallback((type: ModelType | null, s: ListState = EMPTY_STATE) => setSearch(toSearch(type, s)), []);
  const onState = useCallback((s: ListState) => openList(openType, s), [openList, openType]);
  // Read through a ref so that the cards' callbacks stay the same while the list's state changes.
  const listRef = useRef({ openType, state, mode });
  listRef.current = { openType, state, mode };
  const onOpenType = useCallback(
    (x: ModelType) => {
      const { openType: o, state: s, mode: m } = listRef.current;
      setMode('choose');
      openList(o === x && m === 'choose' ? null : x, o === x ? s : EMPTY_STATE);
    },
    [openList],
  );
  const onAddFallbackType = useCallback(
    (x: ModelType) => {
      const { openType: o, state: s } = listRef.current;
      setMode('fallback');
      openList(x, o === x ? s : EMPTY_STATE);
    },
    [openList],
  );

  const saveType = useCallback(
    async (type: ModelType, change: SelectionChange) => {
      const my = ++seq.current[type];
      setSaves((p) => ({ ...p, [type]: { kind: 'saving' } }));
      try {
        const s = await api.saveSelection({ [type]: change });
        setSelection(s);
        if (my === seq.current[type]) setSaves((p) => ({ ...p, [type]: { kind: 'saved' } }));
      } catch (err) {
        if (my === seq.current[type]) setSaves((p) => ({ ...p, [type]: { kind: 'failed', reason: errorMessage(t, err) } }));
      }
    },
    [t],
  );

  const choose = useCallback(
    (type: ModelType, id: string) => {
      const fb = (selection?.[type]?.fallbacks ?? []).filter((x) => x !== id);
      void saveType(type, fb.length ? { model: id, fallbacks: fb } : id);
    },
    [saveType, selection],
  );

  const setFallbacks = useCallback(
    (type: ModelType, fallbacks: string[]) => {
      const model = selection?.[type]?.model_id;
      if (model) void saveType(type, { model, fallbacks });
    },
    [saveType, selection],
  );

  const addFallback = useCallback(
    (type: ModelType, id: string) => {
      const e = selection?.[type];
      if (!e?.model_id || id === e.model_id) return;
      const fb = e.fallbacks ?? [];
      if (fb.includes(id) || fb.length >= 3) return;
      setFallbacks(type, [...fb, id]);
    },
    [selection, setFallbacks],
  );

  const onPick = useCallback(
    (id: string) => {
      if (!openType) return;
      if (mode === 'fallback') {
        addFallback(openType, id);
        setMode('choose');
      } else choose(openType, id);
    },
    [openType, mode, addFallback, choose],
  );

  const recommended = catalog?.recommended ?? {};
  const recIdOf = (type: ModelType) => recommended[type]?.model_id || (selection?.[type]?.recommended ? selection[type].model_id : '');

  const useRecommended = useCallback(
    (type: ModelType) => {
      const id = catalogRef.current?.recommended?.[type]?.model_id || selection?.[type]?.model_id;
      if (id) choose(type, id);
    },
    [choose, selection],
  );

  const unsaved = selection ? MODEL_TYPES.filter((type) => !selection[type]?.saved && recIdOf(type)) : [];
  async function useAllRecommended() {
    const change: Partial<Record<ModelType, SelectionChange>> = {};
    for (const type of unsaved) change[type] = recIdOf(type);
    setSaves((p) => ({ ...p, ...Object.fromEntries(unsaved.map((x) => [x, { kind: 'saving' }])) }));
    try {
      setSelection(await api.saveSelection(change));
      setSaves((p) => ({ ...p, ...Object.fromEntries(unsaved.map((x) => [x, { kind: 'saved' }])) }));
    } catch (err) {
      const reason = errorMessage(t, err);
      setSaves((p) => ({ ...p, ...Object.fromEntries(unsaved.map((x) => [x, { kind: 'failed', reason }])) }));
    }
  }

  const toggleCompare = useCallback((id: string) => {
    setCompare((c) => (c.includes(id) ? c.filter((x) => x !== id) : c.length >= 4 ? c : [...c, id]));
  }, []);

  const changes = catalog?.changes;
  const added = useMemo(() => new Set(changes?.added ?? []), [changes]);
  // Each type card's model's price changes, the same array from render to render (the cards are memoised).
  const cardChanges = useMemo(() => {
    const out = {} as Record<ModelType, PriceChange[]>;
    for (const type of MODEL_TYPES) {
      const id = selection?.[type]?.model_id;
      out[type] = id ? (changes?.price_changed ?? []).filter((c) => c.id === id) : [];
    }
    return out;
  }, [changes, selection]);
  const priceChanged = useMemo(() => new Set((changes?.price_changed ?? []).map((c) => c.id)), [changes]);
  const entry = openType ? selection?.[openType] : undefined;
  const marks = useMemo<Marks>(
    () => ({ selectedId: entry?.model_id ?? '', recommendedId: openType ? recIdOf(openType) : '', fallbacks: entry?.fallbacks ?? [], added, priceChanged }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [entry, openType, added, priceChanged, catalog],
  );
  const detailsRow = openType && detailsId ? rowOf(openType, detailsId) : undefined;
  const compareRows = openType ? compare.map((id) => rowOf(openType, id)).filter((r): r is Row => !!r) : [];

  // A user without a working key is led to the key step first.
  const keyProblem = key && (!key.configured ? 'none' : key.verification?.status === 'rejected' ? 'rejected' : null);
  const total = byId.size;
  const nChanges = (changes?.added.length ?? 0) + (changes?.removed.length ?? 0) + (changes?.price_changed.length ?? 0);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('models.title')}</h1>
          <p className="muted">{t('models.intro')}</p>
        </div>
        <div className="page-actions">
          {unsaved.length > 0 && (
            <button type="button" className="btn primary" onClick={() => void useAllRecommended()}>
              {t('rec.useAll')}
            </button>
          )}
          <button type="button" className="btn" onClick={() => void load(true)} disabled={refreshing || (!catalog && !error)} aria-busy={refreshing}>
            {refreshing && <span className="spinner" aria-hidden="true" />}
            {refreshing ? t('models.refreshing') : t('models.refresh')}
          </button>
        </div>
      </div>

      {keyProblem && (
        <div className="notice warn key-step" role="note" data-testid="key-step">
          <p>
            <strong>{t('keystep.title')}</strong> {keyProblem === 'none' ? t('keystep.none') : t('keystep.rejected', { reason: key?.verification?.reason ?? '' })}
          </p>
          <Link href={ROUTES.apiKeys} className="btn small primary">
            {keyProblem === 'none' ? t('fix.addKey') : t('fix.replaceKey')}
          </Link>
        </div>
      )}

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
        {refreshError !== null && <ErrorNotice error={refreshError} onRetry={() => void load(true)} />}
        {catalog?.stale && (
          <p className="notice warn" role="note" data-testid="catalog-stale">
            {t('models.stale')}
          </p>
        )}
        {changes && nChanges > 0 && (
          <div className="notice info changes" data-testid="catalog-changes">
            <p>
              {changes.since ? t('changes.since', { date: formatDate(changes.since) }) : t('changes.lead')}{' '}
              {t('changes.summary', { added: changes.added.length, removed: changes.removed.length, changed: changes.price_changed.length })}{' '}
              <button type="button" className="btn link small" aria-expanded={showChanges} onClick={() => setShowChanges((v) => !v)}>
                {showChanges ? t('changes.hide') : t('changes.show')}
              </button>
            </p>
            {showChanges && (
              <ul className="change-list">
                {changes.added.map((id) => (
                  <li key={`a-${id}`}>
                    <span className="badge new-badge">{t('changes.new')}</span> {nameOf(id)} <code>{id}</code>
                  </li>
                ))}
                {changes.removed.map((id) => (
                  <li key={`r-${id}`}>
                    <span className="badge warn-badge">{t('changes.removed')}</span> <code>{id}</code>
                  </li>
                ))}
                {changes.price_changed.map((c) => (
                  <li key={`p-${c.id}-${c.field}`}>
                    <span className="badge warn-badge">{t('changes.priceChanged')}</span> {nameOf(c.id)} <code>{c.id}</code>{' '}
                    <span className="change-figures">{priceChangeText(t, lang, c, byId.get(c.id)?.model)}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>

      <div className="models-layout">
        <div className="pickers">
          {error ? (
            <ErrorNotice error={error} onRetry={() => void load(false)} />
          ) : !catalog || !selection ? (
            <p className="muted">{t('common.loading')}</p>
          ) : (
            <>
              <div className="type-cards">
                {MODEL_TYPES.map((type) => (
                  <TypeCard
                    key={type}
                    type={type}
                    entry={selection[type]}
                    row={selection[type]?.model_id ? rowOf(type, selection[type].model_id) : undefined}
                    recommended={recommended[type] ?? (selection[type]?.recommended ? { model_id: selection[type].model_id, rule: '' } : undefined)}
                    nameOf={nameOf}
                    priceChanges={cardChanges[type]}
                    open={openType === type}
                    save={saves[type]}
                    onOpen={onOpenType}
                    onAddFallback={onAddFallbackType}
                    onFallbacks={setFallbacks}
                    onUseRecommended={useRecommended}
                  />
                ))}
              </div>
              {openType && (
                <div className="list-area">
                  <ModelTable
                    key={openType}
                    type={openType}
                    rows={rows[openType]}
                    state={state}
                    onState={onState}
                    marks={marks}
                    mode={mode}
                    onCancelMode={() => setMode('choose')}
                    onPick={onPick}
                    onDetails={setDetailsId}
                    compare={compare}
                    onToggleCompare={toggleCompare}
                    onClose={() => {
                      setMode('choose');
                      setDetailsId(null);
                      openList(null);
                    }}
                  />
                  {compareRows.length > 0 && (
                    <div className="compare-tray" data-testid="compare-tray">
                      <span>{t('compare.tray', { n: compareRows.length })}</span>
                      <button type="button" className="btn small primary" disabled={compareRows.length < 2} onClick={() => setComparing(true)}>
                        {t('compare.open', { n: compareRows.length })}
                      </button>
                      <button type="button" className="btn small" onClick={() => setCompare([])}>
                        {t('compare.clear')}
                      </button>
                    </div>
                  )}
                  {comparing && compareRows.length >= 2 && (
                    <Suspense fallback={<p className="muted">{t('common.loading')}</p>}>
                      <Compare
                        type={openType}
                        rows={compareRows}
                        selectedId={entry?.model_id ?? ''}
                        onRemove={toggleCompare}
                        onUse={(id) => choose(openType, id)}
                        onClose={() => setComparing(false)}
                      />
                    </Suspense>
                  )}
                </div>
              )}
            </>
          )}
        </div>
        <aside className="side">
          <Balance />
        </aside>
      </div>

      {openType && detailsRow && (
        <Suspense fallback={null}>
          <ModelDetails
            type={openType}
            row={detailsRow}
            selectedId={entry?.model_id ?? ''}
            fallbacks={entry?.fallbacks ?? []}
            inCompare={compare.includes(detailsRow.id)}
            compareFull={compare.length >= 4}
            onUse={(id) => choose(openType, id)}
            onAddFallback={(id) => addFallback(openType, id)}
            onToggleCompare={toggleCompare}
            onClose={() => setDetailsId(null)}
          />
        </Suspense>
      )}
    </>
  );
}
