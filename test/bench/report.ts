/**
 * The benchmark's figures: per-run measurements summed up per layer and in total, the
 * targets checked, rendered as a table and as the one JSON line that ends the output.
 * Pure (the machine description is passed in).
 */
import { Layer, Namespace } from '../../lambdas/core/catalog/index.js';
import type { ColdInit, LambdaBundle, LambdaName } from './bundles.js';
import type { RunFigures } from './collector-protocol.js';
import type { SqlFloor } from './sql-floor.js';
import { type Range, type Timing, range, round, timing } from './stats.js';
import { type TargetCheck, Targets, check, wallTargetMs } from './targets.js';

export const REPORT_FORMAT = 1;
/** The runtime's own work outside any collector: connect, state store, validation, publish. */
export const RUN_OVERHEAD = 'run';
const MB = 1024 * 1024;
const KB_PER_MB = 1024;
const RATIO_DECIMALS = 2;
/** Characters of --settings echoed in the text report (the JSON has all of them). */
const SHOWN_SETTINGS = 120;
const MS_PER_S = 1000;

/** PutMetricData requests and wire bytes of one run in one namespace (from the CloudWatch endpoint). */
export interface NamespaceTraffic {
  readonly namespace: string;
  readonly requests: number;
  readonly wireBytes: number;
}

export interface LayerSummary {
  readonly wallMs: Timing;
  readonly statements: Range;
  readonly rows: Range;
  readonly datums: Range;
  readonly putRequests: Range;
  readonly bytesSent: Range;
}

export interface TotalSummary extends LayerSummary {
  /** MetricDatum entries CloudWatch accepted (distributions over 150 values count once per part). */
  readonly datumsPublished: Range;
  readonly logLines: Range;
  readonly logBytes: Range;
  readonly uniqueMetrics: Range;
  /** The collector process after each run (Lambda's "Max Memory Used" is the peak). */
  readonly rssMb: Range;
  readonly heapUsedMb: Range;
}

export interface CollectorSummary {
  readonly layer: string;
  readonly wallMs: Timing;
  readonly statements: Range;
  readonly rows: Range;
  /** Runs in which it did not finish with status ok. */
  readonly notOk: number;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryMb: number;
  readonly node: string;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
}

export interface BundleSummary {
  readonly bytes: number;
  readonly coldInit: ColdInit;
}

export interface BenchReport {
  readonly benchmark: 'tenantwatch-collection';
  readonly format: number;
  readonly config?: {
    readonly tenants: number;
    readonly runs: number;
    readonly warmup: number;
    readonly postgres: number;
    /** The collector Lambda's memory size the collector process got the heap limits of. */
    readonly lambdaMemoryMb: number;
    /** Collector settings over the defaults ({} for the default config). */
    readonly settings: Readonly<Record<string, unknown>>;
    readonly pgStatStatementsEntries: number;
    readonly serverSettings: Readonly<Record<string, string | number>>;
    readonly scaleDatabase: { readonly built: boolean; readonly buildMs: number };
  };
  readonly machine: Machine;
  readonly layers?: Readonly<Record<string, LayerSummary>>;
  readonly collectors?: Readonly<Record<string, CollectorSummary>>;
  readonly total?: TotalSummary;
  readonly sqlFloor?: SqlFloor & { readonly wallToFloorRatio: number };
  readonly peakRssMb?: number;
  /** RSS of the collector process once the bundle is loaded, before the first run. */
  readonly rssAfterImportMb?: number;
  /** Distinct values per dimension name over the measured runs (for the cost model). */
  readonly dimensionValues?: Readonly<Record<string, number>>;
  readonly bundles: Readonly<Record<LambdaName, BundleSummary>>;
  readonly errors: readonly string[];
  readonly targets: readonly TargetCheck[];
}

const layerOfNamespace = (namespace: string): string => {
  const key = (Object.keys(Namespace) as (keyof typeof Namespace)[]).find((k) => Namespace[k] === namespace);
  return key ? Layer[key] : namespace;
};

function sumBy<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((n, t) => n + f(t), 0);
}

