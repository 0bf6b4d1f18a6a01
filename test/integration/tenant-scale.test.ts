/**
 * The tenant and security collectors issue a fixed number of statements, whatever the
 * tenant count: the same at 50 and at 1,000 tenant schemas (every perTenant source fits
 * in one statement of DEFAULT_TENANT_CHUNK_SIZE tenants), counted by a counting
 * QueryRunner. The tenant schemas have the demo's eight tables, without the demo's seeded
 * rows (a thousand seeded tenants take minutes per PostgreSQL major on 2 cores).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../lambdas/collector/collector.js';
import { securityCollectors } from '../../lambdas/collector/collectors/security/index.js';
import { tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import { discoverTenants } from '../../lambdas/collector/tenants/discovery.js';
import { DEFAULT_SCHEMA_SWITCH_SAMPLES, DEFAULT_TENANT_CHUNK_SIZE } from '../../lambdas/core/config/collector-settings.js';
import { sharedSchemaSql } from '../../lambdas/local/demo/schema.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { createCollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';
import { valueOf, withAdmin } from '../support/runtime-fixtures.js';
import { createTenantSchemas } from '../support/tenant-fixtures.js';

const SCALES = [50, 1_000] as const;
/** Every this-many-th tenant has one open session: ActiveSessions must add up every tenant. */
const OPEN_SESSION_EVERY = 100;

async function createTenantDatabase(url: string, tenants: number): Promise<void> {
  const names = Array.from({ length: tenants }, (_, i) => `tenant_${String(i).padStart(5, '0')}`);
  await withAdmin(url, (c) => c.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements;\n${sharedSchemaSql}`));
  await createTenantSchemas(url, names);
  await withAdmin(url, (c) => c.query(names.filter((_, i) => i % OPEN_SESSION_EVERY === 0)
    .map((n) => `INSERT INTO ${pg.escapeIdentifier(n)}.sessions (user_id) VALUES (1);`).join('\n')));
}
const collectors: readonly Collector[] = [...tenantsCollectors, ...securityCollectors];

/**
 * Statements per collector in a run after the baseline. Every collector that needs the
 * tenants discovers them here (the runtime discovers once per run: 3 fewer in production),
 * and cross-tenant-queries reads pg_stat_statements itself (the runtime reads it once per
 * run, where the statements collector asks first: 1 fewer in production).
 */
const EXPECTED_STATEMENTS: Readonly<Record<string, number>> = {
  'tenant-activity': 1 + 1, // discovery, the activity query
  // discovery, active-users, active-sessions, feature-flags, payroll-runs (all tenants in one statement each)
  'tenant-sources': 1 + 4,
  'schema-switch': 1 + DEFAULT_SCHEMA_SWITCH_SAMPLES + 1, // discovery, the sampled tenants, the switch back
  'cross-tenant-queries': 1 + 1 + 1, // the pg_stat_statements read, discovery, texts of the new entries
  'security-sources': 3, // logins, security-events, audit-log
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
  const urls = new Map<number, string>();

  beforeAll(async () => {
    server = await startPostgres({ major });
    for (const tenants of SCALES) {
      const url = await server.createDatabase(`scale_${tenants}`);
      await createTenantDatabase(url, tenants);
      urls.set(tenants, url);
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
    for (const tenants of SCALES) results.set(tenants, await measure(urls.get(tenants)!));
    // Assess
    for (const tenants of SCALES) {
      const measured = results.get(tenants)!;
      expect(measured.statements, `${tenants} tenants`).toEqual(EXPECTED_STATEMENTS);
      expect(measured.tenantCount).toBe(tenants);
      expect(measured.activeSessions).toBe(Math.ceil(tenants / OPEN_SESSION_EVERY));
    }
  }, 120_000);
});
