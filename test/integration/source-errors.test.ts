/**
 * A broken SQL source (syntax error, missing table, timeout, wrong columns, values
 * CloudWatch would reject) publishes CollectorErrors for that source only: the other
 * sources, before and after it in the same collector, still publish. Runs through the
 * real runtime, which gives each collector one READ ONLY transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../lambdas/collector/collector.js';
import { SECURITY_SOURCES_COLLECTOR, securityCollectors } from '../../lambdas/collector/collectors/security/index.js';
import { TENANT_SOURCES_COLLECTOR, tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import { DEFAULT_SOURCES, type SourceInput } from '../../lambdas/core/config/sources.js';
import { logins } from '../../lambdas/local/demo/workload.js';
import type { PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { TEST_TARGET, valueOf } from '../support/runtime-fixtures.js';
import { collectionRunner, startDemoTarget } from '../support/tenant-fixtures.js';

const Database = TEST_TARGET;
const defaults = (name: string): SourceInput => DEFAULT_SOURCES.find((s) => s.name === name)!;
const count = (name: string, sql: string, metric: string, extra: Partial<SourceInput> = {}): SourceInput => ({ name, sql, metrics: [{ column: 'n', metric }], ...extra });

const sources: SourceInput[] = [
  count('syntax-error', 'SELEC count(*) AS n FROM app.security_events', 'SuspiciousEvents'),
  defaults('logins'),
  count('missing-table', 'SELECT count(*) AS n FROM app.no_such_table', 'AuditLogEvents'),
  count('too-slow', 'SELECT count(*) AS n FROM pg_sleep(5)', 'IdorRejections', { timeoutMs: 200 }),
  count('wrong-column', 'SELECT count(*) AS total FROM app.security_events', 'TenantIsolationViolations'),
  count('not-a-number', "SELECT 'lots'::text AS n", 'AuditLogGrowthBytes'),
  // A perTenant source after the failures: it needs the fresh transaction the runtime opened.
  { ...defaults('active-sessions'), name: 'sessions-after-failures' },
];

describe.each(testedMajors())('broken SQL sources on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let run: ReturnType<typeof collectionRunner>;
  let prodUrl: string;
  let openSessions: number;
  let collectors: Collector[];
  let ssoTenants: number;

  beforeAll(async () => {
    const target = await startDemoTarget(major, 5);
    ({ server, prodUrl } = target);
    const { stateUrl, demo } = target;
    openSessions = demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0);
    ssoTenants = demo.plan.tenants.filter((t) => t.flags.sso).length;
    collectors = [...tenantsCollectors, ...securityCollectors].filter((c) => [TENANT_SOURCES_COLLECTOR, SECURITY_SOURCES_COLLECTOR].includes(c.name));
    run = collectionRunner(prodUrl, stateUrl, collectors, { sources });
    await run(); // baseline of the source window
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reports each broken source by name, once, and publishes every other source', async () => {
    // Prepare
    await logins(prodUrl, { attempts: 4, failures: 1 });
    // Act
    const { result, datums } = await run();
    // Assess
    const partial = result.errors.filter((e) => e.reason === 'partial');
    const bySource = Object.fromEntries(partial.map((e) => [e.message.split(':')[0], e.message]));
    expect(Object.keys(bySource).sort()).toEqual(['sources/missing-table', 'sources/not-a-number', 'sources/syntax-error', 'sources/too-slow', 'sources/wrong-column']);
    expect(partial.every((e) => e.collector === SECURITY_SOURCES_COLLECTOR)).toBe(true);
    expect(bySource['sources/syntax-error']).toContain('syntax error');
    expect(bySource['sources/missing-table']).toContain('app.no_such_table');
    expect(bySource['sources/too-slow']).toContain('statement timeout');
    expect(bySource['sources/wrong-column']).toContain('source "wrong-column": column "n" (metric TenantIsolationViolations) is not in the result');
    expect(bySource['sources/not-a-number']).toContain('not a number: "lots"');
    expect(valueOf(datums, 'CollectorErrors', { Database, Collector: SECURITY_SOURCES_COLLECTOR })).toBe(5);
    expect(valueOf(datums, 'CollectorErrors', { Database, Collector: TENANT_SOURCES_COLLECTOR })).toBeUndefined();
    expect(valueOf(datums, 'CollectorErrors')).toBe(5);
    expect(valueOf(datums, 'LoginAttempts')).toBe(4);
    expect(valueOf(datums, 'FailedLogins')).toBe(1);
    expect(valueOf(datums, 'ActiveSessions')).toBe(openSessions);
    for (const broken of ['SuspiciousEvents', 'AuditLogEvents', 'IdorRejections', 'TenantIsolationViolations', 'AuditLogGrowthBytes']) {
      expect(valueOf(datums, broken), broken).toBeUndefined();
    }
  });

  it('fails only the perTenant sources when tenant discovery fails; the shared-table sources still publish', async () => {
    // Prepare
    const stateUrl = await server.createDatabase('discovery_state');
    const broken = collectionRunner(prodUrl, stateUrl, collectors, {
      tenants: { table: { table: 'app.no_such_tenants' } },
      sources: [defaults('active-sessions'), defaults('feature-flags')],
    });
    // Act
    const { result, datums } = await broken();
    // Assess
    expect(result.errors.map((e) => [e.collector, e.message])).toEqual([
      [TENANT_SOURCES_COLLECTOR, 'sources/active-sessions: source "active-sessions": tenant discovery failed: relation "app.no_such_tenants" does not exist'],
    ]);
    expect(valueOf(datums, 'ActiveSessions')).toBeUndefined();
    expect(valueOf(datums, 'FeatureFlagUsage', { Database, Flag: 'sso' })).toBe(ssoTenants);
  });
});
