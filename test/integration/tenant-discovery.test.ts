/**
 * Tenant discovery by a tenants table (the demo uses the schema pattern): validated,
 * quoted identifiers, an optional predicate, display names as the Tenant dimension,
 * listed-but-missing schemas left out and logged; a pattern together with a table filters it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_ACTIVITY_COLLECTOR } from '../../lambdas/collector/collectors/tenants/tenant-activity.js';
import { tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import { discoverTenants } from '../../lambdas/collector/tenants/discovery.js';
import { tenantDiscoverySchema, type TenantDiscovery } from '../../lambdas/core/config/tenants.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { createDemoDatabase, type DemoDatabase } from '../../lambdas/local/demo/create.js';
import { payrollActivity, waitUntil } from '../../lambdas/local/demo/workload.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { createCollectorHarness, type CollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';
import { TEST_TARGET, valueOf, withAdmin } from '../support/runtime-fixtures.js';
import { createTenantSchemas } from '../support/tenant-fixtures.js';

const HOSTILE = 'tenant_"; drop table app.tenants; --';
/** PostgreSQL 14's statistics collector serves a snapshot up to 500 ms old: two equal reads this far apart mean it has settled. */
const STATS_SETTLE_MS = 600;

/** Waits until the tuples written to a schema's tables, as the statistics count them, stop changing. */
async function writesSettled(url: string, schema: string): Promise<void> {
  const written = () => withAdmin(url, async (c) => (await c.query<{ n: string }>(
    `SELECT coalesce(sum(pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_updated(c.oid) + pg_stat_get_tuples_deleted(c.oid)), 0) AS n
     FROM pg_class c WHERE c.relnamespace = to_regnamespace($1) AND c.relkind = 'r'`, [pg.escapeIdentifier(schema)])).rows[0]!.n);
  let previous = await written();
  await waitUntil(async () => {
    await new Promise((r) => setTimeout(r, STATS_SETTLE_MS));
    const now = await written();
    const settled = now === previous;
    previous = now;
    return settled;
  }, `the statistics of ${schema} to settle`);
}
const bySchema = (a: { schema: string }, b: { schema: string }) => (a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : 0);
const byTable: TenantDiscovery = tenantDiscoverySchema.parse({
  table: { table: 'app.tenants', schemaColumn: 'schema_name', nameColumn: 'display_name', where: "status = 'active'" },
});

describe.each(testedMajors())('tenant discovery by table on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let url: string;
  let demo: DemoDatabase;
  let harness: CollectorHarness;

  beforeAll(async () => {
    server = await startPostgres({ major });
    url = await server.createDatabase('production');
    demo = await createDemoDatabase(url, { tenants: 8 });
    await createTenantSchemas(url, [HOSTILE]);
    await withAdmin(url, (c) => c.query(
      `INSERT INTO app.tenants (slug, schema_name, display_name, status) VALUES
         ('hostile', $1, 'Hostile "Tenant"; --', 'active'),
         ('gone', 'tenant_never_created', 'Gone Ltd', 'active'),
         ('paused', 'tenant_paused_but_listed', 'Paused Ltd', 'suspended')`, [HOSTILE]));
    harness = await createCollectorHarness(url, {
      target: TEST_TARGET,
      settings: { tenants: byTable },
      tenants: (db, settings) => discoverTenants(db, settings.tenants),
    });
  });
  afterAll(async () => {
    await harness?.close();
    await server?.stop();
  });

  it('lists the active tenants of the table whose schemas exist, with their display names', async () => {
    // Prepare
    const log = createMemoryLogger();
    const expected = [
      ...demo.plan.tenants.filter((t) => t.status === 'active').map((t) => ({ schema: t.schema, name: t.displayName })),
      { schema: HOSTILE, name: 'Hostile "Tenant"; --' },
    ].sort(bySchema);
    // Act
    const tenants = await withAdmin(url, (c) => discoverTenants({ query: async (text, params) => (await c.query(text, params as unknown[])).rows }, byTable, log));
    // Assess
    expect([...tenants].sort(bySchema)).toEqual(expected);
    expect(log.records()).toMatchObject([{ event: 'tenants_without_schema', count: 1, schemas: ['tenant_never_created'] }]);
  });

  it('with a schema pattern too, keeps only the listed tenants whose schema matches it', async () => {
    // Prepare
    const both = tenantDiscoverySchema.parse({ ...byTable, schemaPattern: '^tenant_(acme|globex)_' });
    // Act
    const tenants = await withAdmin(url, (c) => discoverTenants({ query: async (text, params) => (await c.query(text, params as unknown[])).rows }, both));
    // Assess
    expect(tenants.map((t) => t.schema).sort()).toEqual(demo.plan.tenants.filter((t) => t.status === 'active' && /^tenant_(acme|globex)_/.test(t.schema)).map((t) => t.schema).sort());
  });

  it('measures the discovered tenants and names them by display name in per-tenant dimensions', async () => {
    // Prepare
    const activity = tenantsCollectors.find((c) => c.name === TENANT_ACTIVITY_COLLECTOR)!;
    const tenant = demo.plan.tenants[0]!;
    const payslipsInserted = () => withAdmin(url, async (c) => Number((await c.query<{ n: string }>(
      'SELECT pg_stat_get_tuples_inserted($1::regclass) AS n', [`"${tenant.schema}".payslips`])).rows[0]!.n));
    // The baseline must already count the demo's own writes to the tenant (PostgreSQL 14
    // delivers them asynchronously), or the interval would include them.
    await writesSettled(url, tenant.schema);
    const before = await payslipsInserted();
    await harness.run(activity);
    const work = await payrollActivity(url, { tenant: tenant.slug, completed: 1 });
    // Statistics reach the shared counters asynchronously (PostgreSQL 14: through the stats collector)
    await waitUntil(async () => (await payslipsInserted()) >= before + work.payslips, 'the payslip inserts to reach the statistics');
    // Act
    const result = await harness.run(activity);
    // Assess
    expect(valueOf(result.datums, 'TenantCount')).toBe(demo.plan.tenants.filter((t) => t.status === 'active').length + 1);
    expect(valueOf(result.datums, 'TenantTuplesWritten', { Database: TEST_TARGET, Tenant: tenant.displayName })).toBe(work.payslips + 2);
  });
});
