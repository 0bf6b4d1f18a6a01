/**
 * The shipped monitoring-role SQL (lambdas/core/sql/monitoring-role.sql) on real
 * PostgreSQL: it is exactly what the generator prints for the default configuration; the
 * role it creates runs every collector with no error and publishes the same metrics as a
 * superuser; it cannot write, not even once a hostile session turns read-only off, and it
 * cannot read a table no source reads.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../lambdas/collector/runtime/run-result.js';
import { createDemoDatabase, runDemoWorkload } from '../../lambdas/local/demo/index.js';
import { tenantSchemaSql } from '../../lambdas/local/demo/schema.js';
import { runDoctorCli } from '../../lambdas/local/doctor/cli.js';
import { MONITOR_CONNECTION_LIMIT } from '../../lambdas/local/doctor/role-sql.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';
import { MONITOR_ROLE, createMonitorRole, localCollector, shippedRoleSql, sqlStateOf } from './support/monitor-role.js';

const PASSWORD = 'monitor-Pa55word-for-tests';
const TENANTS = 4;
const INSUFFICIENT_PRIVILEGE = '42501';
const READ_ONLY_TRANSACTION = '25006';

/** What a run published, without values: metric and dimension names. */
function published(result: RunResult): string[] {
  return [...new Set(result.datums.map((d) => `${d.metric.namespace}/${d.metric.name} [${Object.keys(d.dimensions).sort().join(',')}]`))].sort();
}

