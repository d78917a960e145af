import { useVirtualizer } from '@tanstack/react-virtual';
import { usePhone } from './usePhone';
import { memo, useCallback, useDeferredValue, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ModelType } from '../api/types';
import { useI18n, type TFunc } from '../i18n';
import { MIN_CONTEXTS, priceColumns, providerOptions, visibleItems, type Item, type ListState, type Row, type Sort } from '../models/catalog';
import { formatCompact } from './format';
import { cachedPriceText, fieldLabel } from './Price';

/** How long the search box waits after the last keystroke before it writes its text to the URL (?q=). */
export const URL_QUERY_DELAY_MS = 300;

export interface Marks {
  selectedId: string;
  recommendedId?: string;
  fallbacks: string[];
  added: ReadonlySet<string>;
  priceChanged: ReadonlySet<string>;
}

interface Props {
  type: ModelType;
  rows: Row[];
  state: ListState;
  onState: (s: ListState) => void;
  marks: Marks;
  /** "fallback" while the list picks a fallback instead of the choice. */
  mode: 'choose' | 'fallback';
  onCancelMode: () => void;
  onPick: (id: string) => void;
  onDetails: (id: string) => void;
  compare: string[];
  onToggleCompare: (id: string) => void;
  onClose: () => void;
}

const SORT_KEYS = { '': 'list.sortDefault', price: 'list.sortPrice', context: 'list.sortContext', newest: 'list.sortNewest', name: 'list.sortName' } as const;

/**
 * A type's models as a dense table: search, sort and filters above (their state is the URL's), rows
 * windowed so only the visible ones are in the page. Arrow keys in the search move the highlight, Enter
 * picks the highlighted model; variants fold under their base model unless shown.
 */
