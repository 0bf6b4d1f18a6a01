/**
 * How many CloudWatch custom metrics (one per namespace, name and set of dimension
 * values) a deployment publishes, from the same data that decides what is published: the
 * catalog's dimension sets, the configured SQL sources (a source metric is published only
 * with the dimension sets its source can fill: sources.ts `publishedDimensionSets`), and
 * the top-N cap on per-tenant sets. Values that only the data knows (how many feature
 * flags, endpoints, connection states) come from the caller, usually as the bound the
 * collector's own code enforces.
 */
import { type CatalogMetric, Dimension, catalogMetrics } from '../catalog/index.js';
import type { CollectorSettings } from '../config/collector-settings.js';
import { publishedDimensionSets, sourceMetrics } from '../config/sources.js';

/** Distinct values of one dimension of one metric in an hour. */
export type DimensionValues = (dimension: string, metric: CatalogMetric) => number;

export interface PublishedMetricSet {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: readonly string[];
  /** Metrics of this set: the product of its dimensions' value counts. */
  readonly metrics: number;
  /** Sets with the Database dimension are published once per target; the others once per deployment. */
  readonly perTarget: boolean;
}

export type MetricSettings = Pick<CollectorSettings, 'sources'>;

function setKey(set: readonly string[]): string {
  return [...set].sort().join('+');
}

/** The dimension sets a metric is published with under these settings (none: not published). */
export function publishedSets(metric: CatalogMetric, settings: MetricSettings): readonly (readonly string[])[] {
  const all = metric.dimensionSets as readonly (readonly string[])[];
  if (!sourceMetrics.has(metric.name)) return all;
  const sets = new Map<string, readonly string[]>();
  for (const source of settings.sources) {
    if (!source.metrics.some((m) => m.metric === metric.name)) continue;
    for (const set of publishedDimensionSets(source, metric)) sets.set(setKey(set), set);
  }
  return all.filter((set) => sets.has(setKey(set)));
}

export function publishedMetricSets(settings: MetricSettings, values: DimensionValues): PublishedMetricSet[] {
  return catalogMetrics.flatMap((metric) =>
    publishedSets(metric, settings).map((set) => ({
      namespace: metric.namespace,
      metric: metric.name,
      dimensions: set,
      metrics: set.reduce((n, d) => (d === Dimension.Database ? n : n * values(d, metric)), 1),
      perTarget: set.includes(Dimension.Database),
    })),
  );
}

export interface MetricCounts {
  /** Published by each target's collector (they carry its Database value). */
  readonly perTarget: number;
  /** Published once whatever the number of targets (health checks carry no Database dimension). */
  readonly perDeployment: number;
}

export function countMetrics(sets: readonly PublishedMetricSet[]): MetricCounts {
  return {
    perTarget: sets.filter((s) => s.perTarget).reduce((n, s) => n + s.metrics, 0),
    perDeployment: sets.filter((s) => !s.perTarget).reduce((n, s) => n + s.metrics, 0),
  };
}
