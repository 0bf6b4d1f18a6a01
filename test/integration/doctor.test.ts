/**
 * `npm run doctor` against real PostgreSQL: a healthy demo database (the shipped
 * monitoring role, pg_stat_statements, a migrated state database) passes every check;
 * each missing prerequisite gives its failing item with the fix and exit code 1:
 * pg_stat_statements not created, not preloaded; a role without pg_monitor; broken SQL
 * sources (a missing table, a timeout); a state database that is production or cannot be
 * migrated; a refused password. No output ever holds a password.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITORING_SCHEMA_SQL } from '../../lambdas/collector/state/migration.js';
import { DEFAULT_SOURCES } from '../../lambdas/core/config/sources.js';
import { createDemoDatabase, createPgStatStatementsExtension } from '../../lambdas/local/demo/index.js';
import { runDoctorCli } from '../../lambdas/local/doctor/cli.js';
import { MONITOR_CONNECTION_LIMIT } from '../../lambdas/local/doctor/role-sql.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { exampleWith } from '../cdk/support/config.js';
import { runNpmScript } from '../support/npm-script.js';
import { DEFAULT_POSTGRES_MAJOR, testedMajors } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';
import { MONITOR_ROLE, createMonitorRole, urlAs } from '../security/support/monitor-role.js';

const PASSWORD = 'doctor-Secret-pa55word';
const NO_MONITOR_PASSWORD = 'no-monitor-Secret-pa55';
const NO_MONITOR_ROLE = 'tenantwatch_nomon';
const TENANTS = 3;
/** Every line any doctor run of this file printed: none may hold a password. */
const printed: string[] = [];

interface Line {
  readonly status: string;
  readonly title: string;
  readonly detail: string;
  readonly fix?: string;
}

interface DoctorRun {
  readonly code: number;
  readonly text: string;
  /** Checklist lines by title. */
  readonly items: ReadonlyMap<string, Line>;
}

const ITEM = /^ {2}\[(ok|WARN|FAIL|skip)\]\s+(.+?) {2,}(.*)$/;
const FIX = /^\s+fix: (.*)$/;

function parseChecklist(text: string): Map<string, Line> {
  const items = new Map<string, Line>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const item = ITEM.exec(line);
    if (item) {
      last = item[2]!;
      items.set(last, { status: item[1]!, title: last, detail: item[3]! });
      continue;
    }
    const fix = FIX.exec(line);
    if (fix && last) items.set(last, { ...items.get(last)!, fix: fix[1]! });
  }
  return items;
}

async function doctor(args: readonly string[], env: Record<string, string> = {}): Promise<DoctorRun> {
  let text = '';
  const code = await runDoctorCli(args, { out: (t) => (text += t), err: (t) => (text += `${t}\n`) }, env);
  printed.push(text);
  return { code, text, items: parseChecklist(text) };
}

const statuses = (run: DoctorRun): Record<string, string> => Object.fromEntries([...run.items.values()].map((i) => [i.title, i.status]));

/** The example deployment config with these collector sources, as a file. */
function configFile(dir: string, sources: readonly unknown[]): string {
  const path = join(dir, `config-${printed.length}.json`);
  writeFileSync(path, JSON.stringify(exampleWith((c) => {
    c.targets[0]!.collector = { ...c.targets[0]!.collector, sources: sources as never };
  })));
  return path;
}