export function ModelTable({ type, rows, state, onState, marks, mode, onCancelMode, onPick, onDetails, compare, onToggleCompare, onClose }: Props) {
  const { t, lang } = useI18n();
  const uid = useId();
  const phone = usePhone();
  const typeName = t(`typeName.${type}`);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const scrollRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  // The search box's text is this component's own state, so a keystroke renders only this table. It
  // reaches the URL (?q=) once typing pauses: history.replaceState, and the page that re-renders for a new
  // URL, stay off the keystroke path. `urlQ` is the q last read from or written to the URL; a q that
  // differs from it came from outside (a link, back, "clear filters") and replaces the text.
  const [query, setQuery] = useState(state.q);
  const [urlQ, setUrlQ] = useState(state.q);
  if (state.q !== urlQ) {
    setUrlQ(state.q);
    setQuery(state.q);
  }
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const cancelPending = () => {
    if (pending.current !== null) clearTimeout(pending.current);
    pending.current = null;
  };
  useEffect(() => cancelPending, []);
  // The latest state and text, for the delayed write and the handlers.
  const latest = useRef({ state, query, onState });
  latest.current = { state, query, onState };
  const writeURL = useCallback((patch: Partial<ListState>) => {
    cancelPending();
    const { state: s, query: q, onState: write } = latest.current;
    const next = { ...s, q, ...patch };
    setUrlQ(next.q);
    write(next);
  }, []);
  const onQuery = (q: string) => {
    setQuery(q);
    cancelPending();
    pending.current = setTimeout(() => writeURL({}), URL_QUERY_DELAY_MS);
  };

  // The search box follows every keystroke at once; the list follows at a lower priority, so typing
  // never waits for the rows (React drops a list render that a newer keystroke makes stale).
  const wanted = useMemo(() => (query === state.q ? state : { ...state, q: query }), [state, query]);
  const listState = useDeferredValue(wanted);
  const items = useMemo(() => visibleItems(rows, listState, expanded), [rows, listState, expanded]);
  const columns = useMemo(() => priceColumns(rows), [rows]);
  const providers = useMemo(() => providerOptions(rows), [rows]);
  // The toolbar renders again on every keystroke (the search box's text): its long option lists do not.
  const providerList = useMemo(
    () =>
      providers.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name} ({p.count})
        </option>
      )),
    [providers],
  );
  const contextList = useMemo(
    () =>
      MIN_CONTEXTS.map((c) => (
        <option key={c} value={c}>
          {c === 0 ? t('list.anyContext') : t('list.atLeast', { n: formatCompact(lang, c) })}
        </option>
      )),
    [t, lang],
  );
  const rowH = phone ? 92 : 56;

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowH,
    overscan: 2,
    initialRect: { width: 800, height: 600 },
    // Rows are keyed by their place in the window, not by model: when the list changes under a keystroke,
    // React updates the rows already in the page instead of removing and creating them.
    getItemKey: (i) => i,
  });
  useEffect(() => virtualizer.measure(), [rowH, virtualizer]);
  // On a phone a row wraps its cells onto as many lines as its prices need (an audio chat model's three
  // prices with their units take a line each): the virtualizer measures each row there. On a desktop every
  // row is one line of aligned columns, of a fixed height.
  const measure = phone ? virtualizer.measureElement : undefined;

  // A new list starts at its top, highlighted on its first row. The highlight belongs to the list it was
  // made in, so it needs no effect (and no second render) to reset.
  const listKey = `${listState.q}\n${listState.sort}\n${listState.provider}\n${listState.free}\n${listState.ctx}\n${listState.variants}`;
  const [highlight, setHighlight] = useState({ list: listKey, index: 0 });
  const active = highlight.list === listKey ? highlight.index : 0;
  const listKeyRef = useRef(listKey);
  listKeyRef.current = listKey;
  const setActive = useCallback((index: number) => setHighlight({ list: listKeyRef.current, index }), []);
  useLayoutEffect(() => {
    // The virtualizer knows the scroll offset from its scroll events: reading the element's would force a
    // layout of the new rows here.
    const el = scrollRef.current;
    if (el && (virtualizer.scrollOffset ?? 0) > 0) el.scrollTop = 0;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [listKey]);

  useEffect(() => {
    searchRef.current?.focus();
  }, [type]);

  const set = useCallback((patch: Partial<ListState>) => writeURL(patch), [writeURL]);

  const toggleGroup = useCallback((group: string) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(group)) next.delete(group);
      else next.add(group);
      return next;
    });
  }, []);

  // The highlighted row's place is the virtualizer's (rowH a row on a desktop, as measured on a phone),
  // known without asking the page: the list is scrolled only when that row would leave the window, by
  // setting scrollTop once (the virtualizer's scrollToIndex reads the element's scroll height, a forced
  // layout, on each of several frames).
  function move(to: number) {
    if (items.length === 0) return;
    const next = Math.max(0, Math.min(items.length - 1, to));
    setActive(next);
    const el = scrollRef.current;
    if (!el) return;
    const row = virtualizer.measurementsCache[next];
    const top = row?.start ?? next * rowH;
    const size = row?.size ?? rowH;
    const offset = virtualizer.scrollOffset ?? 0;
    const height = virtualizer.scrollRect?.height ?? el.clientHeight;
    if (top < offset) el.scrollTop = top;
    else if (top + size > offset + height) el.scrollTop = top + size - height;
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    const page = Math.max(1, Math.floor((virtualizer.scrollRect?.height ?? scrollRef.current?.clientHeight ?? 600) / rowH) - 1);
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        move(active + 1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        move(active - 1);
        break;
      case 'PageDown':
        e.preventDefault();
        move(active + page);
        break;
      case 'PageUp':
        e.preventDefault();
        move(active - page);
        break;
      case 'Home':
        if (e.ctrlKey) {
          e.preventDefault();
          move(0);
        }
        break;
      case 'End':
        if (e.ctrlKey) {
          e.preventDefault();
          move(items.length - 1);
        }
        break;
      case 'Enter': {
        e.preventDefault();
        if (pending.current !== null) writeURL({});
        const it = items[active];
        if (it) onPick(it.row.id);
        break;
      }
      case 'Escape':
        e.preventDefault();
        if (query) {
          setQuery('');
          writeURL({ q: '' });
        } else onClose();
        break;
    }
  }

  // Fixed tracks only (no max-content column): the grid's tracks then need no measuring of the rows'
  // contents on each new list. The last one fits the Details button's label in the page's language.
  const grid = `1.05rem minmax(0, 2.6fr) minmax(0, 1fr) 5.4rem ${columns.map(() => 'minmax(6.5rem, 1fr)').join(' ')} calc(${t('list.details').length}ch + 2rem)`;
  const listId = `${uid}-list`;
  const activeId = items[active] ? `${uid}-row-${active}` : undefined;
  const filtered = query || state.provider || state.free || state.ctx > 0;
  const compareFull = compare.length >= 4;

  return (
    <section
      className="card model-table"
      aria-labelledby={`${uid}-h`}
      aria-busy={listState !== wanted}
      data-type={type}
      data-testid="model-table"
    >
      <div className="table-head">
        <h2 id={`${uid}-h`}>{t('list.title', { type: t(`models.type.${type}`) })}</h2>
        <button type="button" className="btn small" onClick={onClose}>
          {t('list.close', { type: typeName })}
        </button>
      </div>
      {mode === 'fallback' && (
        <p className="notice info fallback-mode">
          {t('list.fallbackMode', { type: typeName })}{' '}
          <button type="button" className="btn link" onClick={onCancelMode}>
            {t('list.fallbackCancel')}
          </button>
        </p>
      )}
      <div className="toolbar">
        <label className="search-field">
          <span className="sr-only">{t('models.searchLabel', { type: typeName })}</span>
          <input
            ref={searchRef}
            className="input"
            type="search"
            aria-controls={listId}
            aria-activedescendant={activeId}
            autoComplete="off"
            spellCheck={false}
            placeholder={t('list.searchPlaceholder')}
            value={query}
            onChange={(e) => onQuery(e.target.value)}
            onKeyDown={onKeyDown}
          />
        </label>
        <label className="control">
          <span className="control-label">{t('list.sort')}</span>
          <select className="input small" value={state.sort} onChange={(e) => set({ sort: e.target.value as Sort })}>
            {(Object.keys(SORT_KEYS) as Sort[]).map((s) => (
              <option key={s} value={s}>
                {t(SORT_KEYS[s])}
              </option>
            ))}
          </select>
        </label>
        <label className="control">
          <span className="control-label">{t('list.provider')}</span>
          <select className="input small" value={state.provider} onChange={(e) => set({ provider: e.target.value })}>
            <option value="">{t('list.allProviders')}</option>
            {providerList}
            {state.provider && !providers.some((p) => p.id === state.provider) && <option value={state.provider}>{state.provider}</option>}
          </select>
        </label>
        <label className="control">
          <span className="control-label">{t('list.minContext')}</span>
          <select className="input small" value={state.ctx} onChange={(e) => set({ ctx: Number(e.target.value) })}>
            {contextList}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={state.free} onChange={(e) => set({ free: e.target.checked })} />
          {t('list.freeOnly')}
        </label>
        <label className="check">
          <input type="checkbox" checked={state.variants} onChange={(e) => set({ variants: e.target.checked })} />
          {t('list.showVariants')}
        </label>
      </div>
      <div className="list-status">
        <p className="muted small" role="status" aria-live="polite" data-testid="list-count">
          {t('list.count', { shown: items.length, total: rows.length })}
        </p>
        {filtered && (
          <button
            type="button"
            className="btn link small"
            onClick={() => {
              setQuery('');
              writeURL({ q: '', provider: '', free: false, ctx: 0 });
            }}
          >
            {t('list.clear')}
          </button>
        )}
      </div>

      {!phone && (
        <div className="thead" style={{ gridTemplateColumns: grid }} aria-hidden="true">
          <span />
          <span>{t('list.colName')}</span>
          <span>{t('list.provider')}</span>
          <span className="num">{t('models.context')}</span>
          {columns.map((f) => (
            <span key={f} className="num">
              {fieldLabel(t, f)}
            </span>
          ))}
          <span />
        </div>
      )}
      <div className="tbody" ref={scrollRef}>
        {items.length === 0 ? (
          <p className="empty" role="status">
            {listState.q ? t('models.noMatches', { query: listState.q }) : t('list.noneLeft')}
          </p>
        ) : (
          <div
            role="listbox"
            id={listId}
            aria-label={t('models.listLabel', { type: typeName })}
            style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
          >
            {virtualizer.getVirtualItems().map((v) => {
              const it = items[v.index];
              return (
                <TableRow
                  key={v.key}
                  id={`${uid}-row-${v.index}`}
                  index={v.index}
                  setSize={items.length}
                  item={it}
                  top={v.start}
                  height={rowH}
                  measure={measure}
                  grid={phone ? undefined : grid}
                  columns={columns}
                  type={type}
                  active={v.index === active}
                  marks={marks}
                  inCompare={compare.includes(it.row.id)}
                  compareFull={compareFull}
                  expanded={expanded.has(it.group)}
                  onPick={onPick}
                  onDetails={onDetails}
                  onToggleCompare={onToggleCompare}
                  onToggleGroup={toggleGroup}
                  onHover={setActive}
                />
              );
            })}
          </div>
        )}
      </div>
    </section>
  );
}

