/**
 * Dashboard 2, API Performance: Layer 2 without application changes. Latency, throughput
 * and errors from the load balancer (AWS/ApplicationELB); per-tenant and per-endpoint
 * volume from the request-log SQL source; availability from the health probes. One
 * dashboard per deployment: there is one load balancer, and the request-log widgets
 * search every target.
 */
import {
  AlbRequestCount, AlbTargetResponseTime, ApiErrorRateHigh, ApiP99High, ApiRequestDuration, ApiRequests, AvailabilityBelowSlo,
  HealthCheckLatency, HealthCheckUp, type MetricQuery, ResponseTimeDegradation,
} from '../../lambdas/core/catalog/index.js';
import { API_INSTANCE, HEALTH_CHECK_INSTANCE_PREFIX } from '../../lambdas/core/routing/build-routing-table.js';
import { thresholdLines } from './annotations.js';
import { Kpi } from './kpis.js';
import { type DashboardApi, type DashboardsInput, dashboardName } from './input.js';
import {
  type DashboardSpec, GRID_WIDTH, GraphView, type MetricSeries, type Series, SpecItem, type Widget,
} from './model.js';
import { headerWidget } from './segments/header.js';
import { HOUR, MINUTE, expressionSeries, graph, kpi, metricSeries, searchSeries } from './series.js';

const MS_PER_SECOND = 1_000;
const PERCENT = 100;
const TOP_TENANTS = 10;
const AVAILABILITY_RANGE = '-P7D';
/**
 * Latency buckets of the request heatmap, in seconds (ALB's unit), aligned with the KPIs
 * (p95 < 200 ms, p99 < 500 ms).
 */
export const HEATMAP_BUCKETS_SECONDS = [0.1, 0.2, 0.5, 1, 2.5] as const;

function albDimensions(api: DashboardApi): Record<string, string> {
  return { LoadBalancer: api.loadBalancerFullName, TargetGroup: api.targetGroupFullName };
}

/** A catalog alarm query as a dashboard series, with the dimension values of its set. */
function seriesOf(query: MetricQuery, available: Readonly<Record<string, string>>, label: string): MetricSeries {
  const set = query.metric.dimensionSets[query.dimensionSet ?? 0] ?? [];
  const dims = Object.fromEntries(set.map((d) => [d, available[d] ?? '']));
  return metricSeries(query.metric, query.statistic, dims, { label });
}

function bucketLabel(from: number | undefined, to: number | undefined): string {
  const ms = (s: number) => `${s * MS_PER_SECOND} ms`;
  if (from === undefined && to !== undefined) return `<= ${ms(to)}`;
  if (to === undefined && from !== undefined) return `> ${ms(from)}`;
  return `${ms(from ?? 0)} - ${ms(to ?? 0)}`;
}

/** Percentile-rank bands: each series is the share of requests whose latency falls in one bucket. */
export function heatmapSeries(api: DashboardApi): Series[] {
  const edges: (number | undefined)[] = [undefined, ...HEATMAP_BUCKETS_SECONDS, undefined];
  const series: Series[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const from = edges[i];
    const to = edges[i + 1];
    series.push(metricSeries(AlbTargetResponseTime, `PR(${from ?? ''}:${to ?? ''})`, albDimensions(api), { label: bucketLabel(from, to) }));
  }
  return series;
}

function loadBalancerWidgets(input: DashboardsInput, api: DashboardApi): Record<'requestsPerSecond' | 'responseTime' | 'errorRate' | 'heatmap', Widget> {
  const dims = albDimensions(api);
  const lines = (spec: Parameters<typeof thresholdLines>[2]) => thresholdLines(input, API_INSTANCE, spec);
  const condition = ApiErrorRateHigh.condition;
  const requests = metricSeries(AlbRequestCount, 'Sum', { LoadBalancer: api.loadBalancerFullName }, { label: 'Requests' });
  return {
    requestsPerSecond: graph({
      id: 'requests-per-second', specItem: SpecItem.RequestsPerSecond, title: 'Requests per second (load balancer)',
      width: 12,
      series: [expressionSeries('requests / PERIOD(requests)', { requests }, { label: 'Requests/s' })],
      leftAxis: { label: 'req/s', min: 0 },
    }),
    responseTime: graph({
      id: 'response-time', specItem: SpecItem.ResponseTimeDistribution,
      title: 'Response time p50 / p95 / p99 (ALB TargetResponseTime, ms)', width: 12,
      // The expression input is named after its percentile: ids must be unique within a widget.
      series: (['p50', 'p95', 'p99'] as const).map((p) => expressionSeries(
        `${MS_PER_SECOND} * ${p}`, { [p]: metricSeries(AlbTargetResponseTime, p, dims, { label: p }) }, { label: p },
      )),
      annotations: [
        ...lines({ kpi: { value: Kpi.ApiP95Ms, label: `KPI p95 < ${Kpi.ApiP95Ms} ms` }, alarm: { rule: ResponseTimeDegradation, scale: MS_PER_SECOND } }),
        ...lines({ kpi: { value: Kpi.ApiP99Ms, label: `KPI p99 < ${Kpi.ApiP99Ms} ms` }, alarm: { rule: ApiP99High, scale: MS_PER_SECOND } }),
      ],
      leftAxis: { label: 'ms', min: 0 },
    }),
    errorRate: graph({
      id: 'error-rate', specItem: SpecItem.ErrorRate, title: '5xx error rate (% of requests, load balancer + targets)',
      width: 12,
      series: [expressionSeries(
        condition.expression,
        Object.fromEntries(Object.entries(condition.inputs).map(([id, q]) => [id, seriesOf(q, dims, id)])),
        { label: condition.label },
      )],
      annotations: lines({ kpi: { value: Kpi.ApiErrorRatePercent, label: `KPI < ${Kpi.ApiErrorRatePercent} %` }, alarm: { rule: ApiErrorRateHigh } }),
      leftAxis: { label: '%', min: 0 },
    }),
    heatmap: graph({
      id: 'request-heatmap', specItem: SpecItem.RequestHeatmap,
      title: 'Request latency heatmap: % of requests per latency bucket (stacked, ALB percentile ranks)',
      width: GRID_WIDTH, stacked: true, series: heatmapSeries(api),
      leftAxis: { label: '% of requests', min: 0, max: PERCENT },
    }),
  };
}