describe.each(testedMajors())('the shipped monitoring role on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let adminUrl: string;
  let monitorUrl: string;
  let tenant: string;

  beforeAll(async () => {
    server = await startPostgres({ major });
    adminUrl = await server.createDatabase('payroll');
    await createDemoDatabase(adminUrl, { tenants: TENANTS });
    // Twice: the file is idempotent.
    await createMonitorRole(adminUrl, PASSWORD);
    monitorUrl = await createMonitorRole(adminUrl, PASSWORD);
    tenant = await withAdmin(adminUrl, async (c) => (await c.query<{ s: string }>("SELECT min(nspname) AS s FROM pg_namespace WHERE nspname ~ '^tenant_'")).rows[0]!.s);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is exactly what `npm run doctor -- --print-role-sql` prints for the default configuration', async () => {
    // Prepare
    let out = '';
    const errors: string[] = [];
    // Act
    const code = await runDoctorCli(['--database-url', adminUrl, '--print-role-sql'], { out: (t) => (out += t), err: (t) => errors.push(t) }, {});
    // Assess
    expect([code, errors]).toEqual([0, []]);
    expect(out).toBe(shippedRoleSql());
  });

  it('creates a login role with a connection limit, read-only and bounded by default, in pg_monitor', async () => {
    // Act
    const role = await withAdmin(adminUrl, async (c) => (await c.query(`
      SELECT r.rolcanlogin, r.rolsuper, r.rolconnlimit, pg_has_role(r.oid, 'pg_monitor', 'MEMBER') AS monitor,
             (SELECT array_agg(cfg ORDER BY cfg) FROM pg_db_role_setting s, unnest(s.setconfig) cfg WHERE s.setrole = r.oid) AS config
      FROM pg_roles r WHERE r.rolname = $1`, [MONITOR_ROLE])).rows[0]);
    // Assess
    expect(role).toEqual({
      rolcanlogin: true, rolsuper: false, rolconnlimit: MONITOR_CONNECTION_LIMIT, monitor: true,
      config: ['default_transaction_read_only=on', 'idle_in_transaction_session_timeout=60s', 'lock_timeout=1000ms', 'statement_timeout=5000ms'],
    });
  });

  it('runs every collector with no error and publishes exactly what a superuser run publishes', async () => {
    // Prepare: each identity keeps its own counter state. As `npm start` does, the workload
    // runs once before the baselines, so its statements have a previous sample (deltas).
    const asAdmin = localCollector(adminUrl, await server.createDatabase('state_admin'));
    const asMonitor = localCollector(monitorUrl, await server.createDatabase('state_monitor'));
    await runDemoWorkload(adminUrl, { seed: 1 });
    const baselines = [await asAdmin.run(), await asMonitor.run()];
    await runDemoWorkload(adminUrl, { seed: 2 });
    // Act
    const admin = await asAdmin.run();
    const monitor = await asMonitor.run();
    // Assess
    for (const run of [...baselines, admin, monitor]) expect(run.errors).toEqual([]);
    expect(monitor.collectors.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(monitor.databaseUp).toBe(true);
    expect(published(monitor)).toEqual(published(admin));
    // Every layer, and a metric of every default SQL source, is in it.
    expect(published(monitor)).toEqual(expect.arrayContaining([
      'TenantWatch/Database/QueryLatency [Database]', 'TenantWatch/Database/ConnectionUtilization [Database]',
      'TenantWatch/Tenants/ActiveSessions [Database]', 'TenantWatch/Tenants/PayrollRunsCompleted [Database]',
      'TenantWatch/Tenants/FeatureFlagUsage [Database,Flag]', 'TenantWatch/Tenants/ActiveUsers [Database]',
      'TenantWatch/Tenants/SchemaSwitchTime [Database]', 'TenantWatch/Tenants/TenantTuplesRead [Database,Tenant]',
      'TenantWatch/Security/FailedLoginRate [Database]', 'TenantWatch/Security/IdorRejections [Database]',
      'TenantWatch/Security/AuditLogGrowthBytes [Database]', 'TenantWatch/Security/CrossTenantQueries [Database]',
      'TenantWatch/Database/Connections [Database,State]', 'TenantWatch/Collector/CollectorErrors [Database]',
      'TenantWatch/Api/ApiRequests [Database,Endpoint]',
    ]));
  });

  it('cannot write: refused as read-only, and refused for privilege once a session turns read-only off', async () => {
    // Prepare
    const client = new pg.Client({ connectionString: monitorUrl });
    await client.connect();
    const writes = [
      "INSERT INTO app.feature_flags (key, description) VALUES ('monitor', 'written by the monitor')",
      'UPDATE app.users SET role = role',
      'DELETE FROM app.login_events',
      `UPDATE ${pg.escapeIdentifier(tenant)}.sessions SET ended_at = now()`,
      'TRUNCATE app.audit_log',
      'CREATE TABLE app.monitor_table (id int)',
      `CREATE TABLE ${pg.escapeIdentifier(tenant)}.monitor_table (id int)`,
      'CREATE SCHEMA monitor_schema',
    ];
    try {
      // Act
      const asDefault = [];
      for (const sql of writes) asDefault.push(await sqlStateOf(client, sql));
      // A leaked credential is not bound by the role's default: privileges are the real wall.
      await client.query('SET default_transaction_read_only = off');
      const asHostile = [];
      for (const sql of writes) asHostile.push(await sqlStateOf(client, sql));
      await client.query('BEGIN');
      const publicSchema = await sqlStateOf(client, 'CREATE TABLE public.monitor_table (id int)');
      await client.query('ROLLBACK');
      // Assess
      expect(asDefault).toEqual(writes.map(() => READ_ONLY_TRANSACTION));
      expect(asHostile).toEqual(writes.map(() => INSUFFICIENT_PRIVILEGE));
      // Before PostgreSQL 15 every role (PUBLIC) may create in schema public: README "Security".
      expect(publicSchema).toBe(major >= 15 ? INSUFFICIENT_PRIVILEGE : undefined);
    } finally {
      await client.end();
    }
  });

  it('reads the tables the sources read and nothing else of a tenant', async () => {
    // Prepare
    const client = new pg.Client({ connectionString: monitorUrl });
    await client.connect();
    const t = pg.escapeIdentifier(tenant);
    try {
      // Act
      const readable = [];
      for (const table of ['app.users', 'app.tenants', 'app.request_log', `${t}.sessions`, `${t}.payroll_runs`]) readable.push(await sqlStateOf(client, `SELECT count(*) FROM ${table}`));
      const unreadable = [];
      for (const table of ['employees', 'payslips', 'time_entries', 'documents', 'departments', 'pay_schedules']) unreadable.push(await sqlStateOf(client, `SELECT count(*) FROM ${t}.${table}`));
      // Assess
      expect(readable).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(unreadable).toEqual(Array(6).fill(INSUFFICIENT_PRIVILEGE));
    } finally {
      await client.end();
    }
  });

  it('a tenant created later is unreadable until the SQL runs again: the perTenant sources say so, then recover', async () => {
    // Prepare
    const state = await server.createDatabase('state_new_tenant');
    const collector = localCollector(monitorUrl, state);
    await collector.run();
    await withAdmin(adminUrl, (c) => c.query(`SET ROLE payroll_api; ${tenantSchemaSql('"tenant_zz_new"')}`));
    // Act
    const before = await collector.run();
    await createMonitorRole(adminUrl, PASSWORD);
    const after = await collector.run();
    // Assess
    expect(before.errors.map((e) => [e.collector, e.message.replace(/^sources\/([a-z-]+):.*?(permission denied for schema tenant_zz_new).*$/, '$1: $2')])).toEqual([
      ['tenant-sources', 'active-sessions: permission denied for schema tenant_zz_new'],
      ['tenant-sources', 'payroll-runs: permission denied for schema tenant_zz_new'],
    ]);
    expect(after.errors).toEqual([]);
  });
});
