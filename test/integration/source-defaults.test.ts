/**
 * The default SQL sources against the demo database and its deterministic workload:
 * exact values per interval, and nothing counted twice.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorResult } from '../../lambdas/collector/collector.js';
import { SECURITY_SOURCES_COLLECTOR, securityCollectors } from '../../lambdas/collector/collectors/security/index.js';
import { TENANT_SOURCES_COLLECTOR, tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import { DEMO_FEATURE_FLAGS } from '../../lambdas/local/demo/plan.js';
import { createDemoDatabase, type DemoDatabase } from '../../lambdas/local/demo/create.js';
import { idorRejection, logins, payrollActivity, tenantIsolationViolation } from '../../lambdas/local/demo/workload.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { createCollectorHarness, type CollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';

const TENANTS = 12;
const byName = (name: string) => [...tenantsCollectors, ...securityCollectors].find((c) => c.name === name)!;
const tenantSources = byName(TENANT_SOURCES_COLLECTOR);
const securitySources = byName(SECURITY_SOURCES_COLLECTOR);

/** The value of a metric's datum with exactly these dimensions (Database included). */
function valueOf(result: CollectorResult, metric: string, dims: Record<string, string> = {}): number | undefined {
  const found = result.datums.filter((d) => d.metric.name === metric
    && JSON.stringify(Object.entries(d.dimensions).sort()) === JSON.stringify(Object.entries({ Database: 'demo', ...dims }).sort()));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

describe.each(testedMajors())('default SQL sources on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let url: string;
  let demo: DemoDatabase;
  let harness: CollectorHarness;
  /** The shared tables' writes of one test: never in the next interval. */
  let admin: pg.Client;

  beforeAll(async () => {
    server = await startPostgres({ major });
    url = await server.createDatabase('demo');
    demo = await createDemoDatabase(url, { tenants: TENANTS });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    harness = await createCollectorHarness(url);
    // Baselines: the first run of a windowed source only records where its window ends.
    await harness.run(tenantSources);
    await harness.run(securitySources);
  });
  afterAll(async () => {
    await harness?.close();
    await admin?.end();
    await server?.stop();
  });

  it('counts k failed logins of n attempts exactly: FailedLogins = k, LoginAttempts = n, FailedLoginRate = 100k/n', async () => {
    // Prepare
    await logins(url, { attempts: 7, failures: 2 });
    // Act
    const result = await harness.run(securitySources);
    const next = await harness.run(securitySources);
    // Assess
    expect(result.errors ?? []).toEqual([]);
    expect(valueOf(result, 'LoginAttempts')).toBe(7);
    expect(valueOf(result, 'FailedLogins')).toBe(2);
    expect(valueOf(result, 'FailedLoginRate')).toBe((100 * 2) / 7);
    expect(valueOf(next, 'LoginAttempts')).toBe(0);
    expect(valueOf(next, 'FailedLogins')).toBe(0);
    // No attempts: no rate at all rather than 0 % or NaN.
    expect(valueOf(next, 'FailedLoginRate')).toBeUndefined();
  });

  it('counts one IDOR rejection and one isolation violation in their interval only', async () => {
    // Prepare
    await idorRejection(url);
    await tenantIsolationViolation(url);
    // Act
    const result = await harness.run(securitySources);
    const next = await harness.run(securitySources);
    // Assess
    expect(valueOf(result, 'IdorRejections')).toBe(1);
    expect(valueOf(result, 'TenantIsolationViolations')).toBe(1);
    expect(valueOf(result, 'SuspiciousEvents')).toBe(0);
    expect(valueOf(next, 'IdorRejections')).toBe(0);
    expect(valueOf(next, 'TenantIsolationViolations')).toBe(0);
  });

  it('counts audit rows written in the interval and their bytes', async () => {
    // Prepare (the workload has no audit function: three rows straight into app.audit_log)
    const inserted = await admin.query<{ bytes: string }>(
      `WITH a AS (INSERT INTO app.audit_log (tenant_id, action, entity, entity_id, payload)
                  SELECT 1, 'update', 'employee', g::text, jsonb_build_object('field', 'salary', 'n', g)
                  FROM generate_series(1, 3) g RETURNING *)
       SELECT sum(pg_column_size(a.*)) AS bytes FROM a`);
    // Act
    const result = await harness.run(securitySources);
    // Assess
    expect(valueOf(result, 'AuditLogEvents')).toBe(3);
    expect(valueOf(result, 'AuditLogGrowthBytes')).toBe(Number(inserted.rows[0]!.bytes));
  });

  it('counts payroll runs per interval in total and for the tenant, in-progress runs as a gauge, durations as a distribution', async () => {
    // Prepare
    const tenant = demo.plan.tenants[2]!;
    const seededInProgress = demo.plan.tenants.reduce((n, t) => n + t.payrollRuns.inProgress, 0);
    await payrollActivity(url, { tenant: tenant.slug, completed: 2, failed: 1, started: 1, durationSeconds: 90 });
    // Act
    const result = await harness.run(tenantSources);
    const next = await harness.run(tenantSources);
    // Assess
    expect(result.errors ?? []).toEqual([]);
    expect(valueOf(result, 'PayrollRunsCompleted')).toBe(2);
    expect(valueOf(result, 'PayrollRunsCompleted', { Tenant: tenant.schema })).toBe(2);
    expect(valueOf(result, 'PayrollRunsFailed')).toBe(1);
    expect(valueOf(result, 'PayrollRunsFailed', { Tenant: tenant.schema })).toBe(1);
    expect(valueOf(result, 'PayrollRunsInProgress')).toBe(seededInProgress + 1);
    const duration = result.datums.find((d) => d.metric.name === 'PayrollRunDuration');
    expect(duration).toMatchObject({ values: [90], counts: [3] });
    expect(valueOf(next, 'PayrollRunsCompleted')).toBe(0);
    expect(valueOf(next, 'PayrollRunsCompleted', { Tenant: tenant.schema })).toBeUndefined();
    expect(valueOf(next, 'PayrollRunsInProgress')).toBe(seededInProgress + 1);
    expect(next.datums.find((d) => d.metric.name === 'PayrollRunDuration')).toBeUndefined();
  });

  it('publishes open sessions over every tenant schema, feature-flag usage per flag and active users', async () => {
    // Prepare
    const openSessions = demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0);
    const activeUsers = await admin.query<{ n: string }>("SELECT count(*) AS n FROM app.users WHERE last_seen_at >= now() - interval '15 minutes'");
    // Act
    const result = await harness.run(tenantSources);
    // Assess
    expect(valueOf(result, 'ActiveSessions')).toBe(openSessions);
    expect(valueOf(result, 'ActiveUsers')).toBe(Number(activeUsers.rows[0]!.n));
    for (const flag of DEMO_FEATURE_FLAGS) {
      const enabled = demo.plan.tenants.filter((t) => t.flags[flag.key]).length;
      expect(valueOf(result, 'FeatureFlagUsage', { Flag: flag.key }), flag.key).toBe(enabled);
    }
  });
});
