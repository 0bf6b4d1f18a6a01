/**
 * Per-tenant activity: interval deltas of tuples read and written per tenant schema, the
 * top-N cap on per-tenant dimensions with totals over every tenant, and tenantwatch's own
 * perTenant reads left out of the statistics (the test role may set track_counts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_ACTIVITY_COLLECTOR } from '../../lambdas/collector/collectors/tenants/tenant-activity.js';
import { tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import type { DemoDatabase } from '../../lambdas/local/demo/create.js';
import { payrollActivity, waitUntil } from '../../lambdas/local/demo/workload.js';
import type { PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { TEST_TARGET, find, valueOf, withAdmin } from '../support/runtime-fixtures.js';
import { collectionRunner, logEvents, startDemoTarget, type TenantRun } from '../support/tenant-fixtures.js';

const Database = TEST_TARGET;
const TENANTS = 6;
const TOP = 2;
const TENANT_TABLES = ['departments', 'employees', 'pay_schedules', 'payroll_runs', 'payslips', 'time_entries', 'sessions', 'documents'] as const;

/** Tuples inserted into a schema's tables, as the statistics show them now. */
async function insertedInto(url: string, schemas: readonly string[]): Promise<number> {
  return withAdmin(url, async (c) => {
    const r = await c.query<{ n: string }>(
      `SELECT coalesce(sum(pg_stat_get_tuples_inserted(c.oid)), 0) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ANY($1) AND c.relkind = 'r'`, [schemas]);
    return Number(r.rows[0]!.n);
  });
}

/** Statistics reach the shared counters asynchronously: wait until they show `expected` inserts. */
async function statsShowInserts(url: string, schemas: readonly string[], expected: number): Promise<void> {
  await waitUntil(async () => (await insertedInto(url, schemas)) >= expected, `${expected} inserts in ${schemas.join(', ')} to reach the statistics`);
}

type Row = [tenant: string, schema: string, read: number, written: number];

describe.each(testedMajors())('tenant activity on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  let demo: DemoDatabase;
  let run: () => Promise<TenantRun>;
  let inserted = 0;

  beforeAll(async () => {
    const target = await startDemoTarget(major, TENANTS);
    ({ server, prodUrl, demo } = target);
    const { stateUrl } = target;
    const seeded = TENANT_TABLES.reduce((n, t) => n + demo.rowCounts[t], 0);
    await statsShowInserts(prodUrl, demo.plan.tenants.map((t) => t.schema), seeded);
    inserted = seeded;
    run = collectionRunner(prodUrl, stateUrl, tenantsCollectors, { topTenants: TOP });
    await run(); // baseline
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('counts no active tenant when only tenantwatch itself read the tenant schemas', async () => {
    // Act (the baseline run read every tenant's sessions and payroll runs)
    const { datums, result } = await run();
    // Assess
    expect(result.errors).toEqual([]);
    expect(valueOf(datums, 'TenantCount')).toBe(TENANTS);
    expect(valueOf(datums, 'ActiveTenants')).toBe(0);
    expect(valueOf(datums, 'TenantTuplesRead')).toBe(0);
    expect(valueOf(datums, 'TenantTuplesWritten')).toBe(0);
  });

  it('publishes the exact tuples written by one tenant, its reads, and ActiveTenants = 1', async () => {
    // Prepare
    const tenant = demo.plan.tenants[1]!;
    const work = await payrollActivity(prodUrl, { tenant: tenant.slug, completed: 1 });
    // one run inserted, its payslips inserted, the run updated with the totals
    const written = 1 + work.payslips + 1;
    inserted += 1 + work.payslips;
    await statsShowInserts(prodUrl, demo.plan.tenants.map((t) => t.schema), inserted);
    // Act
    const activity = await run();
    // Assess
    const { datums } = activity;
    expect(valueOf(datums, 'ActiveTenants')).toBe(1);
    expect(valueOf(datums, 'TenantTuplesWritten')).toBe(written);
    expect(valueOf(datums, 'TenantTuplesWritten', { Database, Tenant: tenant.schema })).toBe(written);
    const read = valueOf(datums, 'TenantTuplesRead', { Database, Tenant: tenant.schema })!;
    expect(read).toBeGreaterThan(0);
    expect(valueOf(datums, 'TenantTuplesRead')).toBe(read);
    const [line] = logEvents(activity, 'tenant_activity');
    expect(line).toMatchObject({ collector: TENANT_ACTIVITY_COLLECTOR, tenants: TENANTS, measured: TENANTS, active: 1, idle: TENANTS - 1, rows: [[tenant.schema, tenant.schema, read, written]] });
  });

  it('publishes per-tenant dimensions for the top N tenants only, totals over every tenant, the full table in one log line', async () => {
    // Prepare: four tenants, each busier than the last
    const busy = demo.plan.tenants.slice(0, 4);
    for (const [i, t] of busy.entries()) {
      const work = await payrollActivity(prodUrl, { tenant: t.slug, completed: i + 1 });
      inserted += i + 1 + work.payslips;
    }
    await statsShowInserts(prodUrl, demo.plan.tenants.map((t) => t.schema), inserted);
    // Act
    const activity = await run();
    // Assess
    const { datums } = activity;
    const [line] = logEvents(activity, 'tenant_activity');
    const rows = line!.rows as Row[];
    expect(rows.map((r) => r[1]).sort()).toEqual(busy.map((t) => t.schema).sort());
    expect(valueOf(datums, 'ActiveTenants')).toBe(4);
    expect(valueOf(datums, 'TenantTuplesWritten')).toBe(rows.reduce((n, r) => n + r[3], 0));
    expect(valueOf(datums, 'TenantTuplesRead')).toBe(rows.reduce((n, r) => n + r[2], 0));
    const perTenant = find(datums, 'TenantTuplesWritten').filter((d) => d.dimensions.Tenant !== undefined);
    expect(perTenant).toHaveLength(TOP);
    const expectedTop = [...rows].sort((a, b) => b[2] + b[3] - (a[2] + a[3])).slice(0, TOP).map((r) => r[1]);
    expect(perTenant.map((d) => d.dimensions.Tenant)).toEqual(expectedTop);
    expect(find(datums, 'TenantTuplesRead').filter((d) => d.dimensions.Tenant !== undefined).map((d) => d.dimensions.Tenant)).toEqual(expectedTop);
  });
});
