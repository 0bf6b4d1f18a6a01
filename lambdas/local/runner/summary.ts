/**
 * The terminal summary of one local collection: every published metric by layer with its
 * dimensions, value and unit, the run's problems, and every alarm rule's local state over
 * the session's runs with the channels it would notify.
 */
import type { AlarmEvaluation } from '../../core/alarms/evaluate-rules.js';
import { windowText } from '../../core/alarms/evaluation-window.js';
import { computeStatistic } from '../../core/alarms/statistics.js';
import { type Layer, Layer as Layers, catalogMetrics } from '../../core/catalog/index.js';
import type { Datum } from '../../core/metrics/datum.js';
import { TOP_STATEMENTS_EVENT } from '../../collector/collectors/database/statements.js';
import type { RunResult } from '../../collector/runtime/run-result.js';

const LAYER_TITLES: Readonly<Record<Layer, string>> = {
  [Layers.Database]: 'Layer 1 · Database',
  [Layers.Api]: 'Layer 2 · API',
  [Layers.Tenants]: 'Layer 3 · Tenants',
  [Layers.Security]: 'Layer 4 · Security',
  [Layers.Collector]: 'Collector health',
};
const LAYER_ORDER: readonly Layer[] = [Layers.Database, Layers.Api, Layers.Tenants, Layers.Security, Layers.Collector];
const MAX_DECIMALS = 3;
/** Query text shown per top statement (the log line keeps more). */
const QUERY_TEXT_CHARS = 90;

interface TopStatement {
  readonly calls?: number;
  readonly mean_ms?: number;
  readonly total_ms?: number;
  readonly query?: string;
}
const DISTRIBUTION_PERCENTILES = ['p50', 'p95', 'p99'] as const;

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(MAX_DECIMALS)));
}

function dimensionsText(d: Datum): string {
  const entries = Object.entries(d.dimensions);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}

function valueText(d: Datum): string {
  if (d.value !== undefined) return `${formatNumber(d.value)} ${d.metric.unit}`;
  const samples = (d.values ?? []).map((value, i) => ({ value, count: d.counts?.[i] ?? 1 }));
  const count = computeStatistic('SampleCount', samples);
  if (count === undefined) return 'no samples';
  const stats = DISTRIBUTION_PERCENTILES.map((p) => `${p} ${formatNumber(computeStatistic(p, samples) ?? 0)}`);
  return `distribution of ${formatNumber(count)}: ${stats.join(', ')}, max ${formatNumber(computeStatistic('Maximum', samples) ?? 0)} ${d.metric.unit}`;
}

/** Catalog order, then dimensions: the same metric always appears in the same place. */
function sortDatums(datums: readonly Datum[]): Datum[] {
  const rank = (d: Datum) => catalogMetrics.findIndex((m) => m.namespace === d.metric.namespace && m.name === d.metric.name);
  return [...datums].sort((a, b) => rank(a) - rank(b) || dimensionsText(a).localeCompare(dimensionsText(b)));
}

/** Rows of cells, each column padded to its widest cell (the last column is not padded). */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`);
}

function metricLines(datums: readonly Datum[]): string[] {
  const lines: string[] = [];
  for (const layer of LAYER_ORDER) {
    const inLayer = sortDatums(datums.filter((d) => d.metric.layer === layer));
    if (inLayer.length === 0) continue;
    lines.push('', `${LAYER_TITLES[layer]} (${inLayer[0]?.metric.namespace})`);
    lines.push(...table(inLayer.map((d) => [d.metric.name, dimensionsText(d), valueText(d)])));
  }
  return lines;
}

function verdictText(e: AlarmEvaluation): string {
  // The reason already says how many runs of the window breach.
  if (e.value === undefined || e.comparison === undefined) return e.reason;
  const window = windowText(e);
  return `value ${formatNumber(e.value)}, alarm when ${e.comparison} ${formatNumber(e.threshold ?? 0)}${window === undefined ? '' : `; ${window}`}`;
}

function alarmLines(evaluations: readonly AlarmEvaluation[]): string[] {
  return [
    '',
    'Alarm rules (evaluated locally, each run one CloudWatch period, M of N over this session\'s runs; channels it would notify)',
    ...table(evaluations.map((e) => [e.state, e.severity, e.title, verdictText(e), `→ ${e.channels.join(', ')}`])),
  ];
}

function topStatementLines(result: RunResult): string[] {
  const line = result.logLines.find((l) => l.event === TOP_STATEMENTS_EVENT);
  const statements = (line?.fields.statements ?? []) as readonly TopStatement[];
  if (statements.length === 0) return [];
  const rows = statements.map((s) => [
    `${formatNumber(s.mean_ms ?? 0)} ms`, `× ${formatNumber(s.calls ?? 0)}`, `${formatNumber(s.total_ms ?? 0)} ms total`,
    (s.query ?? '').slice(0, QUERY_TEXT_CHARS),
  ]);
  return ['', `Slowest statements of the interval (log line "${TOP_STATEMENTS_EVENT}")`, ...table(rows)];
}

function problemLines(result: RunResult): string[] {
  if (result.errors.length === 0) return [];
  return ['', 'Problems in this run', ...result.errors.map((e) => `  ${e.collector}: ${e.reason}: ${e.message}`)];
}

export function formatRunSummary(result: RunResult, evaluations: readonly AlarmEvaluation[], heading: string): string {
  const version = result.serverVersion ? `PostgreSQL ${Math.floor(result.serverVersion / 10_000)}` : 'database unreachable';
  const header = [
    `${heading}: target ${result.target}, ${version}, ${result.startedAt.toISOString()}`,
    `  ${result.durationMs} ms, ${result.collectors.length} collectors, ${result.statements} statements, ${result.rows} rows read, ` +
      `${result.datums.length} datums published, ${result.deltasSkipped} deltas skipped`,
  ];
  return [...header, ...metricLines(result.datums), ...topStatementLines(result), ...problemLines(result), ...alarmLines(evaluations), ''].join('\n');
}
