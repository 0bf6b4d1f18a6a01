/**
 * How many distinct CloudWatch metrics (metric name x dimension values) the tenant and
 * security layers publish per database target, from the same settings and catalog that
 * decide what is published: the collectors' own metrics with every catalog dimension set,
 * each source metric with the sets its source can fill. A Tenant set counts the top N; a
 * set keyed by a data column (Flag, Endpoint, State) counts its distinct values, which
 * only the database knows, so the caller says how many there are.
 */
import {
  ActiveTenants, CrossTenantQueries, Dimension, Layer, SchemaSwitchTime, TenantCount, TenantTuplesRead, TenantTuplesWritten, type CatalogMetric,
} from '../../core/catalog/index.js';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import { publishedDimensionSets, sourceLayer, sourceMetrics } from '../../core/config/sources.js';

/** CloudWatch custom metrics, first 10,000 per month (us-east-1 list price), prorated by the hour. */
export const PRICE_PER_METRIC_MONTH_USD = 0.3;

/** Metrics the tenant and security collectors compute themselves, with all their dimension sets. */
const collectorMetrics: readonly CatalogMetric[] = [TenantCount, ActiveTenants, TenantTuplesRead, TenantTuplesWritten, SchemaSwitchTime, CrossTenantQueries];

const layers: readonly Layer[] = [Layer.Tenants, Layer.Security];

export interface MetricCount {
  readonly metric: string;
  /** Distinct dimension-value combinations published for it. */
  readonly metrics: number;
}

function setSize(set: readonly string[], topTenants: number, valuesOf: Readonly<Record<string, number>>): number {
  return set.reduce((n, d) => {
    if (d === Dimension.Database) return n;
    if (d === Dimension.Tenant) return n * topTenants;
    const values = valuesOf[d];
    if (values === undefined) throw new Error(`cardinality: say how many distinct ${d} values the data has`);
    return n * values;
  }, 1);
}

export function tenantSecurityMetricCounts(
  settings: Pick<CollectorSettings, 'sources' | 'topTenants'>,
  distinctValues: Readonly<Record<string, number>> = {},
): MetricCount[] {
  const size = (sets: readonly (readonly string[])[]) => sets.reduce((n, set) => n + setSize(set, settings.topTenants, distinctValues), 0);
  const counts = new Map<string, number>();
  for (const m of collectorMetrics) counts.set(m.name, size(m.dimensionSets as readonly (readonly string[])[]));
  for (const source of settings.sources.filter((s) => layers.includes(sourceLayer(s)))) {
    for (const { metric } of source.metrics) {
      const def = sourceMetrics.get(metric);
      // Two sources feeding one metric publish the same dimension sets: count them once.
      if (def && !counts.has(def.name)) counts.set(def.name, size(publishedDimensionSets(source, def)));
    }
  }
  return [...counts].map(([metric, metrics]) => ({ metric, metrics }));
}

export function monthlyMetricCostUsd(metrics: number): number {
  return Math.round(metrics * PRICE_PER_METRIC_MONTH_USD * 100) / 100;
}
