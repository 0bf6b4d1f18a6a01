/**
 * Hostile and bad values on their way to CloudWatch:
 * - SQL sources returning NaN, ±Infinity, text, negative counts, 10^400, 10^-300 (and NULL,
 *   which means "nothing to publish"): each bad source is reported once as a CollectorErrors
 *   entry of its collector with the reason; its valid rows still count; CloudWatch never
 *   receives a bad value (it would refuse the whole request).
 * - a collector handing the runtime NaN, Infinity, 2^361, a distribution with a NaN, a
 *   dimension value over 1,024 characters: dropped before publishing and counted in
 *   InvalidValuesDropped, the valid datums delivered.
 * - dimension values from data (source columns, tenant display names, application_name)
 *   over 1,024 characters, non-ASCII, blank: mapped deterministically by dimensionValue()
 *   (same input, same output; different inputs, different outputs) to values CloudWatch
 *   accepts.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collector } from '../../lambdas/collector/collector.js';
import { activity } from '../../lambdas/collector/collectors/database/activity.js';
import { apiCollectors } from '../../lambdas/collector/collectors/api/index.js';
import { SECURITY_SOURCES_COLLECTOR, securityCollectors } from '../../lambdas/collector/collectors/security/index.js';
import { TENANT_SOURCES_COLLECTOR, tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import { API_SOURCES_COLLECTOR } from '../../lambdas/collector/collectors/api/index.js';
import { MAX_DIMENSION_VALUE_LENGTH, validateDatums } from '../../lambdas/collector/publishers/validate.js';
import { BLANK_DIMENSION_VALUE, dimensionValue } from '../../lambdas/collector/tenants/dimension-value.js';
import {
  BlockedSessions, ConnectionUtilization, Connections, ConnectionsByApplication, IdleInTransaction, LongestTransactionSeconds, QueryLatency, TenantCount,
} from '../../lambdas/core/catalog/index.js';
import type { SourceInput } from '../../lambdas/core/config/sources.js';
import { datum, distribution } from '../../lambdas/core/metrics/datum.js';
import { type FaultBed, startFaultBed } from '../support/fault-bed.js';
import { type Invocation, eventsOf, invokeOnce, receivedDatums, receivedValue } from '../support/fault-lambda.js';
import { perCollectorErrors } from '../support/fault-expectations.js';
import { testedMajors } from '../support/pg-versions.js';
import { TEST_TARGET, withAdmin } from '../support/runtime-fixtures.js';

const Database = TEST_TARGET;
const one = (name: string, sql: string, metric: string): SourceInput => ({ name, sql, metrics: [{ column: 'n', metric }] });

/** Bad numbers, one source each (security layer unless said otherwise), and what the engine says about them. */
const BAD_SOURCES: readonly (readonly [SourceInput, string])[] = [
  [one('nan', "SELECT 'NaN'::float8 AS n", 'IdorRejections'), 'column "n" (IdorRejections): 1 invalid value(s) dropped (not-a-number: NaN)'],
  [one('infinity', "SELECT 'Infinity'::float8 AS n", 'TenantIsolationViolations'), 'column "n" (TenantIsolationViolations): 1 invalid value(s) dropped (infinite: Infinity)'],
  [one('minus-infinity', "SELECT '-Infinity'::float8 AS n", 'AuditLogEvents'), 'column "n" (AuditLogEvents): 1 invalid value(s) dropped (infinite: -Infinity)'],
  [one('text', "SELECT 'lots'::text AS n", 'AuditLogGrowthBytes'), 'column "n" (AuditLogGrowthBytes): 1 invalid value(s) dropped (not a number: "lots")'],
  [one('negative', 'SELECT -5 AS n', 'LoginAttempts'), 'column "n" (LoginAttempts): 1 invalid value(s) dropped (negative: -5)'],
  [one('ten-to-the-400', 'SELECT 1e400::numeric AS n', 'FailedLogins'), `column "n" (FailedLogins): 1 invalid value(s) dropped (infinite: "1${'0'.repeat(38)}...)`],
  [one('ten-to-the-minus-300', 'SELECT 1e-300::float8 AS n', 'FailedLoginRate'), 'column "n" (FailedLoginRate): 1 invalid value(s) dropped (out-of-range: 1e-300)'],
];
const LONG_FLAG = 'f'.repeat(2_000);
/** Pinned: a mapping that changed between releases would split every affected metric in two. */
const LONG_FLAG_VALUE = `${'f'.repeat(1_015)}~ccd48905`;
const HOSTILE_DISPLAY_NAME = `Zürich AG ${'é'.repeat(400)}`;
const GOOD_SOURCES: readonly SourceInput[] = [
  one('null', 'SELECT NULL::bigint AS n', 'SuspiciousEvents'),
  // Valid rows of a source with one bad row still count.
  one('mixed-rows', "SELECT n FROM (VALUES (3::float8), ('NaN'), (4)) v(n)", 'ActiveUsers'),
  { name: 'mixed-distribution', sql: "SELECT ARRAY[1.5, 'NaN', 2.5, -1]::float8[] AS d", metrics: [{ column: 'd', metric: 'ApiRequestDuration', aggregate: 'distribution' }] },
  {
    name: 'flags', metrics: [{ column: 'n', metric: 'FeatureFlagUsage' }], dimensions: { Flag: 'flag' },
    sql: `SELECT flag, n FROM (VALUES ('zürich', 1), (repeat('f', 2000), 2), ('   ', 3), (NULL, 4), (E'tab\\there', 5), ('back\\slash', 6)) v(flag, n)`,
  },
  // Per tenant, the rows travel as JSON inside query_to_xml's XML: markup, entities, quotes,
  // backslashes and non-ASCII in the data must come back unchanged.
  {
    name: 'tenant-flags', perTenant: true, metrics: [{ column: 'n', metric: 'FeatureFlagUsage' }], dimensions: { Flag: 'flag' },
    sql: `SELECT flag, 1 AS n FROM (VALUES ('<j>x</j>'), ('a&lt;b&amp;c'), (E'quote"back\\\\slash'), ('zürich ✓')) v(flag) WHERE (SELECT count(*) FROM {{tenant}}.employees) >= 0`,
  },
  // Per tenant: the Tenant dimension is the tenant's display name, from the tenants table.
  { name: 'runs-in-progress', perTenant: true, sql: "SELECT count(*) AS n FROM {{tenant}}.payroll_runs WHERE status = 'in_progress'", metrics: [{ column: 'n', metric: 'PayrollRunsInProgress' }] },
];