/** Per layer, plus the run's own overhead, plus the total. */
export function summariseRuns(runs: readonly RunFigures[], traffic: readonly (readonly NamespaceTraffic[])[]): { layers: Record<string, LayerSummary>; total: TotalSummary } {
  if (runs.length === 0 || runs.length !== traffic.length) throw new Error('summariseRuns: one traffic record per run');
  const names = [...Object.values(Layer).filter((l) => runs.some((r) => r.layers[l]) || traffic.some((t) => t.some((x) => layerOfNamespace(x.namespace) === l)))];
  const layerTraffic = (i: number, layer: string) => traffic[i]!.filter((t) => layerOfNamespace(t.namespace) === layer);
  const layers: Record<string, LayerSummary> = {};
  for (const layer of names) {
    layers[layer] = {
      wallMs: timing(runs.map((r) => r.layers[layer]?.durationMs ?? 0)),
      statements: range(runs.map((r) => r.layers[layer]?.statements ?? 0)),
      rows: range(runs.map((r) => r.layers[layer]?.rows ?? 0)),
      datums: range(runs.map((r) => r.layers[layer]?.datums ?? 0)),
      putRequests: range(runs.map((_, i) => sumBy(layerTraffic(i, layer), (t) => t.requests))),
      bytesSent: range(runs.map((_, i) => sumBy(layerTraffic(i, layer), (t) => t.wireBytes))),
    };
  }
  const inLayers = (r: RunFigures, f: (l: RunFigures['layers'][string]) => number) => sumBy(Object.values(r.layers), f);
  layers[RUN_OVERHEAD] = {
    wallMs: timing(runs.map((r) => r.wallMs - inLayers(r, (l) => l.durationMs))),
    statements: range(runs.map((r) => r.statements - inLayers(r, (l) => l.statements))),
    rows: range(runs.map((r) => r.rows - inLayers(r, (l) => l.rows))),
    datums: range(runs.map(() => 0)),
    putRequests: range(runs.map(() => 0)),
    bytesSent: range(runs.map(() => 0)),
  };
  const total: TotalSummary = {
    wallMs: timing(runs.map((r) => r.wallMs)),
    statements: range(runs.map((r) => r.statements)),
    rows: range(runs.map((r) => r.rows)),
    datums: range(runs.map((r) => r.datums)),
    datumsPublished: range(runs.map((r) => r.metricDatumsSent)),
    putRequests: range(runs.map((r) => r.putRequests)),
    bytesSent: range(runs.map((r) => r.bytesSent)),
    logLines: range(runs.map((r) => r.logLines)),
    logBytes: range(runs.map((r) => r.logBytes)),
    uniqueMetrics: range(runs.map((r) => r.uniqueMetrics)),
    rssMb: range(runs.map((r) => peakRssMb(r.rssKb))),
    heapUsedMb: range(runs.map((r) => peakRssMb(r.heapUsedKb))),
  };
  return { layers, total };
}

/** Each collector's figures over the runs, in the order they ran. */
export function summariseCollectors(runs: readonly RunFigures[]): Record<string, CollectorSummary> {
  const names = [...new Set(runs.flatMap((r) => r.collectors.map((c) => c.name)))];
  return Object.fromEntries(names.map((name) => {
    const seen = runs.map((r) => r.collectors.find((c) => c.name === name));
    const ran = seen.filter((c) => c !== undefined);
    return [name, {
      layer: ran[0]?.layer ?? 'unknown',
      wallMs: timing(seen.map((c) => c?.durationMs ?? 0)),
      statements: range(seen.map((c) => c?.statements ?? 0)),
      rows: range(seen.map((c) => c?.rows ?? 0)),
      notOk: seen.filter((c) => c?.status !== 'ok').length,
    }];
  }));
}

/** The largest number of distinct values each dimension had in any run. */
export function dimensionValues(runs: readonly RunFigures[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of runs) for (const [name, n] of Object.entries(r.dimensionValues)) out[name] = Math.max(out[name] ?? 0, n);
  return out;
}

/** kB (as the kernel and Node.js report memory) to MB. */
export function peakRssMb(kb: number): number {
  return round(kb / KB_PER_MB);
}

export function wallToFloorRatio(wallMedianMs: number, floor: SqlFloor): number {
  return floor.totalMsPerRun > 0 ? round(wallMedianMs / floor.totalMsPerRun, RATIO_DECIMALS) : 0;
}

export function bundleSummaries(bundles: Readonly<Record<LambdaName, LambdaBundle>>, coldInit: Readonly<Record<LambdaName, ColdInit>>): Record<LambdaName, BundleSummary> {
  return {
    collector: { bytes: bundles.collector.bytes, coldInit: coldInit.collector },
    notifier: { bytes: bundles.notifier.bytes, coldInit: coldInit.notifier },
  };
}

export function checkTargets(report: Pick<BenchReport, 'config' | 'total' | 'peakRssMb' | 'bundles'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (report.config && report.total) {
    checks.push(
      check(`collection wall median (ms) at ${report.config.tenants} tenants`, report.total.wallMs.median, wallTargetMs(report.config.tenants)),
      check('SQL statements per run (max)', report.total.statements.max, Targets.statementsPerRun),
      check('datums published per run (max)', report.total.datumsPublished.max, Targets.datumsPerRun),
    );
  }
  if (report.peakRssMb !== undefined) checks.push(check('collector peak RSS (MB)', report.peakRssMb, Targets.peakRssMb));
  checks.push(
    check('collector bundle (bytes, minified)', report.bundles.collector.bytes, Targets.collectorBundleBytes),
    check('collector cold init, import median (ms)', report.bundles.collector.coldInit.importMs.median, Targets.coldInitMs),
  );
  return checks;
}

