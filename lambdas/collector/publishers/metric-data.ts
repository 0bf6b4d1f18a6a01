/**
 * Catalog datums to CloudWatch MetricDatum entries. The unit comes from the catalog, the
 * dimensions from the datum. A distribution becomes Values/Counts: equal values are merged
 * first (CloudWatch limits distinct values, not samples), then split into entries of at
 * most 150 values each; the counts add up to the original ones exactly.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Datum } from '../../core/metrics/datum.js';

/** CloudWatch: at most 150 distinct values per MetricDatum (Values/Counts). */
export const MAX_VALUES_PER_DATUM = 150;

/** Merges equal values (summing their counts) and drops zero counts, keeping first-seen order. */
export function mergeDistribution(values: readonly number[], counts: readonly number[] | undefined): { values: number[]; counts: number[] } {
  const byValue = new Map<number, number>();
  values.forEach((value, i) => {
    const count = counts?.[i] ?? 1;
    // -0 and 0 are one value to CloudWatch; Map keys already treat them as equal.
    byValue.set(value, (byValue.get(value) ?? 0) + count);
  });
  const merged = { values: [] as number[], counts: [] as number[] };
  for (const [value, count] of byValue) {
    if (count === 0) continue;
    merged.values.push(value);
    merged.counts.push(count);
  }
  return merged;
}

/** One catalog datum as one or more MetricDatum entries (more only for a distribution above 150 values). */
export function toMetricData(datum: Datum): MetricDatum[] {
  const base: MetricDatum = {
    MetricName: datum.metric.name,
    Dimensions: Object.entries(datum.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Unit: datum.metric.unit,
    ...(datum.timestamp ? { Timestamp: datum.timestamp } : {}),
  };
  if (datum.value !== undefined) return [{ ...base, Value: datum.value }];

  const { values, counts } = mergeDistribution(datum.values ?? [], datum.counts);
  const entries: MetricDatum[] = [];
  for (let start = 0; start < values.length; start += MAX_VALUES_PER_DATUM) {
    entries.push({
      ...base,
      Values: values.slice(start, start + MAX_VALUES_PER_DATUM),
      Counts: counts.slice(start, start + MAX_VALUES_PER_DATUM),
    });
  }
  return entries;
}

/**
 * The entry's size in the request body as the SDK serialises it (AWS JSON 1.0: timestamps
 * as epoch seconds). Used to keep each request under CloudWatch's payload limit.
 */
export function serializedBytes(entry: MetricDatum): number {
  const wire = entry.Timestamp ? { ...entry, Timestamp: entry.Timestamp.getTime() / 1000 } : entry;
  return Buffer.byteLength(JSON.stringify(wire));
}
