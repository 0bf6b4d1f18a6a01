import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheHitRate, ConnectionsByApplication, QueryLatency } from '../../lambdas/core/catalog/index.js';
import { datum, distribution, type Datum } from '../../lambdas/core/metrics/datum.js';
import {
  InvalidReason,
  MAX_ABS_VALUE,
  MIN_ABS_NONZERO_VALUE,
  droppedByReason,
  invalidValueReason,
  validateDatums,
} from '../../lambdas/collector/publishers/validate.js';

const NOW = new Date('2026-03-02T10:00:00Z');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const db = { Database: 'payroll' } as const;

describe('invalidValueReason', () => {
  it.each([
    [Number.NaN, InvalidReason.NotANumber],
    [Number.POSITIVE_INFINITY, InvalidReason.Infinite],
    [Number.NEGATIVE_INFINITY, InvalidReason.Infinite],
    [2 ** 361, InvalidReason.OutOfRange],
    [-(2 ** 361), InvalidReason.OutOfRange],
    [2 ** -261, InvalidReason.OutOfRange],
    [-(2 ** -261), InvalidReason.OutOfRange],
    [0, undefined],
    [-0, undefined],
    [MAX_ABS_VALUE, undefined],
    [-MAX_ABS_VALUE, undefined],
    [MIN_ABS_NONZERO_VALUE, undefined],
    [97.5, undefined],
  ])('%s -> %s', (value, expected) => {
    expect(invalidValueReason(value)).toBe(expected);
  });
});

describe('validateDatums', () => {
  it('keeps valid datums untouched and drops single values CloudWatch rejects', () => {
    // prepare
    const good = datum(CacheHitRate, db, 99);
    const datums = [good, datum(CacheHitRate, db, Number.NaN), datum(CacheHitRate, db, 2 ** 400)];

    // act
    const result = validateDatums(datums, NOW);

    // assess
    expect(result.valid).toEqual([good]);
    expect(result.valid[0]).toBe(good);
    expect(result.dropped.map((d) => [d.metric, d.reason, d.count])).toEqual([
      ['CacheHitRate', 'not-a-number', 1],
      ['CacheHitRate', 'out-of-range', 1],
    ]);
    expect(result.valuesDropped).toBe(2);
  });

  it('keeps the good pairs of a distribution and counts the bad ones per reason', () => {
    // prepare
    const d = distribution(QueryLatency, db, [1, Number.NaN, 3, 4, Number.NaN], [2, 1, -1, 5, 1]);

    // act
    const result = validateDatums([d], NOW);

    // assess
    expect(result.valid).toEqual([{ ...d, values: [1, 4], counts: [2, 5] }]);
    expect(droppedByReason(result.dropped)).toEqual({ 'not-a-number': 2, 'invalid-count': 1 });
    expect(result.valuesDropped).toBe(3);
  });

  it('drops a distribution left with no values, and one whose values and counts differ in length', () => {
    // prepare
    const allBad = distribution(QueryLatency, db, [Number.NaN], [1]);
    const empty = distribution(QueryLatency, db, [], []);
    const mismatched: Datum = { metric: QueryLatency, dimensions: db, values: [1, 2, 3], counts: [1] };

    // act
    const result = validateDatums([allBad, empty, mismatched], NOW);

    // assess
    expect(result.valid).toEqual([]);
    expect(result.dropped.map((d) => [d.reason, d.count])).toEqual([
      ['not-a-number', 1],
      ['no-value', 1],
      ['length-mismatch', 3],
    ]);
  });

  it.each([
    ['empty', ''],
    ['whitespace only', '   '],
    ['non-ASCII', 'café-app'],
    ['a control character', 'app\u0001'],
    ['longer than 1,024 characters', 'a'.repeat(1025)],
  ])('drops a datum whose dimension value is %s', (_label, value) => {
    const result = validateDatums([datum(ConnectionsByApplication, { Database: 'payroll', ApplicationName: value }, 3)], NOW);
    expect(result.valid).toEqual([]);
    expect(result.dropped.map((d) => d.reason)).toEqual([InvalidReason.InvalidDimensionValue]);
  });

  it('accepts a 1,024-character dimension value', () => {
    const result = validateDatums([datum(ConnectionsByApplication, { Database: 'payroll', ApplicationName: 'a'.repeat(1024) }, 3)], NOW);
    expect(result.valuesDropped).toBe(0);
  });

  it('drops timestamps CloudWatch refuses (older than two weeks, more than two hours ahead)', () => {
    // prepare
    const at = (offsetMs: number): Datum => ({ ...datum(CacheHitRate, db, 1), timestamp: new Date(NOW.getTime() + offsetMs) });

    // act
    const result = validateDatums([at(-15 * DAY_MS), at(-13 * DAY_MS), at(HOUR_MS), at(3 * HOUR_MS)], NOW);

    // assess
    expect(result.valid.map((d) => d.timestamp!.getTime() - NOW.getTime())).toEqual([-13 * DAY_MS, HOUR_MS]);
    expect(result.dropped.map((d) => d.reason)).toEqual(['timestamp-out-of-range', 'timestamp-out-of-range']);
  });

  it('drops a datum with neither a value nor values', () => {
    const result = validateDatums([{ metric: CacheHitRate, dimensions: db }], NOW);
    expect(result.dropped.map((d) => d.reason)).toEqual([InvalidReason.NoValue]);
  });

  it('never lets through a value CloudWatch rejects (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), fc.array(fc.double({ min: -5, max: 5 })), (values, counts) => {
        const n = Math.min(values.length, counts.length);
        const d = distribution(QueryLatency, db, values.slice(0, n), counts.slice(0, n));
        const single = values.map((v) => datum(CacheHitRate, db, v));
        const result = validateDatums([d, ...single], NOW);
        const kept = result.valid.flatMap((x) => (x.value !== undefined ? [x.value] : [...(x.values ?? []), ...(x.counts ?? [])]));
        expect(kept.every((v) => invalidValueReason(v) === undefined)).toBe(true);
        const keptCounts = result.valid.flatMap((x) => x.counts ?? []);
        expect(keptCounts.every((c) => c >= 0)).toBe(true);
        // Every input value is either kept or counted as dropped.
        const inputValues = n + values.length;
        const keptValues = result.valid.reduce((sum, x) => sum + (x.value !== undefined ? 1 : (x.values?.length ?? 0)), 0);
        const emptyDistribution = n === 0 ? 1 : 0;
        expect(keptValues + result.valuesDropped).toBe(inputValues + emptyDistribution);
      }),
    );
  });
});