describe('dimensionValue: deterministic, publishable, one value per name', () => {
  const anyText = fc.string({ unit: 'binary', maxLength: 1_500 });

  it('always gives a value CloudWatch accepts, the same one every time', () => {
    fc.assert(fc.property(anyText, (raw) => {
      const value = dimensionValue(raw);
      expect(dimensionValue(raw)).toBe(value);
      const check = validateDatums([datum(TenantCount, { Database }, 1)].map((d) => ({ ...d, dimensions: { Database, Tenant: value } })));
      expect(check.valuesDropped).toBe(0);
      expect(value.length).toBeLessThanOrEqual(MAX_DIMENSION_VALUE_LENGTH);
    }), { numRuns: 500 });
  });

  it('gives different names different values (blank names excepted: they all read "(blank)")', () => {
    fc.assert(fc.property(anyText, anyText, (a, b) => {
      fc.pre(a !== b && a.trim() !== '' && b.trim() !== '');
      expect(dimensionValue(a)).not.toBe(dimensionValue(b));
    }), { numRuns: 500 });
    expect(dimensionValue('zürich')).not.toBe(dimensionValue('z\\u{fc}rich'));
    expect(dimensionValue('   ')).toBe(BLANK_DIMENSION_VALUE);
  });

  it('keeps a long name to 1,024 characters: a prefix and a hash of the whole name, pinned across releases', () => {
    expect(dimensionValue(LONG_FLAG)).toBe(LONG_FLAG_VALUE);
    expect(dimensionValue('x'.repeat(2_000))).toBe(`${'x'.repeat(1_015)}~2216ff05`);
  });
});

