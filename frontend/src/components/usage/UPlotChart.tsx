import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  /** Bars (the default) or a line with points. */
  kind?: 'bars' | 'line';
}

export interface DayChartSpec {
  /** One label per x index (a day). */
  labels: string[];
  /** Each series' y per x index; null leaves a gap. The first series is drawn first (behind). */
  values: (number | null)[][];
  series: ChartSeries[];
  /** x of each point when they are not the indices 0..n-1 (a line of snapshots at fractional days). */
  x?: number[];
  formatY: (v: number) => string;
  height?: number;
  /** 'zero' (bars: the y axis starts at zero) or 'fit' (a line: the axis spans the values, padded). */
  yRange?: 'zero' | 'fit';
  /** Counts: the y axis ticks only at whole numbers. */
  integer?: boolean;
}

/** 1, 2, 5, 10, 20, 50, … up to 5e9: whole-number tick steps for counts. */
const INTEGER_INCRS = Array.from({ length: 30 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));

function yRange(spec: DayChartSpec): [number, number] {
  const vals = spec.values.flat().filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const max = Math.max(0, ...vals);
  if (spec.yRange !== 'fit' || vals.length === 0) return [0, max > 0 ? max * 1.12 : 1];
  const min = Math.min(...vals);
  const pad = Math.max((max - min) * 0.15, Math.abs(max) * 0.005, 0.01);
  return [Math.max(0, min - pad), max + pad];
}

const AXIS = '#5d6676';
const GRID = '#e2e5ea';

/** uPlot options for a chart over the days of a period: x is the day index, labelled with the day. */
export function dayChartOptions(spec: DayChartSpec, width: number): uPlot.Options {
  const n = spec.labels.length;
  const bars = uPlot.paths.bars!({ size: [0.72, 44], align: 0 });
  return {
    width,
    height: spec.height ?? 220,
    legend: { show: false },
    cursor: { show: false },
    padding: [12, 12, 0, 4],
    scales: {
      x: { time: false, range: [-0.6, Math.max(n - 0.4, 0.4)] },
      y: { range: yRange(spec) },
    },
    axes: [
      {
        stroke: AXIS,
        grid: { show: false },
        ticks: { stroke: GRID },
        incrs: [1, 2, 3, 7, 14, 30],
        space: 56,
        values: (_u, splits) => splits.map((v) => (Number.isInteger(v) && v >= 0 && v < n ? spec.labels[v] : '')),
      },
      {
        stroke: AXIS,
        grid: { stroke: GRID, width: 1 },
        ticks: { show: false },
        size: 72,
        ...(spec.integer ? { incrs: INTEGER_INCRS } : {}),
        values: (_u, splits) => splits.map((v) => spec.formatY(v)),
      },
    ],
    series: [
      {},
      ...spec.series.map<uPlot.Series>((s) =>
        s.kind === 'line'
          ? { label: s.label, stroke: s.color, width: 2, points: { show: true, size: 6, fill: s.color } }
          : { label: s.label, fill: s.color, stroke: s.color, width: 0, paths: bars, points: { show: false } },
      ),
    ],
  };
}

/**
 * A uPlot canvas sized to its container's width. It is decoration for sighted readers: the card around it
 * carries the same figures as a table, so the canvas is hidden from assistive technology.
 */
export function UPlotChart({ spec }: { spec: DayChartSpec }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(el.clientWidth || 0, 240);
    const x = spec.x ?? spec.labels.map((_, i) => i);
    const u = new uPlot(dayChartOptions(spec, width()), [x, ...spec.values] as uPlot.AlignedData, el);
    chart.current = u;
    let ro: ResizeObserver | undefined;
    if (typeof ResizeObserver !== 'undefined') {
      ro = new ResizeObserver(() => u.setSize({ width: width(), height: spec.height ?? 220 }));
      ro.observe(el);
    }
    return () => {
      ro?.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, [spec]);

  return <div className="uplot-box" ref={box} aria-hidden="true" data-testid="chart-canvas" />;
}
