/**
 * Dashboards as data. Each dashboard module describes its widgets with these types; the
 * descriptions reference catalog metric objects (never metric-name strings), are pure (no
 * CDK), and are what tests cross-check against the metrics the collectors really emit.
 * render.ts turns a description into a CloudWatch dashboard.
 */
import type { MetricDef, Statistic } from '../../lambdas/core/catalog/index.js';

/** CloudWatch statistics a widget may use: the alarm statistics plus percentile ranks (`PR(a:b)`). */
export type WidgetStatistic = Statistic | `PR(${string})`;

export const Axis = { Left: 'left', Right: 'right' } as const;
export type Axis = (typeof Axis)[keyof typeof Axis];

/** One metric with fixed dimension values (one of the metric's declared dimension sets). */
export interface MetricSeries {
  readonly kind: 'metric';
  readonly metric: MetricDef;
  readonly statistic: WidgetStatistic;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly periodSeconds: number;
  readonly label: string;
  readonly axis: Axis;
}

/**
 * Every metric of one dimension set whose fixed dimensions match `filter`: a CloudWatch
 * SEARCH, for dimension values only known at run time (tenants, endpoints, states).
 */
export interface SearchSeries {
  readonly kind: 'search';
  readonly metric: MetricDef;
  /** Index into metric.dimensionSets: the set searched. */
  readonly dimensionSet: number;
  readonly filter: Readonly<Record<string, string>>;
  readonly statistic: Statistic;
  readonly periodSeconds: number;
  readonly label: string;
  readonly axis: Axis;
  /** Keep only the N series with the largest sum over the time range (SORT ... DESC, N). */
  readonly top?: number;
  /** Divide each value by this (e.g. the period, for a per-second rate). */
  readonly divisor?: number;
}

/** Metric math over named metric inputs (`id` -> series), e.g. `100 * active / total`. */
export interface ExpressionSeries {
  readonly kind: 'expression';
  readonly expression: string;
  readonly inputs: Readonly<Record<string, MetricSeries>>;
  readonly periodSeconds: number;
  readonly label: string;
  readonly axis: Axis;
}

export type Series = MetricSeries | SearchSeries | ExpressionSeries;

export const AnnotationKind = {
  /** A KPI the spec states (e.g. cache hit rate > 95 %). */
  Kpi: 'kpi',
  /** The threshold of the alarm rule on this metric. */
  Alarm: 'alarm',
} as const;
export type AnnotationKind = (typeof AnnotationKind)[keyof typeof AnnotationKind];

export interface Annotation {
  readonly value: number;
  readonly label: string;
  readonly kind: AnnotationKind;
  readonly axis: Axis;
}

/** The spec's dashboard items (spec "Dashboard Components"), plus the extras we add. */
export const SpecItem = {
  // Dashboard 1: Infrastructure Health
  Connections: 'Real-time database connections graph',
  CacheHitRateTrend: 'Cache hit rate trend (24h)',
  DiskIoVsCacheHits: 'Disk I/O vs cache hits',
  ConnectionPoolGauge: 'Connection pool utilization gauge',
  TopSlowestQueries: 'Top 10 slowest queries table',
  // Dashboard 2: API Performance
  RequestsPerSecond: 'Requests per second (overall + per tenant)',
  ResponseTimeDistribution: 'Response time distribution (p50, p95, p99)',
  ErrorRate: 'Error rate percentage',
  EndpointBreakdown: 'Endpoint performance breakdown',
  RequestHeatmap: 'Request heatmap (time-series)',
  // Dashboard 3: Multi-Tenant Insights
  ActiveTenantsGauge: 'Active tenants gauge',
  PerTenantRequestVolume: 'Per-tenant request volume',
  SchemaSwitching: 'Schema switching performance',
  TenantActivityHeatmap: 'Tenant activity heatmap',
  TenantGrowth: 'Tenant growth trend',
  // Dashboard 4: Security Events
  FailedAuthentication: 'Failed authentication attempts (last 1h)',
  IdorTriggers: 'IDOR prevention triggers',
  SuspiciousActivity: 'Suspicious activity timeline',
  AuditLogVolume: 'Audit log volume',
  SecurityAlertHistory: 'Security alert history',
  /** Not in the spec's widget list: KPIs and layers the spec names elsewhere. */
  Extra: 'extra',
} as const;
export type SpecItem = (typeof SpecItem)[keyof typeof SpecItem];

interface WidgetBase {
  /** Stable key, unique within the dashboard. */
  readonly id: string;
  readonly specItem: SpecItem;
  readonly title: string;
  readonly width: number;
  readonly height: number;
}

export const GraphView = { TimeSeries: 'timeSeries', Bar: 'bar' } as const;
export type GraphView = (typeof GraphView)[keyof typeof GraphView];

export interface GraphWidget extends WidgetBase {
  readonly kind: 'graph';
  readonly series: readonly Series[];
  readonly annotations: readonly Annotation[];
  readonly view: GraphView;
  readonly stacked: boolean;
  /** Fixed time range relative to now (ISO 8601 duration, e.g. `-PT24H`); default: the dashboard's. */
  readonly range?: string;
  /** One value per series over the whole range (bar charts, totals). */
  readonly periodIsRange?: boolean;
  readonly leftAxis?: { readonly label: string; readonly min?: number; readonly max?: number };
  readonly rightAxis?: { readonly label: string; readonly min?: number; readonly max?: number };
}

export interface GaugeWidget extends WidgetBase {
  readonly kind: 'gauge';
  readonly series: readonly Series[];
  readonly annotations: readonly Annotation[];
  readonly min: number;
  readonly max: number;
}

export interface SingleValueWidget extends WidgetBase {
  readonly kind: 'singleValue';
  readonly series: readonly Series[];
  readonly range?: string;
  readonly periodIsRange?: boolean;
}

/** A CloudWatch Logs Insights query over structured collector log lines. */
export interface LogsQuery {
  /** The `event` field of the log line the query reads. */
  readonly event: string;
  /** When the line holds a list (one entry per row): the list field, unnested. */
  readonly listField?: string;
  /** Fields of the line (or of each list entry) the query reads. */
  readonly fields: readonly string[];
  /** The query text, one pipe stage per line. */
  readonly lines: readonly string[];
}

export interface LogsWidget extends WidgetBase {
  readonly kind: 'logs';
  readonly logGroupNames: readonly string[];
  readonly query: LogsQuery;
}

/** Current state of the given alarms (rule id + instance name, e.g. tenant-isolation-breach / main). */
export interface AlarmStatusWidget extends WidgetBase {
  readonly kind: 'alarmStatus';
  readonly alarms: readonly { readonly ruleId: string; readonly instance: string }[];
}

export interface TextWidget extends WidgetBase {
  readonly kind: 'text';
  readonly markdown: string;
}

export type Widget = GraphWidget | GaugeWidget | SingleValueWidget | LogsWidget | AlarmStatusWidget | TextWidget;

export interface DashboardSpec {
  /** The CloudWatch dashboard name. */
  readonly name: string;
  readonly title: string;
  /** Rows of widgets, each at most GRID_WIDTH wide, laid out top to bottom. */
  readonly rows: readonly (readonly Widget[])[];
}

/** CloudWatch dashboards are 24 units wide. */
export const GRID_WIDTH = 24;
