/** The SQL-source schema: every mistake is refused with a message naming the source and what is wrong. */
import { describe, expect, it } from 'vitest';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import { DEFAULT_SOURCES, sourceLayer, sourceMetrics, sourceSchema, sourcesSchema, type SourceInput } from '../../lambdas/core/config/sources.js';
import { tenantDiscoverySchema } from '../../lambdas/core/config/tenants.js';

const valid: SourceInput = {
  name: 'logins',
  sql: 'SELECT count(*) AS n FROM app.login_events WHERE occurred_at >= {{window_start}} AND occurred_at < {{window_end}}',
  metrics: [{ column: 'n', metric: 'LoginAttempts' }],
};

const NOT_A_SOURCE_METRIC = `metrics.0.metric: not a metric a SQL source can publish; one of: ${[...sourceMetrics.keys()].join(', ')}`;

function messages(input: unknown): string[] {
  const parsed = sourceSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('SQL source validation', () => {
  it('lets sources publish the business, security and API metrics, never the ones tenantwatch computes', () => {
    // Assess
    expect([...sourceMetrics.keys()]).toContain('FailedLoginRate');
    expect([...sourceMetrics.keys()]).toContain('ApiRequests');
    for (const computed of ['TenantCount', 'ActiveTenants', 'TenantTuplesRead', 'SchemaSwitchTime', 'CrossTenantQueries', 'CacheHitRate', 'CollectorErrors']) {
      expect(sourceMetrics.has(computed), computed).toBe(false);
    }
  });

  it('accepts every default source, and fills in defaults', () => {
    // Act
    const parsed = sourcesSchema.parse(DEFAULT_SOURCES).filter((s) => sourceLayer(s) !== 'api');
    // Assess
    expect(parsed.map((s) => s.name)).toEqual(['active-users', 'active-sessions', 'feature-flags', 'payroll-runs', 'logins', 'security-events', 'audit-log']);
    expect(parsed.map(sourceLayer)).toEqual(['tenants', 'tenants', 'tenants', 'tenants', 'security', 'security', 'security']);
    expect(parsed[4]!.metrics[0]).toEqual({ column: 'attempts', metric: 'LoginAttempts', unit: 'Count', aggregate: 'sum' });
    expect(parsed[4]!.perTenant).toBe(false);
  });

  it('uses the default sources when the settings name none', () => {
    // Act
    const settings = collectorSettingsSchema.parse({ target: 'demo' });
    // Assess
    expect(settings.sources.map((s) => s.name)).toEqual(DEFAULT_SOURCES.map((s) => s.name));
    expect(settings.sources.map((s) => s.name)).toContain('payroll-runs');
    expect(settings).toMatchObject({ tenantChunkSize: 10_000, schemaSwitchSamples: 4, sourceSettleMs: 0, topTenants: 25 });
  });

  it.each([
    ['a metric name not in the catalog', { ...valid, metrics: [{ column: 'n', metric: 'LoginAttemps' }] }, NOT_A_SOURCE_METRIC],
    ['a metric tenantwatch computes itself', { ...valid, metrics: [{ column: 'n', metric: 'CrossTenantQueries' }] }, NOT_A_SOURCE_METRIC],
    ['a wrong unit', { ...valid, metrics: [{ column: 'n', metric: 'LoginAttempts', unit: 'Seconds' }] }, 'metrics.0.unit: source "logins": metric LoginAttempts has unit Count, not Seconds'],
    ['perTenant without {{tenant}}', { ...valid, perTenant: true }, 'sql: source "logins": perTenant sources must use {{tenant}} where the tenant schema goes'],
    ['{{tenant}} without perTenant', { ...valid, sql: 'SELECT count(*) AS n FROM {{tenant}}.sessions' }, 'sql: source "logins": {{tenant}} is only substituted when perTenant is true'],
    ['an unknown placeholder', { ...valid, sql: 'SELECT 1 AS n WHERE {{window_begin}} IS NULL' }, 'sql: source "logins": unknown placeholder {{window_begin}}; known: {{tenant}}, {{window_start}}, {{window_end}}'],
    ['positional parameters', { ...valid, sql: 'SELECT count(*) AS n FROM app.login_events WHERE occurred_at >= $1' }, 'sql: source "logins": use {{window_start}} and {{window_end}} instead of positional parameters ($1, $2)'],
    ['a missing dimension', { ...valid, sql: 'SELECT 1 AS n', metrics: [{ column: 'n', metric: 'FeatureFlagUsage' }] }, 'metrics.0.metric: source "logins": metric FeatureFlagUsage needs dimension Flag: add it to dimensions'],
    ['metrics of two layers', { ...valid, metrics: [{ column: 'n', metric: 'LoginAttempts' }, { column: 'n', metric: 'ActiveUsers' }] }, 'metrics: source "logins": all metrics of a source must belong to one layer (found security, tenants); split the source'],
    ['a bad name', { ...valid, name: 'Logins!' }, 'name: lowercase letters, digits and dashes, starting with a letter, at most 48 characters'],
    ['an unknown key', { ...valid, interval: 60 }, ': Unrecognized key: "interval"'],
    ['a timeout out of range', { ...valid, timeoutMs: 5 }, 'timeoutMs: Too small: expected number to be >=100'],
  ])('refuses %s', (_what, input, message) => {
    // Act
    const found = messages(input);
    // Assess
    expect(found).toContain(message);
  });

  it('refuses two sources with one name', () => {
    // Act
    const parsed = sourcesSchema.safeParse([valid, valid]);
    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['1.name: source name "logins" is used twice']);
  });
});

describe('tenant discovery config', () => {
  it('accepts a pattern, a table, or both', () => {
    // Act
    const table = tenantDiscoverySchema.parse({ table: { table: 'app.tenants' } });
    // Assess
    expect(table).toEqual({ table: { table: 'app.tenants', schemaColumn: 'schema_name' } });
    expect(tenantDiscoverySchema.safeParse({ schemaPattern: '^t_', table: { table: 'tenants', nameColumn: 'name' } }).success).toBe(true);
  });

  it.each([
    ['neither', {}, ': set schemaPattern, table, or both'],
    ['a quoted table name', { table: { table: 'app."tenants"; drop' } }, 'table.table: a table name, optionally schema-qualified (e.g. app.tenants), made of plain identifiers'],
    ['a three-part table name', { table: { table: 'db.app.tenants' } }, 'table.table: a table name, optionally schema-qualified (e.g. app.tenants), made of plain identifiers'],
    ['an expression as column', { table: { table: 'app.tenants', schemaColumn: 'lower(schema_name)' } }, 'table.schemaColumn: a plain identifier: letters, digits, _ or $, starting with a letter or _, at most 63 characters'],
  ])('refuses %s', (_what, input, message) => {
    // Act
    const parsed = tenantDiscoverySchema.safeParse(input);
    // Assess
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toContain(message);
  });
});
