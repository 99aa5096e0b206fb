import { readFileSync } from 'node:fs';
import { decodeHistogram } from './recorder';
import type { BenchResult } from './result';
import { formatSummary } from './summary';

/** Percentiles the latency curve is drawn at (the tail, where a gateway hurts, gets most points). */
const CURVE = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];

/**
 * The run as one self-contained HTML file: no network access, the chart
 * library (uPlot) inlined; latency over time with token, renewal and
 * reconnect markers, the latency percentile curve, throughput and errors,
 * then the summary, the options and the machine.
 */
export function renderHtml(result: BenchResult): string {
  const uPlotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uPlotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const histogram = decodeHistogram(result.operations.message.histogram);
  const curve = CURVE.map((p) => [p, histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(p) / 1000]);
  const data = { timeline: result.timeline, markers: result.markers, curve };
  const script = `
const data = ${json(data)};
const t = data.timeline.map((p) => p.second);
const width = Math.min(1000, document.body.clientWidth - 40);
const markerColors = { token: '#2a9d8f', renewal: '#e9c46a', reconnect: '#e76f51' };
const markers = { hooks: { draw: [(u) => {
  const { ctx, bbox } = u;
  for (const m of data.markers) {
    const x = u.valToPos(m.t, 'x', true);
    ctx.strokeStyle = markerColors[m.kind]; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(x, bbox.top); ctx.lineTo(x, bbox.top + bbox.height); ctx.stroke();
  }
}] } };
function chart(id, title, series, values, extra = {}) {
  new uPlot({ title, width, height: 260, scales: { x: { time: false } }, series: [{ label: extra.xLabel ?? 's' }, ...series], axes: [{ label: extra.xLabel ?? 'seconds' }, { label: extra.yLabel ?? '' }], ...extra.options }, values, document.getElementById(id));
}
chart('latency', 'Message latency per second (ms) — lines: token (green), renewal (yellow), reconnect (red)', [{ label: 'p50', stroke: '#264653' }, { label: 'p99', stroke: '#e76f51' }], [t, data.timeline.map((p) => p.p50Ms), data.timeline.map((p) => p.p99Ms)], { yLabel: 'ms', options: { plugins: [markers] } });
chart('curve', 'Latency by percentile (ms)', [{ label: 'latency', stroke: '#6a4c93' }], [data.curve.map((c, i) => i), data.curve.map((c) => c[1])], { xLabel: 'percentile', yLabel: 'ms', options: { axes: [{ values: (u, ticks) => ticks.map((i) => (data.curve[i] ? 'p' + data.curve[i][0] : '')) }, { label: 'ms' }] } });
chart('throughput', 'Throughput (messages per second)', [{ label: 'sent', stroke: '#8ab17d' }, { label: 'answered', stroke: '#2a9d8f' }], [t, data.timeline.map((p) => p.sent), data.timeline.map((p) => p.answered)], { yLabel: 'msg/s' });
chart('errors', 'Errors per second', [{ label: 'errors', stroke: '#e63946' }], [t, data.timeline.map((p) => p.errors)], { yLabel: 'errors' });
`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>axios-ws-auth bench — ${escapeHtml(result.startedAt)}</title>
<style>${uPlotCss}
body { font: 14px system-ui, sans-serif; margin: 20px; color: #222; } pre { background: #f6f6f6; padding: 12px; overflow-x: auto; } h1 { font-size: 20px; } .chart { margin: 16px 0; }</style>
</head><body>
<h1>axios-ws-auth bench — ${escapeHtml(result.gateway)}</h1>
<div id="latency" class="chart"></div><div id="curve" class="chart"></div><div id="throughput" class="chart"></div><div id="errors" class="chart"></div>
<h2>Summary</h2><pre>${escapeHtml(formatSummary(result))}</pre>
<h2>Options</h2><pre>${escapeHtml(JSON.stringify(result.options, null, 2))}</pre>
<h2>Machine</h2><pre>${escapeHtml(JSON.stringify(result.machine, null, 2))}</pre>
<script>${uPlotJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>${script}</script>
</body></html>
`;
}

/** JSON safe inside a <script>. */
function json(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