function noLoadBalancer(): Widget {
  return {
    kind: 'text', id: 'no-load-balancer', specItem: SpecItem.Extra, title: 'No load balancer configured', width: GRID_WIDTH, height: 2,
    markdown: 'No load balancer is configured (`api` in the config): requests/s overall, response-time percentiles, '
      + 'the 5xx error rate and the request heatmap come from AWS/ApplicationELB and are not shown.',
  };
}

function requestLogWidgets(): Record<'perTenant' | 'endpoints' | 'endpointLatency', Widget> {
  return {
    perTenant: graph({
      id: 'requests-per-second-per-tenant', specItem: SpecItem.RequestsPerSecond,
      title: `Requests per second per tenant (request log, top ${TOP_TENANTS})`, width: 12,
      series: [searchSeries(ApiRequests, 1, {}, 'Sum', { label: '', top: TOP_TENANTS, divisor: MINUTE, periodSeconds: MINUTE })],
      leftAxis: { label: 'req/s', min: 0 },
    }),
    endpoints: graph({
      id: 'endpoint-breakdown', specItem: SpecItem.EndpointBreakdown,
      title: 'Requests per endpoint over the range (request log)', width: 12,
      view: GraphView.Bar, periodIsRange: true,
      series: [searchSeries(ApiRequests, 2, {}, 'Sum', { label: '' })],
    }),
    endpointLatency: graph({
      id: 'endpoint-latency', specItem: SpecItem.EndpointBreakdown,
      title: 'Response time p95 per endpoint (request log, ms)', width: 12,
      series: [searchSeries(ApiRequestDuration, 1, {}, 'p95', { label: '' })],
      annotations: [kpi(Kpi.ApiP95Ms, `KPI p95 < ${Kpi.ApiP95Ms} ms`)],
      leftAxis: { label: 'ms', min: 0 },
    }),
  };
}

function healthWidgets(input: DashboardsInput): Widget[] {
  if (input.healthChecks.length === 0) return [];
  // One `upN` input per endpoint: expression input ids must be unique within a widget.
  const availability = () => input.healthChecks.map((c, i) => expressionSeries(
    `${PERCENT} * up${i}`,
    { [`up${i}`]: metricSeries(HealthCheckUp, 'Average', { Endpoint: c.name }, { label: c.name, periodSeconds: HOUR }) },
    { label: c.name, periodSeconds: HOUR },
  ));
  const first = input.healthChecks[0]?.name ?? '';
  return [
    graph({
      id: 'availability', specItem: SpecItem.Extra, title: 'Availability per hour (health checks, % up)',
      width: 8, range: AVAILABILITY_RANGE,
      series: availability(),
      annotations: thresholdLines(input, `${HEALTH_CHECK_INSTANCE_PREFIX}${first}`, {
        kpi: { value: Kpi.AvailabilityPercent, label: `SLO ${Kpi.AvailabilityPercent} %` }, alarm: { rule: AvailabilityBelowSlo, scale: PERCENT },
      }),
      leftAxis: { label: '%', max: PERCENT },
    }),
    {
      kind: 'singleValue', id: 'availability-over-range', specItem: SpecItem.Extra, title: 'Availability over the range (%)',
      width: 4, height: 6, periodIsRange: true,
      series: availability(),
    },
    graph({
      id: 'health-check-latency', specItem: SpecItem.Extra, title: 'Health-check latency (ms)',
      width: 12,
      series: input.healthChecks.map((c) => metricSeries(HealthCheckLatency, 'Maximum', { Endpoint: c.name }, { label: c.name })),
      leftAxis: { label: 'ms', min: 0 },
    }),
  ];
}

export function apiPerformance(input: DashboardsInput): DashboardSpec {
  const { perTenant, endpoints, endpointLatency } = requestLogWidgets();
  const alb = input.api ? loadBalancerWidgets(input, input.api) : undefined;
  const rows: Widget[][] = alb
    ? [[alb.requestsPerSecond, perTenant], [alb.responseTime, alb.errorRate], [endpoints, endpointLatency], [alb.heatmap]]
    : [[noLoadBalancer()], [perTenant], [endpoints, endpointLatency]];
  const health = healthWidgets(input);
  return {
    name: dashboardName(input, 'api-performance'),
    title: 'API Performance',
    rows: [
      [headerWidget('API Performance', 'Layer 2 without application changes: load balancer metrics, the request-log SQL source and health probes. '
        + 'Green lines: spec KPIs; red lines: alarm thresholds. .NET runtime counters need an in-process agent and are out of scope.')],
      ...rows,
      ...(health.length > 0 ? [health] : []),
    ],
  };
}