describe.each(testedMajors())('npm run doctor on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let adminUrl: string;
  let monitorUrl: string;
  let stateUrl: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tenantwatch-doctor-'));
    server = await startPostgres({ major });
    adminUrl = await server.createDatabase('payroll');
    await createDemoDatabase(adminUrl, { tenants: TENANTS });
    // PostgreSQL 15's default, recommended before it (README "Security").
    await withAdmin(adminUrl, (c) => c.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC'));
    monitorUrl = await createMonitorRole(adminUrl, PASSWORD);
    stateUrl = await server.createDatabase('tenantwatch_state');
    await withAdmin(stateUrl, (c) => c.query(MONITORING_SCHEMA_SQL));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a healthy demo database as the shipped monitoring role passes every check: exit 0', async () => {
    // Act
    const run = await doctor(['--database-url', monitorUrl, '--state-database-url', stateUrl]);
    // Assess
    expect(run.code).toBe(0);
    expect(statuses(run)).toEqual({
      'connection as the collector connects': 'ok',
      'TLS verifies the server': 'ok',
      'read-only enforced': 'ok',
      'monitoring role least privilege': 'ok',
      'pg_monitor granted': 'ok',
      'pg_stat_statements preloaded': 'ok',
      'pg_stat_statements created': 'ok',
      track_io_timing: 'ok',
      'tenants discovered': 'ok',
      ...Object.fromEntries(DEFAULT_SOURCES.map((s) => [`SQL source ${s.name}`, 'ok'])),
      'monitoring database reachable and migrated': 'ok',
    });
    expect(run.items.get('read-only enforced')?.detail).toBe('default_transaction_read_only = on; a write was refused (SQLSTATE 25006)');
    expect(run.items.get('tenants discovered')?.detail).toBe(`${TENANTS} tenant schemas (schema pattern ^tenant_)`);
    expect(run.items.get('monitoring role least privilege')?.detail).toBe(`${MONITOR_ROLE}: not a superuser, nothing writable, read-only by default, connection limit ${MONITOR_CONNECTION_LIMIT}`);
    expect(run.text).toMatch(/^tenantwatch doctor: database URL postgres:\/\/tenantwatch_monitor@127\.0\.0\.1:\d+\/payroll \(target payroll\)$/m);
    expect(run.text.trim().split('\n').at(-1)).toBe('Ready: every required check passed.');
  });

  it('a role without pg_monitor: that item fails with the GRANT to run, exit 1', async () => {
    // Prepare: the role as the generator makes it, minus pg_monitor.
    let sql = '';
    await runDoctorCli(['--database-url', adminUrl, '--print-role-sql', '--role', NO_MONITOR_ROLE], { out: (t) => (sql += t), err: () => undefined }, {});
    const url = await withAdmin(adminUrl, async (c) => {
      await c.query(sql);
      // ... and with the connection limit an earlier release's role SQL set.
      await c.query(`ALTER ROLE ${NO_MONITOR_ROLE} PASSWORD '${NO_MONITOR_PASSWORD}' CONNECTION LIMIT 3; REVOKE pg_monitor FROM ${NO_MONITOR_ROLE}`);
      return urlAs(adminUrl, NO_MONITOR_ROLE, NO_MONITOR_PASSWORD);
    });
    // Act
    const run = await doctor(['--database-url', url]);
    // Assess
    expect(run.code).toBe(1);
    expect(run.items.get('pg_monitor granted')).toEqual({
      status: 'FAIL', title: 'pg_monitor granted',
      detail: `${NO_MONITOR_ROLE} is not a member of pg_monitor or pg_read_all_stats: the connection, activity and statement collectors would see only its own sessions`,
      fix: `GRANT pg_monitor TO ${NO_MONITOR_ROLE};`,
    });
    expect(Object.entries(statuses(run)).filter(([, s]) => s === 'FAIL').map(([t]) => t)).toEqual(['pg_monitor granted']);
    expect(run.items.get('monitoring role least privilege')).toMatchObject({
      status: 'WARN',
      detail: `${NO_MONITOR_ROLE}: CONNECTION LIMIT 3 leaves no room for the tenant connections (a run holds up to 1 + tenantConnections; the role SQL sets ${MONITOR_CONNECTION_LIMIT}), so the perTenant sources run on the main connection`,
    });
    expect(run.text.trim().split('\n').at(-1)).toBe('Not ready: 1 required check failed, 1 warning.');
  });

  it('broken SQL sources: a missing table and a timeout each fail with their reason and fix, the others pass; exit 1', async () => {
    // Prepare
    // Two default sources (all of them would exceed the Lambda environment's size as explicit config).
    const config = configFile(dir, [
      ...DEFAULT_SOURCES.filter((s) => ['active-users', 'payroll-runs'].includes(s.name)),
      { name: 'missing-table', sql: 'SELECT count(*) AS n FROM app.no_such_table', metrics: [{ column: 'n', metric: 'SuspiciousEvents' }] },
      { name: 'too-slow', sql: 'SELECT count(*) AS n FROM pg_sleep(2)', metrics: [{ column: 'n', metric: 'IdorRejections' }], timeoutMs: 200 },
    ]);
    // Act
    const run = await doctor(['--database-url', monitorUrl, '--config', config]);
    // Assess
    expect(run.code).toBe(1);
    expect(run.items.get('SQL source missing-table')).toEqual({
      status: 'FAIL', title: 'SQL source missing-table',
      detail: 'source "missing-table": relation "app.no_such_table" does not exist (timeout 5000 ms)',
      fix: 'fix the SQL or the columns of source "missing-table" in collector.sources (README "SQL sources")',
    });
    expect(run.items.get('SQL source too-slow')).toEqual({
      status: 'FAIL', title: 'SQL source too-slow',
      detail: 'source "too-slow": canceling statement due to statement timeout (timeout 200 ms)',
      fix: 'make the query cheaper (an index on its window column) or raise timeoutMs of source "too-slow" (now 200 ms, at most 60000)',
    });
    expect(Object.entries(statuses(run)).filter(([t]) => t.startsWith('SQL source'))).toEqual([
      ['SQL source active-users', 'ok'], ['SQL source payroll-runs', 'ok'], ['SQL source missing-table', 'FAIL'], ['SQL source too-slow', 'FAIL'],
    ]);
    expect(Object.entries(statuses(run)).filter(([, s]) => s === 'FAIL').map(([t]) => t)).toEqual(['SQL source missing-table', 'SQL source too-slow']);
    expect(run.text).toMatch(/^tenantwatch doctor: .* \(target payroll-prod\)$/m);
  });

  it('pg_stat_statements not created in the database: that item fails with the CREATE EXTENSION, exit 1', async () => {
    // Prepare
    const url = await server.createDatabase('no_extension');
    await createDemoDatabase(url, { tenants: 1, pgStatStatements: false });
    // Act
    const run = await doctor(['--database-url', url]);
    // Assess
    expect(run.code).toBe(1);
    expect(run.items.get('pg_stat_statements preloaded')?.status).toBe('ok');
    expect(run.items.get('pg_stat_statements created')).toEqual({
      status: 'FAIL', title: 'pg_stat_statements created',
      detail: 'the extension does not exist in database no_extension',
      fix: 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements; (as a superuser or rds_superuser, in database no_extension)',
    });
  });

  it('the state database: production itself, or not migrated and not migratable, fails; exit 1', async () => {
    // Prepare
    const unmigrated = urlAs(await server.createDatabase('state_unmigrated'), MONITOR_ROLE, PASSWORD);
    // Act
    const same = await doctor(['--database-url', monitorUrl, '--state-database-url', adminUrl]);
    const readOnly = await doctor(['--database-url', monitorUrl, '--state-database-url', unmigrated]);
    // Assess
    expect([same.code, readOnly.code]).toEqual([1, 1]);
    expect(same.items.get('monitoring database reachable and migrated')).toMatchObject({
      status: 'FAIL', detail: expect.stringMatching(/^database URL postgres:\/\/postgres@127\.0\.0\.1:\d+\/payroll is the monitored production database$/),
    });
    expect(readOnly.items.get('monitoring database reachable and migrated')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/\(database state_unmigrated\): reachable, but monitoring\.counter_samples does not exist and tenantwatch_monitor may not create it$/),
      fix: 'run lambdas/collector/state/sql/001-monitoring-schema.sql as the database owner, then GRANT USAGE ON SCHEMA monitoring and SELECT, INSERT, UPDATE ON monitoring.counter_samples TO tenantwatch_monitor',
    });
  });

  it('printed no password in any run', () => {
    expect(printed.length).toBeGreaterThan(0);
    for (const password of [PASSWORD, NO_MONITOR_PASSWORD, 'tenantwatch-local']) expect(printed.filter((t) => t.includes(password))).toEqual([]);
  });
});

