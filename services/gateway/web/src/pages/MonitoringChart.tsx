import { useEffect, useRef } from 'react';
import type { CurveReply } from '@msec/contracts';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Sum and count of the minutes that have data. */
export function summarize(values: readonly (number | null)[] | undefined): { total: number; points: number; max: number | null } {
  let total = 0;
  let points = 0;
  let max: number | null = null;
  for (const v of values ?? []) {
    if (v === null) continue;
    total += v;
    points += 1;
    max = max === null ? v : Math.max(max, v);
  }
  return { total: Math.round(total * 1000) / 1000, points, max };
}

const LINES = [
  { key: 'values', label: 'today', stroke: '#2f6fed', width: 2, dash: undefined },
  { key: 'yesterday', label: 'yesterday', stroke: '#c17d11', width: 1, dash: [6, 4] },
  { key: 'weekAgo', label: 'a week ago', stroke: '#9aa5b1', width: 1, dash: [2, 3] },
] as const;

/** A day curve (one point per minute, UTC) drawn with uPlot: today plus the comparison lines the reply carries. */
export default function MonitoringChart({ curve, height = 220 }: { curve: CurveReply; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const start = Date.parse(`${curve.day}T00:00:00Z`) / 1000;
    const xs = curve.values.map((_, i) => start + i * 60);
    const lines = LINES.filter((l) => curve[l.key] !== undefined);
    const data = [xs, ...lines.map((l) => curve[l.key] as (number | null)[])] as uPlot.AlignedData;
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.1)] } },
        axes: [{}, { size: 60 }],
        series: [
          { label: 'UTC' },
          ...lines.map((l) => ({
            label: l.label,
            stroke: l.stroke,
            width: l.width,
            dash: l.dash ? [...l.dash] : undefined,
            spanGaps: false,
          })),
        ],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [curve, height]);
  return <div ref={box} className="mon-chart" />;
}
