/**
 * A datum is one value (or one distribution) of a catalog metric with one of its
 * dimension sets. Collectors build datums only through these factories, so the metric
 * must be a catalog object and the dimensions must match one of its declared sets.
 */
import type { CatalogMetric, DimensionsOf } from '../catalog/index.js';

export interface Datum {
  readonly metric: CatalogMetric;
  readonly dimensions: Readonly<Record<string, string>>;
  /** A single value, or ... */
  readonly value?: number;
  /** ... a distribution: `values[i]` occurred `counts[i]` times (CloudWatch Values/Counts). */
  readonly values?: readonly number[];
  readonly counts?: readonly number[];
  readonly timestamp?: Date;
}

export function datum<M extends CatalogMetric>(metric: M, dimensions: DimensionsOf<M>, value: number): Datum {
  return { metric, dimensions, value };
}

export function distribution<M extends CatalogMetric>(
  metric: M,
  dimensions: DimensionsOf<M>,
  values: readonly number[],
  counts: readonly number[],
): Datum {
  if (values.length !== counts.length) throw new Error(`${metric.name}: values and counts differ in length`);
  return { metric, dimensions, values, counts };
}
