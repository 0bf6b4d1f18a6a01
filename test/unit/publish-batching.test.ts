import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheHitRate, Deadlocks, QueryLatency, TenantCount, TenantTuplesRead } from '../../lambdas/core/catalog/index.js';
import { datum, distribution, type Datum } from '../../lambdas/core/metrics/datum.js';
import { MAX_DATUMS_PER_REQUEST, REQUEST_BYTES_BUDGET, planBatches } from '../../lambdas/collector/publishers/batches.js';
import { MAX_VALUES_PER_DATUM, mergeDistribution, serializedBytes, toMetricData } from '../../lambdas/collector/publishers/metric-data.js';

const db = { Database: 'payroll' } as const;

describe('toMetricData', () => {
  it('converts a single value with the catalog unit, the datum dimensions and timestamp', () => {
    const at = new Date('2026-03-02T10:00:00.500Z');
    expect(toMetricData({ ...datum(TenantTuplesRead, { Database: 'payroll', Tenant: 'acme' }, 42), timestamp: at })).toEqual([
      {
        MetricName: 'TenantTuplesRead',
        Dimensions: [
          { Name: 'Database', Value: 'payroll' },
          { Name: 'Tenant', Value: 'acme' },
        ],
        Unit: 'Count',
        Timestamp: at,
        Value: 42,
      },
    ]);
  });

  it('splits 400 distinct values into entries of 150, 150 and 100, counts preserved in order', () => {
    // prepare
    const values = Array.from({ length: 400 }, (_, i) => i);
    const counts = values.map((v) => v + 1);

    // act
    const entries = toMetricData(distribution(QueryLatency, db, values, counts));

    // assess
    expect(entries.map((e) => e.Values!.length)).toEqual([150, 150, 100]);
    expect(entries.flatMap((e) => e.Values)).toEqual(values);
    expect(entries.flatMap((e) => e.Counts)).toEqual(counts);
    expect(entries.every((e) => e.Unit === 'Milliseconds' && e.MetricName === 'QueryLatency')).toBe(true);
  });

  it('merges equal values before counting distinct ones: 600 samples of 100 values make one entry', () => {
    const values = Array.from({ length: 600 }, (_, i) => i % 100);
    const entries = toMetricData(distribution(QueryLatency, db, values, values.map(() => 2)));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.Values).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(entries[0]!.Counts).toEqual(Array.from({ length: 100 }, () => 12));
  });
});

describe('mergeDistribution', () => {
  it('sums counts of equal values, drops zero counts, keeps first-seen order, defaults counts to 1', () => {
    expect(mergeDistribution([5, 1, 5, 2, 0, -0], [1, 2, 3, 0, 1, 1])).toEqual({ values: [5, 1, 0], counts: [4, 2, 2] });
    expect(mergeDistribution([3, 3, 4], undefined)).toEqual({ values: [3, 4], counts: [2, 1] });
  });
});

describe('planBatches', () => {
  it('puts 2,500 datums of one namespace into batches of 1,000, 1,000 and 500', () => {
    const datums = Array.from({ length: 2500 }, (_, i) => datum(TenantTuplesRead, { Database: 'payroll', Tenant: `t${i}` }, i));
    const batches = planBatches(datums);
    expect(batches.map((b) => [b.namespace, b.metricData.length])).toEqual([
      ['TenantWatch/Tenants', 1000],
      ['TenantWatch/Tenants', 1000],
      ['TenantWatch/Tenants', 500],
    ]);
    expect(batches.flatMap((b) => b.metricData.map((m) => m.Value))).toEqual(datums.map((d) => d.value));
  });

  it('groups by namespace, one namespace per request, in first-seen order', () => {
    const batches = planBatches([
      datum(CacheHitRate, db, 1),
      datum(TenantCount, db, 2),
      datum(Deadlocks, db, 3),
    ]);
    expect(batches.map((b) => [b.namespace, b.metricData.map((m) => m.MetricName)])).toEqual([
      ['TenantWatch/Database', ['CacheHitRate', 'Deadlocks']],
      ['TenantWatch/Tenants', ['TenantCount']],
    ]);
  });

  it('starts a new request before the byte budget is exceeded', () => {
    // prepare: entries of a known size, a budget of two and a half entries.
    const datums = Array.from({ length: 5 }, (_, i) => datum(CacheHitRate, db, i));
    const entryBytes = serializedBytes(toMetricData(datums[0]!)[0]!) + 1;
    const envelope = Buffer.byteLength(JSON.stringify({ Namespace: 'TenantWatch/Database', MetricData: [] }));

    // act
    const batches = planBatches(datums, { maxBytes: envelope + Math.floor(2.5 * entryBytes) });

    // assess
    expect(batches.map((b) => b.metricData.length)).toEqual([2, 2, 1]);
    expect(batches[0]!.bytes).toBe(envelope + 2 * entryBytes);
  });

  it('estimates the body size exactly as JSON 1.0 serialises it (timestamps in epoch seconds)', () => {
    const d: Datum = { ...datum(CacheHitRate, db, 97.5), timestamp: new Date(1_700_000_000_123) };
    const [batch] = planBatches([d]);
    const body = JSON.stringify({ Namespace: 'TenantWatch/Database', MetricData: [{ ...batch!.metricData[0], Timestamp: 1_700_000_000.123 }] });
    // +1: the estimate counts a separator after every entry.
    expect(batch!.bytes).toBe(Buffer.byteLength(body) + 1);
  });

  it('respects every CloudWatch limit and loses no sample (property)', () => {
    const arbDatum: fc.Arbitrary<Datum> = fc.oneof(
      fc.record({ tenant: fc.string({ minLength: 1, maxLength: 300 }), v: fc.double({ noNaN: true, noDefaultInfinity: true }) }).map(({ tenant, v }) =>
        datum(TenantTuplesRead, { Database: 'payroll', Tenant: tenant }, v),
      ),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 9 })), { maxLength: 700 }).map((pairs) =>
        distribution(QueryLatency, db, pairs.map((p) => p[0]), pairs.map((p) => p[1])),
      ),
    );
    fc.assert(
      fc.property(fc.array(arbDatum, { maxLength: 1500 }), (datums) => {
        const batches = planBatches(datums);
        for (const b of batches) {
          expect(b.metricData.length).toBeGreaterThan(0);
          expect(b.metricData.length).toBeLessThanOrEqual(MAX_DATUMS_PER_REQUEST);
          expect(b.bytes).toBeLessThanOrEqual(REQUEST_BYTES_BUDGET);
          expect(Buffer.byteLength(JSON.stringify({ Namespace: b.namespace, MetricData: b.metricData }))).toBeLessThanOrEqual(REQUEST_BYTES_BUDGET);
          for (const m of b.metricData) expect((m.Values ?? []).length).toBeLessThanOrEqual(MAX_VALUES_PER_DATUM);
        }
        const entries = batches.flatMap((b) => b.metricData);
        const singles = datums.filter((d) => d.value !== undefined).length;
        expect(entries.filter((m) => m.Value !== undefined)).toHaveLength(singles);
        const sampleCount = (xs: readonly (readonly number[] | undefined)[]) => xs.reduce((s, c) => s + (c ?? []).reduce((a, b) => a + b, 0), 0);
        expect(sampleCount(entries.map((m) => m.Counts))).toBe(sampleCount(datums.map((d) => d.counts)));
      }),
      { numRuns: 40 },
    );
  });
});