describe.each(testedMajors())('hostile values on their way to CloudWatch, PostgreSQL %i', (major) => {
  let bed: FaultBed;
  let hostileTenant: string;

  beforeAll(async () => {
    bed = await startFaultBed({ major });
    hostileTenant = bed.demo.plan.tenants.find((t) => t.payrollRuns.inProgress > 0)!.schema;
    await withAdmin(bed.prodUrl, (c) => c.query('UPDATE app.tenants SET display_name = $1 WHERE schema_name = $2', [HOSTILE_DISPLAY_NAME, hostileTenant]));
  });
  afterAll(async () => {
    await bed?.stop();
  });

  it('bad source values: reported once per source, never sent; valid rows and values still published', async () => {
    // Prepare
    const options = {
      cloudwatch: bed.cloudwatch, env: bed.env,
      collectors: [...tenantsCollectors, ...securityCollectors, ...apiCollectors],
      settings: {
        sources: [...BAD_SOURCES.map(([s]) => s), ...GOOD_SOURCES],
        tenants: { table: { table: 'app.tenants', schemaColumn: 'schema_name', nameColumn: 'display_name' } },
      },
    };
    // Act
    const run = await invokeOnce(options);
    // Assess: what each source said, by collector.
    expect(run.result.errors).toEqual([
      { collector: TENANT_SOURCES_COLLECTOR, reason: 'partial', message: 'sources/mixed-rows: source "mixed-rows": column "n" (ActiveUsers): 1 invalid value(s) dropped (not-a-number: NaN)' },
      ...BAD_SOURCES.map(([s, why]) => ({ collector: SECURITY_SOURCES_COLLECTOR, reason: 'partial', message: `sources/${s.name}: source "${s.name}": ${why}` })),
      { collector: API_SOURCES_COLLECTOR, reason: 'partial', message: 'sources/mixed-distribution: source "mixed-distribution": column "d" (ApiRequestDuration): 2 invalid value(s) dropped (not-a-number: NaN)' },
    ]);
    expect(perCollectorErrors(run.received)).toEqual({ [TENANT_SOURCES_COLLECTOR]: 1, [SECURITY_SOURCES_COLLECTOR]: BAD_SOURCES.length, [API_SOURCES_COLLECTOR]: 1 });
    // Never sent: nothing of the bad sources, no value CloudWatch would refuse, nothing lost.
    for (const [source] of BAD_SOURCES) expect(receivedDatums(run.received, source.metrics[0]!.metric), source.name).toEqual([]);
    expect(receivedDatums(run.received, 'SuspiciousEvents')).toEqual([]);
    expect(run.received.every((d) => [d.value ?? 0, ...(d.values ?? [])].every(Number.isFinite))).toBe(true);
    expect(run.result.publish.datumsLost).toBe(0);
    expect(receivedValue(run.received, 'InvalidValuesDropped')).toBe(0);
    // Published: the valid rows and values.
    expect(receivedValue(run.received, 'ActiveUsers')).toBe(7);
    expect(receivedDatums(run.received, 'ApiRequestDuration').map((d) => [d.values, d.counts])).toEqual([[[1.5, 2.5], [1, 1]]]);
    // Dimension values from data, sanitised (NULL and blank both read "(blank)").
    const tenants = bed.demo.plan.tenants.length;
    const flags = Object.fromEntries(run.received.filter((d) => d.metricName === 'FeatureFlagUsage').map((d) => [d.dimensions.Flag!, d.value]));
    expect(flags).toEqual({
      'z\\u{fc}rich': 1, [LONG_FLAG_VALUE]: 2, [BLANK_DIMENSION_VALUE]: 3 + 4, 'tab\\u{9}here': 5, 'back\\u{5c}slash': 6,
      // One row per tenant each.
      '<j>x</j>': tenants, 'a&lt;b&amp;c': tenants, 'quote"back\\u{5c}slash': tenants, 'z\\u{fc}rich \\u{2713}': tenants,
    });
    const inProgress = bed.demo.plan.tenants.find((t) => t.schema === hostileTenant)!.payrollRuns.inProgress;
    expect(receivedValue(run.received, 'PayrollRunsInProgress', { Database, Tenant: dimensionValue(HOSTILE_DISPLAY_NAME) })).toBe(inProgress);
    expect(dimensionValue(HOSTILE_DISPLAY_NAME)).toMatch(/^Z\\u\{fc\}rich AG (\\u\{e9\})+\\u\{e~[0-9a-f]{8}$/);
  });

  it('bad values from a collector: dropped before publishing, counted in InvalidValuesDropped, the rest delivered', async () => {
    // Prepare
    const hostile = collector({
      name: 'hostile-values', layer: 'database', timeoutMs: 2_000,
      collect: async (ctx) => ({
        datums: [
          datum(IdleInTransaction, { Database: ctx.target }, Number.NaN),
          datum(BlockedSessions, { Database: ctx.target }, Number.POSITIVE_INFINITY),
          datum(LongestTransactionSeconds, { Database: ctx.target }, Number('1e400')),
          datum(ConnectionUtilization, { Database: ctx.target }, 2 ** 361),
          distribution(QueryLatency, { Database: ctx.target }, [1, Number.NaN, 3], [1, 1, 2]),
          datum(ConnectionsByApplication, { Database: ctx.target, ApplicationName: 'a'.repeat(MAX_DIMENSION_VALUE_LENGTH + 1) }, 1),
          datum(Connections, { Database: ctx.target }, 5),
        ],
      }),
    });
    // Act
    const run = await invokeOnce({ cloudwatch: bed.cloudwatch, env: bed.env, collectors: [hostile] });
    // Assess
    expect(receivedValue(run.received, 'InvalidValuesDropped')).toBe(6);
    expect(eventsOf(run.records, 'invalid_values_dropped').map((r) => [r.metric, r.reason, r.values])).toEqual([
      ['IdleInTransaction', 'not-a-number', 1],
      ['BlockedSessions', 'infinite', 1],
      ['LongestTransactionSeconds', 'infinite', 1],
      ['ConnectionUtilization', 'out-of-range', 1],
      ['QueryLatency', 'not-a-number', 1],
      ['ConnectionsByApplication', 'invalid-dimension-value', 1],
    ]);
    expect(run.received.filter((d) => !['CollectorDuration', 'CollectorErrors', 'CollectorRuns', 'ConnectionFailures', 'DatabaseUp', 'DeltasSkipped', 'InvalidValuesDropped'].includes(d.metricName))
      .map((d) => [d.metricName, d.value ?? [d.values, d.counts]])).toEqual([['QueryLatency', [[1, 3], [1, 2]]], ['Connections', 5]]);
    expect(receivedValue(run.received, 'CollectorErrors')).toBe(0);
    expect(run.result.publish.datumsLost).toBe(0);
  });

  it('blank application_names: published together as "(blank)", not dropped', async () => {
    // Prepare
    const blanks = ['   ', ' '].map((name) => new pg.Client({ connectionString: bed.prodUrl, application_name: name }));
    await Promise.all(blanks.map((c) => c.connect()));
    // Act
    let run: Invocation;
    try {
      run = await invokeOnce({ cloudwatch: bed.cloudwatch, env: bed.env, collectors: [activity] });
    } finally {
      await Promise.all(blanks.map((c) => c.end()));
    }
    // Assess
    expect(receivedValue(run.received, 'ConnectionsByApplication', { Database, ApplicationName: BLANK_DIMENSION_VALUE })).toBe(2);
    expect(receivedValue(run.received, 'InvalidValuesDropped')).toBe(0);
  });
});
