/**
 * Values CloudWatch would reject, found before publishing. One bad value in a
 * PutMetricData request fails the whole request (InvalidParameterValue), so a single NaN
 * from a collector would cost up to 1,000 good datums: bad values are dropped here and
 * counted instead (the runtime publishes the count as InvalidValuesDropped).
 *
 * Pure: the runtime calls it before publishing; both sinks call it again as a safety net.
 */
import type { Datum } from '../../core/metrics/datum.js';

/** CloudWatch accepts values in [-2^360, 2^360]; non-zero magnitudes below 2^-260 are rejected. */
export const MAX_ABS_VALUE = 2 ** 360;
export const MIN_ABS_NONZERO_VALUE = 2 ** -260;
/**
 * Dimension values: 1 to 1,024 ASCII characters, at least one of them not whitespace. We
 * also refuse control characters: no honest tenant or application name contains one.
 */
export const MAX_DIMENSION_VALUE_LENGTH = 1024;
const PRINTABLE_ASCII = /^[ -~]+$/;
/** CloudWatch accepts timestamps up to two weeks old and up to two hours ahead. */
export const MAX_TIMESTAMP_AGE_MS = 14 * 24 * 60 * 60 * 1000;
export const MAX_TIMESTAMP_AHEAD_MS = 2 * 60 * 60 * 1000;

export const InvalidReason = {
  NotANumber: 'not-a-number',
  Infinite: 'infinite',
  OutOfRange: 'out-of-range',
  InvalidCount: 'invalid-count',
  LengthMismatch: 'length-mismatch',
  NoValue: 'no-value',
  InvalidDimensionValue: 'invalid-dimension-value',
  TimestampOutOfRange: 'timestamp-out-of-range',
} as const;
export type InvalidReason = (typeof InvalidReason)[keyof typeof InvalidReason];

export interface DroppedValues {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly reason: InvalidReason;
  /** How many values were dropped for this reason (a whole datum without a usable value counts 1). */
  readonly count: number;
}

export interface DatumValidation {
  /** Datums safe to publish; a distribution keeps its valid (value, count) pairs. */
  readonly valid: readonly Datum[];
  readonly dropped: readonly DroppedValues[];
  /** Sum of dropped[].count: what InvalidValuesDropped reports. */
  readonly valuesDropped: number;
}

/** Why CloudWatch would reject this value, or undefined when it accepts it. */
export function invalidValueReason(value: number): InvalidReason | undefined {
  if (Number.isNaN(value)) return InvalidReason.NotANumber;
  if (!Number.isFinite(value)) return InvalidReason.Infinite;
  const magnitude = Math.abs(value);
  if (magnitude > MAX_ABS_VALUE || (magnitude !== 0 && magnitude < MIN_ABS_NONZERO_VALUE)) return InvalidReason.OutOfRange;
  return undefined;
}

function isValidCount(count: number): boolean {
  return Number.isFinite(count) && count >= 0 && invalidValueReason(count) === undefined;
}

function isValidDimensionValue(value: string): boolean {
  return value.length <= MAX_DIMENSION_VALUE_LENGTH && PRINTABLE_ASCII.test(value) && value.trim().length > 0;
}

/** A whole-datum problem (dimensions, timestamp, shape), or undefined. */
function datumLevelReason(datum: Datum, now: Date): InvalidReason | undefined {
  if (!Object.values(datum.dimensions).every(isValidDimensionValue)) return InvalidReason.InvalidDimensionValue;
  if (datum.timestamp) {
    const age = now.getTime() - datum.timestamp.getTime();
    if (Number.isNaN(age) || age > MAX_TIMESTAMP_AGE_MS || -age > MAX_TIMESTAMP_AHEAD_MS) return InvalidReason.TimestampOutOfRange;
  }
  if ((datum.value === undefined) === (datum.values === undefined)) return InvalidReason.NoValue;
  if (datum.values && datum.counts && datum.counts.length !== datum.values.length) return InvalidReason.LengthMismatch;
  return undefined;
}

export function validateDatums(datums: readonly Datum[], now: Date = new Date()): DatumValidation {
  const valid: Datum[] = [];
  const dropped: DroppedValues[] = [];
  const drop = (datum: Datum, reason: InvalidReason, count: number) =>
    dropped.push({ namespace: datum.metric.namespace, metric: datum.metric.name, dimensions: datum.dimensions, reason, count });

  for (const datum of datums) {
    const reason = datumLevelReason(datum, now);
    if (reason !== undefined) {
      drop(datum, reason, Math.max(1, datum.values?.length ?? 1));
      continue;
    }
    if (datum.value !== undefined) {
      const valueReason = invalidValueReason(datum.value);
      if (valueReason === undefined) valid.push(datum);
      else drop(datum, valueReason, 1);
      continue;
    }
    // A distribution: keep the good pairs, count the bad ones per reason.
    const values = datum.values ?? [];
    const counts = datum.counts;
    const keptValues: number[] = [];
    const keptCounts: number[] = [];
    const badByReason = new Map<InvalidReason, number>();
    values.forEach((value, i) => {
      const count = counts?.[i] ?? 1;
      const bad = invalidValueReason(value) ?? (isValidCount(count) ? undefined : InvalidReason.InvalidCount);
      if (bad === undefined) {
        keptValues.push(value);
        keptCounts.push(count);
      } else {
        badByReason.set(bad, (badByReason.get(bad) ?? 0) + 1);
      }
    });
    for (const [bad, count] of badByReason) drop(datum, bad, count);
    if (keptValues.length === 0) {
      if (badByReason.size === 0) drop(datum, InvalidReason.NoValue, 1);
      continue;
    }
    valid.push(badByReason.size === 0 ? datum : { ...datum, values: keptValues, counts: keptCounts });
  }
  return { valid, dropped, valuesDropped: dropped.reduce((sum, d) => sum + d.count, 0) };
}

/** Dropped counts per reason, for one log line. */
export function droppedByReason(dropped: readonly DroppedValues[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of dropped) out[d.reason] = (out[d.reason] ?? 0) + d.count;
  return out;
}
