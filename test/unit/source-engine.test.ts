/** The SQL-source engine's pure parts: compiling statements, reading cells, rows to datums. */
import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../lambdas/collector/collector.js';
import { PER_TENANT_SQL, compileSource } from '../../lambdas/collector/sources/compile.js';
import { SourceColumnError, sourceDatums, type SourceRow } from '../../lambdas/collector/sources/to-datums.js';
import { cellValue, cellValues } from '../../lambdas/collector/sources/values.js';
import { sourceSchema, type Source, type SourceInput } from '../../lambdas/core/config/sources.js';

const source = (input: SourceInput): Source => sourceSchema.parse(input);
const start = new Date('2026-01-01T10:00:00.000Z');
const end = new Date('2026-01-01T10:01:00.000Z');
const tenants: Tenant[] = ['tenant_a', 'tenant_"b"; --', 'tenant_c'].map((schema) => ({ schema, name: schema }));
const options = { target: 'demo', topTenants: 2 };

describe('compileSource', () => {
  it('binds the window placeholders as typed parameters, in order of use, and drops trailing semicolons', () => {
    // Prepare
    const s = source({ name: 'logins', sql: 'SELECT count(*) AS n FROM t WHERE at >= {{window_start}} AND at < {{window_end}} OR at = {{window_start}} ; \n', metrics: [{ column: 'n', metric: 'LoginAttempts' }] });
    // Act
    const [statement, ...rest] = compileSource(s, { start, end }, [], 100);
    // Assess
    expect(rest).toEqual([]);
    expect(statement).toEqual({
      text: 'SELECT count(*) AS n FROM t WHERE at >= $1::timestamptz AND at < $2::timestamptz OR at = $1::timestamptz',
      params: [start.toISOString(), end.toISOString()],
    });
  });

  it('numbers window_end $1 when it is the only placeholder used', () => {
    // Prepare
    const s = source({ name: 'users', sql: 'SELECT count(*) AS n FROM u WHERE seen < {{window_end}}', metrics: [{ column: 'n', metric: 'ActiveUsers' }] });
    // Act
    const [statement] = compileSource(s, { end }, [], 100);
    // Assess
    expect(statement).toEqual({ text: 'SELECT count(*) AS n FROM u WHERE seen < $1::timestamptz', params: [end.toISOString()] });
  });

  it('refuses to compile a windowed source without a window start', () => {
    // Prepare
    const s = source({ name: 'logins', sql: 'SELECT 1 AS n WHERE {{window_start}} < now()', metrics: [{ column: 'n', metric: 'LoginAttempts' }] });
    // Act / Assess
    expect(() => compileSource(s, { end }, [], 100)).toThrow('source "logins": {{window_start}} has no value yet (no previous run)');
  });

  it('runs a perTenant source as one statement per chunk of tenants: schemas and SQL as parameters, window as literals', () => {
    // Prepare
    const s = source({ name: 'sessions', perTenant: true, sql: 'SELECT count(*) AS n FROM {{tenant}}.sessions WHERE at >= {{window_start}} AND at < {{window_end}};', metrics: [{ column: 'n', metric: 'ActiveSessions' }] });
    // Act
    const statements = compileSource(s, { start, end }, tenants, 2);
    // Assess
    expect(statements.map((st) => st.tenants)).toEqual([tenants.slice(0, 2), tenants.slice(2)]);
    expect(statements.every((st) => st.text === PER_TENANT_SQL)).toBe(true);
    expect(statements.map((st) => st.params[0])).toEqual([['tenant_a', 'tenant_"b"; --'], ['tenant_c']]);
    expect(statements[0]!.params[1]).toBe(
      "SELECT coalesce(json_agg(s), '[]') AS j FROM (SELECT count(*) AS n FROM {{tenant}}.sessions "
      + "WHERE at >= '2026-01-01T10:00:00.000Z'::timestamptz AND at < '2026-01-01T10:01:00.000Z'::timestamptz) AS s",
    );
    // No tenant name is ever in a statement's text.
    expect(PER_TENANT_SQL).not.toContain('tenant_a');
  });
});

describe('cellValue', () => {
  it.each([
    [null, { kind: 'none' }],
    [undefined, { kind: 'none' }],
    [3, { kind: 'value', value: 3 }],
    ['42', { kind: 'value', value: 42 }],
    ['12.5', { kind: 'value', value: 12.5 }],
    ['1e3', { kind: 'value', value: 1000 }],
    ['lots', { kind: 'invalid', reason: 'not a number: "lots"' }],
    [true, { kind: 'invalid', reason: 'not a number: true' }],
    [Number.NaN, { kind: 'invalid', reason: 'not-a-number: NaN' }],
    ['NaN', { kind: 'invalid', reason: 'not a number: "NaN"' }],
    [Number.POSITIVE_INFINITY, { kind: 'invalid', reason: 'infinite: Infinity' }],
    [`1${'0'.repeat(400)}`, { kind: 'invalid', reason: `infinite: "1${'0'.repeat(38)}...` }],
    [-1, { kind: 'invalid', reason: 'negative: -1' }],
  ])('reads %j', (raw, expected) => {
    // Act / Assess
    expect(cellValue(raw)).toEqual(expected);
  });

  it('reads every element of an array column as one observation', () => {
    // Act / Assess
    expect(cellValues([1.5, '2', null])).toEqual([{ kind: 'value', value: 1.5 }, { kind: 'value', value: 2 }, { kind: 'none' }]);
    expect(cellValues(7)).toEqual([{ kind: 'value', value: 7 }]);
  });
});

