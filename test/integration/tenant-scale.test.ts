/**
 * The tenant and security collectors issue a fixed number of statements, whatever the
 * tenant count: the same at 50 and at 1,000 tenant schemas (every perTenant source fits
 * in one UNION ALL chunk of DEFAULT_TENANT_CHUNK_SIZE), counted by a counting QueryRunner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../lambdas/collector/collector.js';
import { securityCollectors } from '../../lambdas/collector/collectors/security/index.js';
import { tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import { discoverTenants } from '../../lambdas/collector/tenants/discovery.js';
import { DEFAULT_SCHEMA_SWITCH_SAMPLES, DEFAULT_TENANT_CHUNK_SIZE } from '../../lambdas/core/config/collector-settings.js';
import { createDemoDatabase, type DemoDatabase } from '../../lambdas/local/demo/create.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { createCollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';
import { valueOf } from '../support/runtime-fixtures.js';

const SCALES = [50, 1_000] as const;
const collectors: readonly Collector[] = [...tenantsCollectors, ...securityCollectors];

/**
 * Statements per collector in a run after the baseline. Every collector that needs the
 * tenants discovers them here (the runtime discovers once per run: 3 fewer in production).
 */
const EXPECTED_STATEMENTS: Readonly<Record<string, number>> = {
  'tenant-activity': 1 + 1, // discovery, the activity query
  // discovery, track_counts off, SET LOCAL statement_timeout, active-users, active-sessions, feature-flags, payroll-runs
  'tenant-sources': 1 + 1 + 1 + 4,
  'schema-switch': 1 + DEFAULT_SCHEMA_SWITCH_SAMPLES,
  'cross-tenant-queries': 1 + 1 + 1, // statement keys, discovery, texts of the new entries
  'security-sources': 1 + 3, // SET LOCAL statement_timeout, logins, security-events, audit-log
};

interface Measured {
  readonly statements: Record<string, number>;
  readonly tenantCount?: number;
  readonly activeSessions?: number;
}

async function measure(url: string): Promise<Measured> {
  const harness = await createCollectorHarness(url, { tenants: (db, settings) => discoverTenants(db, settings.tenants) });
  try {
    for (const c of collectors) await harness.run(c); // baselines
    const statements: Record<string, number> = {};
    const datums = [];
    for (const c of collectors) {
      const run = await harness.runCounted(c);
      expect(run.result.errors ?? [], c.name).toEqual([]);
      statements[c.name] = run.statements;
      datums.push(...run.result.datums);
    }
    return { statements, tenantCount: valueOf(datums, 'TenantCount'), activeSessions: valueOf(datums, 'ActiveSessions') };
  } finally {
    await harness.close();
  }
}

describe.each(testedMajors())('statement count at 50 and 1,000 tenants on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  const demos = new Map<number, { url: string; demo: DemoDatabase }>();

  beforeAll(async () => {
    server = await startPostgres({ major });
    for (const tenants of SCALES) {
      const url = await server.createDatabase(`scale_${tenants}`);
      demos.set(tenants, { url, demo: await createDemoDatabase(url, { tenants }) });
    }
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('issues the same, fixed number of statements per collector at both scales', async () => {
    // Prepare
    expect(Math.max(...SCALES)).toBeLessThanOrEqual(DEFAULT_TENANT_CHUNK_SIZE);
    // Act
    const results = new Map<number, Measured>();
    for (const tenants of SCALES) results.set(tenants, await measure(demos.get(tenants)!.url));
    // Assess
    for (const tenants of SCALES) {
      const { demo } = demos.get(tenants)!;
      const measured = results.get(tenants)!;
      expect(measured.statements, `${tenants} tenants`).toEqual(EXPECTED_STATEMENTS);
      expect(measured.tenantCount).toBe(tenants);
      expect(measured.activeSessions).toBe(demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0));
    }
  }, 120_000);
});
