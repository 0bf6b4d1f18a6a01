import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoDatabase, type DemoDatabase } from '../../lambdas/local/demo/create.js';
import { DEFAULT_DEMO_SEED, type DemoRowCounts, type DemoTenantPlan } from '../../lambdas/local/demo/plan.js';
import { DEMO_APP_ROLE, quoteIdent } from '../../lambdas/local/demo/schema.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';

const TENANT_TABLES = ['departments', 'employees', 'pay_schedules', 'payroll_runs', 'payslips', 'time_entries', 'sessions', 'documents'] as const;
const SHARED_TABLES = ['tenants', 'users', 'login_events', 'security_events', 'audit_log', 'feature_flags', 'tenant_feature_flags', 'request_log'] as const;

/** The default demo (20 tenants, default seed): a regression lock on the seeded data. */
const DEFAULT_DEMO_COUNTS: DemoRowCounts = {
  'app.tenants': 20,
  'app.users': 146,
  'app.login_events': 561,
  'app.security_events': 17,
  'app.audit_log': 294,
  'app.feature_flags': 6,
  'app.tenant_feature_flags': 120,
  'app.request_log': 1004,
  departments: 82,
  employees: 374,
  pay_schedules: 24,
  payroll_runs: 126,
  payslips: 1731,
  time_entries: 1870,
  sessions: 228,
  documents: 182,
};

/** Row counts as the database has them (tenant tables summed over the registered tenant schemas). */
async function countRows(url: string): Promise<DemoRowCounts> {
  return withAdmin(url, async (c) => {
    const schemas = (await c.query<{ schema_name: string }>('SELECT schema_name FROM app.tenants ORDER BY id')).rows.map((r) => r.schema_name);
    const counts: Record<string, number> = {};
    for (const table of SHARED_TABLES) counts[`app.${table}`] = Number((await c.query(`SELECT count(*) AS n FROM app.${table}`)).rows[0].n);
    for (const table of TENANT_TABLES) {
      const union = schemas.map((s) => `SELECT count(*) AS n FROM ${quoteIdent(s)}.${table}`).join(' UNION ALL ');
      counts[table] = Number((await c.query(`SELECT sum(n) AS n FROM (${union}) t`)).rows[0].n);
    }
    return counts as unknown as DemoRowCounts;
  });
}

async function payrollStatuses(url: string, tenant: DemoTenantPlan): Promise<Record<string, number>> {
  return withAdmin(url, async (c) => {
    const r = await c.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM ${quoteIdent(tenant.schema)}.payroll_runs GROUP BY status`);
    return Object.fromEntries(r.rows.map((row) => [row.status, row.n]));
  });
}

describe.each(testedMajors())('demo database on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let first: DemoDatabase;
  let firstUrl: string;
  beforeAll(async () => {
    server = await startPostgres({ major });
    firstUrl = await server.createDatabase('demo_a');
    first = await createDemoDatabase(firstUrl);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates exactly the planned rows for the default seed and 20 tenants', async () => {
    // Prepare: the database created in beforeAll
    // Act
    const actual = await countRows(firstUrl);
    // Assess
    expect(first.plan.seed).toBe(DEFAULT_DEMO_SEED);
    expect(first.rowCounts).toEqual(DEFAULT_DEMO_COUNTS);
    expect(actual).toEqual(DEFAULT_DEMO_COUNTS);
  });

  it('gives the same rows for the same seed and different ones for another seed', async () => {
    // Prepare
    const sameUrl = await server.createDatabase('demo_same');
    const otherUrl = await server.createDatabase('demo_other');
    // Act
    const same = await createDemoDatabase(sameUrl, { tenants: 20, seed: DEFAULT_DEMO_SEED });
    const other = await createDemoDatabase(otherUrl, { tenants: 20, seed: 7 });
    // Assess
    expect(same.plan).toEqual(first.plan);
    expect(await countRows(sameUrl)).toEqual(await countRows(firstUrl));
    expect(other.rowCounts).not.toEqual(first.rowCounts);
    expect(await countRows(otherUrl)).toEqual(other.rowCounts);
  });

  it('registers every tenant schema in app.tenants and gives each tenant its planned payroll runs', async () => {
    // Prepare
    const planned = first.plan.tenants;
    // Act
    const registered = await withAdmin(firstUrl, (c) => c.query<{ schema_name: string; exists: boolean }>(
      'SELECT t.schema_name, EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = t.schema_name) AS exists FROM app.tenants t ORDER BY t.id'));
    const statuses = await payrollStatuses(firstUrl, planned[0]!);
    // Assess
    expect(registered.rows).toEqual(planned.map((t) => ({ schema_name: t.schema, exists: true })));
    expect(planned.every((t) => t.schema.startsWith('tenant_'))).toBe(true);
    // The first tenant has a run in every status.
    expect(statuses).toEqual({ completed: planned[0]!.payrollRuns.completed, failed: 1, in_progress: 1, pending: 1 });
  });

  it('enables feature flags per tenant as planned', async () => {
    // Prepare
    const expected = first.plan.tenants.flatMap((t) => Object.entries(t.flags).map(([flag, enabled]) => ({ tenant_id: t.id, flag_key: flag, enabled })));
    // Act
    const actual = await withAdmin(firstUrl, (c) => c.query('SELECT tenant_id, flag_key, enabled FROM app.tenant_feature_flags ORDER BY tenant_id, flag_key'));
    // Assess
    const sort = (rows: typeof expected) => [...rows].sort((a, b) => a.tenant_id - b.tenant_id || a.flag_key.localeCompare(b.flag_key));
    expect(actual.rows).toEqual(sort(expected));
    expect(expected.some((r) => r.enabled)).toBe(true);
    expect(expected.some((r) => !r.enabled)).toBe(true);
  });

  it('keeps seeded history at least an hour old, except open sessions', async () => {
    // Prepare: the default demo
    // Act
    const recent = await withAdmin(firstUrl, (c) => c.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM app.login_events WHERE occurred_at > now() - interval '1 hour')
            + (SELECT count(*) FROM app.security_events WHERE occurred_at > now() - interval '1 hour')
            + (SELECT count(*) FROM app.audit_log WHERE occurred_at > now() - interval '1 hour')
            + (SELECT count(*) FROM app.request_log WHERE occurred_at > now() - interval '1 hour') AS n`));
    // Assess
    expect(Number(recent.rows[0]!.n)).toBe(0);
  });

  it('builds the demo as the application role without filling pg_stat_statements', async () => {
    // Prepare: the default demo
    // Act
    const r = await withAdmin(firstUrl, (c) => c.query<{ owner: string; ddl: string }>(
      `SELECT (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1) AS owner,
              (SELECT count(*) FROM pg_stat_statements WHERE query LIKE 'CREATE TABLE%') AS ddl`, [first.plan.tenants[0]!.schema]));
    // Assess
    expect(r.rows[0]).toEqual({ owner: DEMO_APP_ROLE, ddl: '0' });
  });

  it('refuses to create the demo twice in one database', async () => {
    // Prepare: the default demo exists in firstUrl
    // Act
    const again = createDemoDatabase(firstUrl);
    // Assess
    await expect(again).rejects.toThrow('schema "app" already exists');
  });
});