// ── Rendering ───────────────────────────────────────────────────────────────────────

const n = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });
const r = (x: Range) => (x.min === x.max ? n(x.min) : `${n(x.min)}-${n(x.max)}`);
const mb = (bytes: number) => `${(bytes / MB).toFixed(2)} MiB`;
const kb = (bytes: number) => `${n(round(bytes / 1024))} KiB`;

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

export function renderText(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  if (report.config) {
    const c = report.config;
    lines.push(`tenantwatch collection benchmark: ${n(c.tenants)} tenant schemas, PostgreSQL ${c.postgres}, ${n(c.pgStatStatementsEntries)} pg_stat_statements entries; ${c.runs} measured runs after ${c.warmup} warm-up`);
    const settings = JSON.stringify(c.settings);
    lines.push(`collector settings: ${Object.keys(c.settings).length ? `${settings.length > SHOWN_SETTINGS ? `${settings.slice(0, SHOWN_SETTINGS)}...` : settings} over the defaults` : 'the defaults'}`);
    lines.push(`server settings: ${Object.entries(c.serverSettings).map(([k, v]) => `${k}=${v}`).join(', ')}; scale database ${c.scaleDatabase.built ? 'built by this run' : 'from the cache'} (build took ${n(round(c.scaleDatabase.buildMs / MS_PER_S))} s)`);
  }
  lines.push(`machine: ${m.cpus} x ${m.cpuModel}, ${n(m.memoryMb)} MB, Node.js ${m.node}; load average ${m.loadAverage.start.join(' ')} at start, ${m.loadAverage.end.join(' ')} at end`);
  if (report.layers && report.total) {
    const header = ['layer', 'wall median ms', 'p95 ms', 'statements', 'rows read', 'datums', 'PutMetricData', 'bytes sent'];
    const row = (name: string, s: LayerSummary) => [name, n(s.wallMs.median), n(s.wallMs.p95), r(s.statements), r(s.rows), r(s.datums), r(s.putRequests), r(s.bytesSent)];
    const t = report.total;
    lines.push('', table([
      header,
      ...Object.entries(report.layers).map(([name, s]) => row(name === RUN_OVERHEAD ? 'run (connect, state, publish)' : name, s)),
      row('total', t),
    ]));
    if (report.collectors) {
      lines.push('', table([
        ['collector', 'layer', 'wall median ms', 'p95 ms', 'statements', 'rows read', 'not ok'],
        ...Object.entries(report.collectors).map(([name, c]) => [name, c.layer, n(c.wallMs.median), n(c.wallMs.p95), r(c.statements), r(c.rows), String(c.notOk)]),
      ]));
    }
    lines.push('', `datums published (CloudWatch entries) ${r(t.datumsPublished)}; distinct metrics ${r(t.uniqueMetrics)}; log ${r(t.logLines)} lines, ${r(t.logBytes)} bytes per run`);
  }
  if (report.sqlFloor) {
    const f = report.sqlFloor;
    lines.push(`SQL floor: ${n(round(f.totalMsPerRun))} ms per run server-side (execution ${n(round(f.execMsPerRun))}, planning ${n(round(f.planMsPerRun))}; ${n(round(f.statementsPerRun))} statements per run counted by pg_stat_statements); collector wall / floor = ${f.wallToFloorRatio}`);
    lines.push('  costliest statements per run (execution + planning ms):', ...f.top.map((s) => `    ${n(round(s.execMsPerRun))} + ${n(round(s.planMsPerRun))}  x${n(s.callsPerRun)}  ${s.query}`));
  }
  if (report.peakRssMb !== undefined) {
    lines.push(`collector process peak RSS: ${report.peakRssMb} MB with the heap limits of a ${report.config?.lambdaMemoryMb ?? '?'} MB Lambda (${report.rssAfterImportMb} MB after loading the bundle; after each run ${report.total ? r(report.total.rssMb) : '?'} MB, V8 heap in use ${report.total ? r(report.total.heapUsedMb) : '?'} MB)`);
  }
  for (const [name, b] of Object.entries(report.bundles)) {
    lines.push(`${name} bundle: ${n(b.bytes)} bytes (${mb(b.bytes)}, ${kb(b.bytes)}); cold init: import ${b.coldInit.importMs.median} ms median (p95 ${b.coldInit.importMs.p95}), whole process ${b.coldInit.processMs.median} ms, ${b.coldInit.samples} fresh processes`);
  }
  if (report.errors.length) lines.push('', `errors (${report.errors.length}):`, ...report.errors.map((e) => `  ${e}`));
  lines.push('', 'targets:', ...report.targets.map((c) => `  ${c.met ? 'met   ' : 'MISSED'} ${c.target}: ${n(c.measured)} (target <= ${n(c.limit)})`));
  return lines.join('\n');
}
