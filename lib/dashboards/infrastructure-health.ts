/** Dashboard 1, Infrastructure Health: Layer 1 of one database target. */
import {
  BlockedSessions, CacheHitRate, CacheHitRateDegraded, CacheHits, CollectorErrors, CollectorRuns, ConnectionPoolHigh,
  ConnectionUtilization, Connections, ConnectionsByApplication, DatabaseUp, Deadlocks, DiskReads, IdleInTransaction,
  QueryLatency, QueryLatencyHigh,
} from '../../lambdas/core/catalog/index.js';
import { thresholdLines } from './annotations.js';
import { Kpi } from './kpis.js';
import { type DashboardTarget, type DashboardsInput, dashboardName } from './input.js';
import { Axis, type DashboardSpec, SpecItem, type Widget } from './model.js';
import { rdsHostWidgets } from './segments/rds-host.js';
import { topStatementsWidget } from './segments/top-statements.js';
import { headerWidget } from './segments/header.js';
import { FIVE_MINUTES, graph, metricSeries, metricsGraph, searchSeries } from './series.js';

const CACHE_TREND_RANGE = '-PT24H';
const PERCENT_MAX = 100;

export function infrastructureHealth(input: DashboardsInput, target: DashboardTarget): DashboardSpec {
  const db = { Database: target.name };
  const lines = (spec: Parameters<typeof thresholdLines>[2]) => thresholdLines(input, target.name, spec);
  const logGroup = input.collectorLogGroups[target.name];
  if (!logGroup) throw new Error(`dashboards: no collector log group for target "${target.name}"`);

  const connections: Widget = graph({
    id: 'connections', specItem: SpecItem.Connections, title: 'Database connections (client backends, by state)',
    width: 12,
    series: [
      metricSeries(Connections, 'Maximum', db, { label: 'Total' }),
      searchSeries(Connections, 1, db, 'Maximum', { label: '' }),
    ],
    leftAxis: { label: 'connections', min: 0 },
  });
  const poolGauge: Widget = {
    kind: 'gauge', id: 'connection-pool-gauge', specItem: SpecItem.ConnectionPoolGauge,
    title: 'Connection pool utilisation (% of max_connections)', width: 6, height: 6, min: 0, max: PERCENT_MAX,
    series: [metricSeries(ConnectionUtilization, 'Maximum', db, { label: 'Utilisation %' })],
    annotations: lines({ kpi: { value: Kpi.ConnectionPoolPercent, label: `KPI < ${Kpi.ConnectionPoolPercent} %` }, alarm: { rule: ConnectionPoolHigh } }),
  };
  const byApplication: Widget = graph({
    id: 'connections-by-application', specItem: SpecItem.ConnectionPoolGauge,
    title: 'Connections per application_name (pool view)', width: 6, stacked: true,
    series: [searchSeries(ConnectionsByApplication, 0, db, 'Maximum', { label: '' })],
  });
  const cacheTrend: Widget = graph({
    id: 'cache-hit-rate-24h', specItem: SpecItem.CacheHitRateTrend, title: 'Cache hit rate, last 24 h',
    width: 12, range: CACHE_TREND_RANGE,
    series: [metricSeries(CacheHitRate, 'Average', db, { label: 'Cache hit rate %', periodSeconds: FIVE_MINUTES })],
    annotations: lines({ kpi: { value: Kpi.CacheHitRatePercent, label: `KPI > ${Kpi.CacheHitRatePercent} %` }, alarm: { rule: CacheHitRateDegraded } }),
    leftAxis: { label: '%', max: PERCENT_MAX },
  });
  const diskVsCache: Widget = graph({
    id: 'disk-io-vs-cache-hits', specItem: SpecItem.DiskIoVsCacheHits, title: 'Disk reads vs cache hits (blocks per minute)',
    width: 12,
    series: [
      metricSeries(DiskReads, 'Sum', db, { label: 'Blocks read (disk or OS cache)' }),
      metricSeries(CacheHits, 'Sum', db, { label: 'Blocks hit in shared buffers', axis: Axis.Right }),
    ],
    leftAxis: { label: 'disk reads', min: 0 }, rightAxis: { label: 'cache hits', min: 0 },
  });
  const queryLatency: Widget = graph({
    id: 'query-latency', specItem: SpecItem.Extra, title: 'Query latency p50 / p95 / p99 (estimate, ms)',
    width: 8,
    series: (['p50', 'p95', 'p99'] as const).map((p) => metricSeries(QueryLatency, p, db, { label: p })),
    annotations: lines({ kpi: { value: Kpi.QueryLatencyP95Ms, label: `KPI p95 < ${Kpi.QueryLatencyP95Ms} ms` }, alarm: { rule: QueryLatencyHigh } }),
    leftAxis: { label: 'ms', min: 0 },
  });
  const locks = metricsGraph({ id: 'locks', specItem: SpecItem.Extra, title: 'Deadlocks, blocked and idle-in-transaction sessions', width: 8, axisLabel: 'count' }, db, [
    [Deadlocks, 'Sum', 'Deadlocks (KPI: 0)'],
    [BlockedSessions, 'Maximum', 'Blocked sessions'],
    [IdleInTransaction, 'Maximum', 'Idle in transaction'],
  ]);
  const monitor = metricsGraph({ id: 'monitor-health', specItem: SpecItem.Extra, title: 'Monitor health (runs, errors, database up)', width: 8, axisLabel: 'count' }, db, [
    [CollectorRuns, 'SampleCount', 'Collector runs'],
    [CollectorErrors, 'Sum', 'Collector errors'],
    [DatabaseUp, 'Minimum', 'Database up (0/1)'],
  ]);
  const host = rdsHostWidgets(target);
  return {
    name: dashboardName(input, target.name, 'infrastructure-health'),
    title: `Infrastructure Health: ${target.name}`,
    rows: [
      [headerWidget(`Infrastructure Health: ${target.name}`, 'Layer 1, PostgreSQL. Green lines: spec KPIs; red lines: alarm thresholds.')],
      [connections, poolGauge, byApplication],
      [cacheTrend, diskVsCache],
      [queryLatency, locks, monitor],
      [topStatementsWidget(logGroup)],
      ...(host.length > 0 ? [host] : []),
    ],
  };
}