interface RowProps {
  id: string;
  index: number;
  setSize: number;
  item: Item;
  top: number;
  height: number;
  // measure, when set, is the virtualizer's ref that measures the row (its height is then its content's).
  measure?: (el: HTMLElement | null) => void;
  grid?: string;
  columns: string[];
  type: ModelType;
  active: boolean;
  marks: Marks;
  inCompare: boolean;
  compareFull: boolean;
  expanded: boolean;
  onPick: (id: string) => void;
  onDetails: (id: string) => void;
  onToggleCompare: (id: string) => void;
  onToggleGroup: (group: string) => void;
  onHover: (i: number) => void;
}

/** Rows compare their item by content: a new list holds new items for the same rows. */
function sameRow(a: RowProps, b: RowProps): boolean {
  for (const k of Object.keys(a) as (keyof RowProps)[]) {
    if (k === 'item') {
      if (a.item.row !== b.item.row || a.item.child !== b.item.child || a.item.folded !== b.item.folded || a.item.group !== b.item.group) return false;
    } else if (a[k] !== b[k]) return false;
  }
  return true;
}

// A row's two labels that name its model, made once per model and language: a new list under a keystroke
// shows models shown before.
const rowLabels = new WeakMap<Row, { lang: string; compare: string; details: string }>();
function labelsOf(t: TFunc, lang: string, r: Row) {
  let l = rowLabels.get(r);
  if (!l || l.lang !== lang) {
    l = { lang, compare: t('list.compareOne', { name: r.name }), details: t('list.detailsOf', { name: r.name }) };
    rowLabels.set(r, l);
  }
  return l;
}

