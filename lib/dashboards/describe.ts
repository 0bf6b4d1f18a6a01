/**
 * The four dashboards as data, and what they reference. Pure: tests read it to check
 * every widget against the spec and every referenced metric against what the collectors
 * really emit.
 *
 * Several targets: one Infrastructure Health, Multi-Tenant Insights and Security Events
 * dashboard per target, one API Performance dashboard per deployment. Dashboard
 * variables cannot do it: a variable swaps one dimension value, but a target also has its
 * own RDS identifier, its own collector log group (the top-10 table) and its own alarms.
 */
import { apiPerformance } from './api-performance.js';
import { infrastructureHealth } from './infrastructure-health.js';
import type { DashboardsInput } from './input.js';
import type { DashboardSpec, LogsQuery, Series, SpecItem, Widget } from './model.js';
import { multiTenantInsights } from './multi-tenant-insights.js';
import { searchExpression } from './search-expression.js';
import { securityEvents } from './security-events.js';

export function describeDashboards(input: DashboardsInput): DashboardSpec[] {
  const names = new Set(input.targets.map((t) => t.name));
  if (names.size !== input.targets.length) throw new Error('dashboards: duplicate target names');
  return [
    ...input.targets.map((t) => infrastructureHealth(input, t)),
    apiPerformance(input),
    ...input.targets.map((t) => multiTenantInsights(input, t)),
    ...input.targets.map((t) => securityEvents(input, t)),
  ];
}

export function widgetsOf(spec: DashboardSpec): Widget[] {
  return spec.rows.flat();
}

/** One metric a widget reads: exactly, or every metric of a dimension set (search). */
export interface MetricReference {
  readonly dashboard: string;
  readonly widget: string;
  readonly specItem: SpecItem;
  readonly namespace: string;
  readonly name: string;
  /** The dimension names of the metric read (sorted): what the publisher must send. */
  readonly dimensionNames: readonly string[];
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  /** true for tenantwatch's own metrics; false for AWS/RDS and AWS/ApplicationELB. */
  readonly published: boolean;
  /** For searches: the SEARCH expression. */
  readonly search?: string;
}

function seriesOf(w: Widget): readonly Series[] {
  return w.kind === 'graph' || w.kind === 'gauge' || w.kind === 'singleValue' ? w.series : [];
}

function referencesOf(dashboard: string, w: Widget, s: Series): MetricReference[] {
  const base = { dashboard, widget: w.id, specItem: w.specItem };
  switch (s.kind) {
    case 'metric':
      return [{
        ...base, namespace: s.metric.namespace, name: s.metric.name, dimensionNames: Object.keys(s.dimensions).sort(),
        dimensions: s.dimensions, statistic: s.statistic, published: s.metric.publishable,
      }];
    case 'search':
      return [{
        ...base, namespace: s.metric.namespace, name: s.metric.name,
        dimensionNames: [...(s.metric.dimensionSets[s.dimensionSet] ?? [])].sort(), dimensions: s.filter,
        statistic: s.statistic, published: s.metric.publishable, search: searchExpression(s),
      }];
    case 'expression':
      return Object.values(s.inputs).flatMap((input) => referencesOf(dashboard, w, input));
  }
}

export function referencedMetrics(spec: DashboardSpec): MetricReference[] {
  return widgetsOf(spec).flatMap((w) => seriesOf(w).flatMap((s) => referencesOf(spec.name, w, s)));
}

export function logsQueries(spec: DashboardSpec): { readonly widget: string; readonly logGroupNames: readonly string[]; readonly query: LogsQuery }[] {
  return widgetsOf(spec).flatMap((w) => (w.kind === 'logs' ? [{ widget: w.id, logGroupNames: w.logGroupNames, query: w.query }] : []));
}