describe('npm run doctor: library not preloaded, and the command itself', () => {
  let server: PostgresServer;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR, pgStatStatements: false });
    url = await server.createDatabase('payroll');
    await createDemoDatabase(url, { tenants: 1, pgStatStatements: false });
    // CREATE EXTENSION works without the library loaded; reading its view does not.
    await createPgStatStatementsExtension(url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('pg_stat_statements not in shared_preload_libraries: preloaded fails with the fix, created cannot be read yet', async () => {
    // Act
    const run = await doctor(['--database-url', url]);
    // Assess
    expect(run.code).toBe(1);
    expect(run.items.get('pg_stat_statements preloaded')).toEqual({
      status: 'FAIL', title: 'pg_stat_statements preloaded',
      detail: 'the pg_stat_statements library is not loaded: QueryLatency, the top-10 statements and CrossTenantQueries cannot be collected',
      fix: 'add pg_stat_statements to shared_preload_libraries and restart the server (RDS and Aurora: the DB parameter group, which includes it by default; then reboot)',
    });
    expect(run.items.get('pg_stat_statements created')?.status).toBe('skip');
  });

  it('as a command: exit 1 and the fix for a refused password, which it never prints; the URL may come from DATABASE_URL', async () => {
    // Prepare
    const wrong = 'not-the-Password-42';
    const refused = urlAs(url, 'postgres', wrong);
    // Act
    const result = await runNpmScript('doctor', [], { DATABASE_URL: refused });
    // Assess
    expect(result.code, result.stderr).toBe(1);
    const items = parseChecklist(result.stdout);
    expect(items.get('connection as the collector connects')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/^database URL postgres:\/\/postgres@127\.0\.0\.1:\d+\/payroll: password authentication failed for user "postgres"$/),
      fix: 'check the user name and password (in AWS: the target\'s secret)',
    });
    expect(result.stdout + result.stderr).not.toContain(wrong);
    expect(result.stdout).toContain('Not ready: 1 required check failed');
  });

  it('answers a mistake with the usage text and exit 2', async () => {
    // Act
    const missing = await doctor([]);
    const unknown = await doctor(['--database-url', url, '--bogus']);
    // Assess
    expect(missing.code).toBe(2);
    expect(missing.text).toMatch(/^give --database-url URL \(or set DATABASE_URL\)\n\nUsage: npm run doctor -- --database-url URL/);
    expect(unknown.code).toBe(2);
    expect(unknown.text).toContain("Unknown option '--bogus'");
  });
});