const TableRow = memo(function TableRow(p: RowProps) {
  const { t, lang } = useI18n();
  const r = p.item.row;
  const selected = r.id === p.marks.selectedId;
  const fb = p.marks.fallbacks.indexOf(r.id);
  const byField = (f: string) => r.prices.find((e) => e.field === f);
  const badges = [
    selected && <span key="s" className="badge selected-badge">✓ {t('models.selected')}</span>,
    fb >= 0 && <span key="f" className="badge fallback-badge">{t('list.fallbackN', { n: fb + 1 })}</span>,
    r.id === p.marks.recommendedId && <span key="r" className="badge">{t('models.recommended')}</span>,
    r.isFree && <span key="free" className="badge free-badge">{t('list.free')}</span>,
    p.marks.added.has(r.id) && <span key="n" className="badge new-badge">{t('changes.new')}</span>,
    p.marks.priceChanged.has(r.id) && <span key="p" className="badge warn-badge">{t('changes.priceChanged')}</span>,
  ].filter(Boolean);
  // Few boxes per row, and flex boxes only where a line holds badges or a fold button: a keystroke that
  // changes the models in the window lays these rows out again.
  return (
    <div
      id={p.id}
      ref={p.measure}
      data-index={p.index}
      role="option"
      aria-selected={selected}
      aria-posinset={p.index + 1}
      aria-setsize={p.setSize}
      data-testid="model-row"
      data-model-id={r.id}
      data-free={r.isFree ? '1' : '0'}
      data-provider={r.providerId}
      className={`trow${p.active ? ' active' : ''}${selected ? ' selected' : ''}${p.item.child ? ' child' : ''}`}
      style={{ transform: `translateY(${p.top}px)`, height: p.measure ? undefined : p.height, minHeight: p.measure ? p.height : undefined, gridTemplateColumns: p.grid }}
      onMouseDown={(e) => {
        if ((e.target as HTMLElement).closest('button, input, a')) return;
        e.preventDefault();
      }}
      onMouseMove={() => !p.active && p.onHover(p.index)}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest('button, input, a, label')) return;
        p.onPick(r.id);
      }}
    >
      <input
        type="checkbox"
        className="compare-box"
        checked={p.inCompare}
        disabled={!p.inCompare && p.compareFull}
        aria-label={labelsOf(t, lang, r).compare}
        onChange={() => p.onToggleCompare(r.id)}
      />
      <div className="cell name">
        {badges.length === 0 ? (
          <div className="model-name line">{r.name}</div>
        ) : (
          <div className="name-line">
            <span className="model-name">{r.name}</span>
            {badges}
          </div>
        )}
        {p.item.folded > 0 ? (
          <div className="id-line">
            <code className="model-id">{r.id}</code>
            <button
              type="button"
              className="btn link small fold"
              aria-expanded={p.expanded}
              onClick={() => p.onToggleGroup(p.item.group)}
              aria-label={t(p.expanded ? 'list.hideVariantsOf' : 'list.showVariantsOf', { n: p.item.folded, name: r.name })}
            >
              {p.expanded ? '▾' : '▸'} {t('list.variantsN', { n: p.item.folded })}
            </button>
          </div>
        ) : (
          <code className="model-id line">{r.id}</code>
        )}
      </div>
      <div className="cell provider-cell">{r.providerName}</div>
      <div className="cell num ctx" title={t('models.context')}>
        {r.context ? formatCompact(lang, r.context) : '—'}
      </div>
      {p.columns.map((f) => {
        const e = byField(f);
        const pt = e && cachedPriceText(t, lang, e);
        return (
          <div key={f} className={`cell num price-cell${pt?.free ? ' free' : ''}${pt ? '' : ' none'}`} data-field={f}>
            {p.grid === undefined && <span className="cell-label">{fieldLabel(t, f)}: </span>}
            {pt ? (
              pt.unit ? (
                <>
                  {`${pt.amount} `}
                  <br />
                  <span className="unit">{pt.unit}</span>
                </>
              ) : (
                pt.amount
              )
            ) : (
              '—'
            )}
          </div>
        );
      })}
      <button type="button" className="btn small details-btn" onClick={() => p.onDetails(r.id)} aria-label={labelsOf(t, lang, r).details}>
        {t('list.details')}
      </button>
    </div>
  );
}, sameRow);