describe('sourceDatums', () => {
  const payroll = source({
    name: 'payroll', perTenant: true, sql: 'SELECT 1 FROM {{tenant}}.payroll_runs',
    metrics: [
      { column: 'completed', metric: 'PayrollRunsCompleted' },
      { column: 'durations', metric: 'PayrollRunDuration', aggregate: 'distribution' },
    ],
  });
  const rows: SourceRow[] = [
    { tenant: tenants[0], row: { completed: '1', durations: [60, 90] } },
    { tenant: tenants[1], row: { completed: '5', durations: [90] } },
    { tenant: tenants[2], row: { completed: '3', durations: null } },
  ];

  it('publishes the total over every tenant, the top N tenants, and one distribution of all values', () => {
    // Act
    const { datums, invalid } = sourceDatums(payroll, rows, options);
    // Assess
    expect(invalid).toEqual([]);
    expect(datums.map((d) => [d.metric.name, d.dimensions, d.value ?? [d.values, d.counts]])).toEqual([
      ['PayrollRunsCompleted', { Database: 'demo' }, 9],
      ['PayrollRunsCompleted', { Database: 'demo', Tenant: 'tenant_"b"; --' }, 5],
      ['PayrollRunsCompleted', { Database: 'demo', Tenant: 'tenant_c' }, 3],
      ['PayrollRunDuration', { Database: 'demo' }, [[60, 90], [1, 2]]],
    ]);
  });

  it('publishes no per-tenant datum for tenants with nothing to report', () => {
    // Act
    const { datums } = sourceDatums(payroll, rows.map((r) => ({ ...r, row: { completed: '0', durations: null } })), options);
    // Assess
    expect(datums.map((d) => [d.metric.name, d.dimensions, d.value])).toEqual([['PayrollRunsCompleted', { Database: 'demo' }, 0]]);
  });

  it('groups by a dimension column and keeps NULL values out', () => {
    // Prepare
    const flags = source({ name: 'flags', sql: 'SELECT 1', dimensions: { Flag: 'flag' }, metrics: [{ column: 'n', metric: 'FeatureFlagUsage' }] });
    // Act
    const { datums } = sourceDatums(flags, [{ row: { flag: 'sso', n: 2 } }, { row: { flag: 'sso', n: 1 } }, { row: { flag: 'beta', n: null } }, { row: { flag: 'zürich', n: 4 } }], options);
    // Assess
    expect(datums.map((d) => [d.dimensions, d.value])).toEqual([
      [{ Database: 'demo', Flag: 'sso' }, 3],
      [{ Database: 'demo', Flag: 'z\\u{fc}rich' }, 4],
    ]);
  });

  it('names the source and the missing column when the result does not match the declared metrics', () => {
    // Act / Assess
    expect(() => sourceDatums(payroll, [{ tenant: tenants[0], row: { done: 1, durations: null } }], options)).toThrow(SourceColumnError);
    expect(() => sourceDatums(payroll, [{ tenant: tenants[0], row: { done: 1, durations: null } }], options))
      .toThrow('source "payroll": column "completed" (metric PayrollRunsCompleted) is not in the result; the result has columns "done", "durations"');
  });

  it('drops invalid values, reports them once per metric, and publishes the valid ones', () => {
    // Act
    const { datums, invalid } = sourceDatums(payroll, [
      { tenant: tenants[0], row: { completed: 'many', durations: [1, Number.NaN, -3] } },
      { tenant: tenants[2], row: { completed: 2, durations: null } },
    ], options);
    // Assess
    expect(invalid).toEqual([
      'column "completed" (PayrollRunsCompleted): 1 invalid value(s) dropped (not a number: "many")',
      'column "durations" (PayrollRunDuration): 2 invalid value(s) dropped (not-a-number: NaN)',
    ]);
    expect(datums.map((d) => [d.metric.name, d.dimensions.Tenant ?? '*', d.value ?? d.values])).toEqual([
      ['PayrollRunsCompleted', '*', 2],
      ['PayrollRunsCompleted', 'tenant_c', 2],
      ['PayrollRunDuration', '*', [1]],
    ]);
  });

  it('publishes nothing for a result without rows', () => {
    // Act / Assess
    expect(sourceDatums(payroll, [], options)).toEqual({ datums: [], invalid: [] });
  });
});
