import { describe, expect, it } from 'vitest';
import { tenantParts } from '../../lambdas/collector/sources/tenant-parts.js';
import { tenantReadTimeoutMs } from '../../lambdas/collector/sources/tenant-reads.js';
import { sourcesSchema, type SourceInput } from '../../lambdas/core/config/sources.js';

describe('tenantParts', () => {
  it('deals the tenants out in turn, one part per connection', () => {
    // Act
    const parts = tenantParts(7, 2, 10_000);
    // Assess
    expect(parts).toEqual([[0, 2, 4, 6], [1, 3, 5]]);
  });

  it('keeps the part count at the connection count whatever the tenant count below the chunk size', () => {
    // Act
    const counts = [2, 50, 200, 1_000, 10_000].map((n) => tenantParts(n, 2, 10_000).length);
    // Assess
    expect(counts).toEqual([2, 2, 2, 2, 2]);
  });

  it('makes more parts where the chunk size asks for smaller ones, none above it', () => {
    // Act
    const parts = tenantParts(10, 2, 3);
    // Assess
    expect(parts.map((p) => p.length)).toEqual([3, 3, 2, 2]);
    expect(parts.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('makes no empty part', () => {
    // Act, Assess
    expect(tenantParts(1, 4, 10_000)).toEqual([[0]]);
    expect(tenantParts(0, 2, 10_000)).toEqual([]);
  });
});

describe('tenantReadTimeoutMs', () => {
  const sources = (...timeouts: (number | undefined)[]): { sources: ReturnType<typeof sourcesSchema.parse> } => ({
    sources: sourcesSchema.parse(timeouts.map((timeoutMs, i): SourceInput => ({
      name: `s${i}`, perTenant: true, sql: 'SELECT count(*) AS n FROM {{tenant}}.t', metrics: [{ column: 'n', metric: 'ActiveSessions' }], ...(timeoutMs ? { timeoutMs } : {}),
    }))),
  });

  it('is the perTenant sources\' timeouts together (default 5 s each), within the collector\'s', () => {
    // Act, Assess
    expect(tenantReadTimeoutMs(sources(undefined, 2_000))).toBe(7_000);
    expect(tenantReadTimeoutMs(sources(10_000, 10_000))).toBe(15_000);
    expect(tenantReadTimeoutMs(sources())).toBe(5_000);
  });
});
