import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoDatabase, type DemoDatabase } from '../../lambdas/local/demo/create.js';
import { DEMO_APP_ROLE, quoteIdent } from '../../lambdas/local/demo/schema.js';
import {
  WORKLOAD_APPLICATION_NAME,
  auditActivity,
  blockedSession,
  crossTenantQuery,
  deadlock,
  idleInTransaction,
  idorRejection,
  logins,
  payrollActivity,
  repeatStatement,
  runDemoWorkload,
  tempFileSpill,
  tenantIsolationViolation,
  waitUntil,
} from '../../lambdas/local/demo/workload.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';

describe.each(testedMajors())('demo workload on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let url: string;
  let demo: DemoDatabase;
  let admin: pg.Client;
  const one = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R> => (await admin.query<R>(sql, params)).rows[0]!;
  const workloadSessions = async () => Number((await one<{ n: string }>(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1', [`${WORKLOAD_APPLICATION_NAME}%`])).n);

  beforeAll(async () => {
    server = await startPostgres({ major });
    url = await server.createDatabase('demo');
    demo = await createDemoDatabase(url, { tenants: 3 });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });
  afterEach(async () => {
    // No function may leak a connection (backends exit asynchronously after the client closes).
    await waitUntil(async () => (await workloadSessions()) === 0, 'workload sessions to close');
  });

  it('records n login attempts with exactly k failures', async () => {
    // Prepare
    const tenant = demo.plan.tenants[1]!;
    // Act
    await logins(url, { attempts: 20, failures: 3, tenant: tenant.slug });
    // Assess
    const r = await one<{ total: string; failed: string; seen: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE NOT success) AS failed,
              (SELECT count(*) FROM app.users WHERE tenant_id = $1 AND last_seen_at > now() - interval '1 minute') AS seen
       FROM app.login_events WHERE tenant_id = $1 AND occurred_at > now() - interval '1 minute'`, [tenant.id]);
    expect({ total: Number(r.total), failed: Number(r.failed) }).toEqual({ total: 20, failed: 3 });
    expect(Number(r.seen)).toBeGreaterThan(0);
  });

  it('rejects impossible login counts', async () => {
    // Prepare, Act
    const bad = logins(url, { attempts: 2, failures: 3 });
    // Assess
    await expect(bad).rejects.toThrow('0 <= failures <= attempts');
  });

  it('starts, completes and fails payroll runs with one payslip per active employee', async () => {
    // Prepare
    const tenant = demo.plan.tenants[0]!;
    const s = quoteIdent(tenant.schema);
    // Act
    const activity = await payrollActivity(url, { tenant: tenant.slug, completed: 2, failed: 1, started: 1, durationSeconds: 120 });
    // Assess
    const r = await one<{ completed: string; failed: string; in_progress: string; payslips: string; seconds: string }>(
      `SELECT count(*) FILTER (WHERE status = 'completed') AS completed, count(*) FILTER (WHERE status = 'failed') AS failed,
              count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
              (SELECT count(*) FROM ${s}.payslips WHERE created_at > now() - interval '1 minute') AS payslips,
              max(extract(epoch FROM completed_at - started_at)) AS seconds
       FROM ${s}.payroll_runs WHERE started_at > now() - interval '5 minutes'`);
    expect(r).toEqual({ completed: '2', failed: '1', in_progress: '1', payslips: String(2 * tenant.activeEmployees), seconds: expect.stringMatching(/^120(\.0+)?$/) });
    expect(activity.payslips).toBe(2 * tenant.activeEmployees);
  });

  it('records IDOR rejections and tenant-isolation violations as security events', async () => {
    // Prepare
    const tenant = demo.plan.tenants[2]!;
    // Act
    await idorRejection(url, { tenant: tenant.slug, count: 2 });
    await tenantIsolationViolation(url, { tenant: tenant.slug });
    // Assess
    const r = await admin.query<{ event_type: string; n: number }>(
      `SELECT event_type, count(*)::int AS n FROM app.security_events WHERE tenant_id = $1 AND occurred_at > now() - interval '1 minute' GROUP BY 1 ORDER BY 1`, [tenant.id]);
    expect(r.rows).toEqual([{ event_type: 'idor_rejected', n: 2 }, { event_type: 'tenant_isolation_violation', n: 1 }]);
  });

  it('runs one statement that names two tenant schemas', async () => {
    // Prepare
    const [a, b] = [demo.plan.tenants[0]!, demo.plan.tenants[2]!];
    // Act
    const q = await crossTenantQuery(url, { tenants: [a.slug, b.slug] });
    // Assess
    const r = await admin.query<{ query: string; calls: string }>('SELECT query, calls FROM pg_stat_statements WHERE query LIKE $1', [`%${a.schema}%${b.schema}%`]);
    expect(q.schemas).toEqual([a.schema, b.schema]);
    expect(r.rows).toEqual([{ query: q.text, calls: '1' }]);
  });

  it('causes exactly one deadlock', async () => {
    // Prepare
    const before = Number((await one<{ d: string }>('SELECT deadlocks AS d FROM pg_stat_database WHERE datname = current_database()')).d);
    // Act
    const outcome = await deadlock(url);
    // Assess
    const after = Number((await one<{ d: string }>('SELECT deadlocks AS d FROM pg_stat_database WHERE datname = current_database()')).d);
    expect(after - before).toBe(1);
    expect(outcome.victim).toBe('second');
  });

  it('holds N sessions idle in a transaction until released', async () => {
    // Prepare
    const idleInTx = async () => Number((await one<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'idle in transaction' AND application_name = $1", [WORKLOAD_APPLICATION_NAME])).n);
    // Act
    const handle = await idleInTransaction(url, { sessions: 4 });
    const held = await idleInTx();
    await handle.release();
    await handle.release(); // idempotent
    // Assess
    expect(handle.pids).toHaveLength(4);
    expect(held).toBe(4);
  });

  it('blocks exactly one session on a row lock until released', async () => {
    // Prepare
    const blocked = async () => Number((await one<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0')).n);
    // Act
    const handle = await blockedSession(url);
    const whileHeld = await blocked();
    const blocker = (await one<{ b: number[] }>('SELECT pg_blocking_pids($1) AS b', [handle.waiterPid])).b;
    await handle.release();
    // Assess
    expect(whileHeld).toBe(1);
    expect(blocker).toEqual([handle.holderPid]);
    expect(await blocked()).toBe(0);
  });

  it('spills a sort to a temporary file', async () => {
    // Prepare: nothing
    // Act
    const { tempBytesBefore } = await tempFileSpill(url);
    // Assess
    const after = Number((await one<{ t: string }>('SELECT temp_bytes AS t FROM pg_stat_database WHERE datname = current_database()')).t);
    expect(after).toBeGreaterThan(tempBytesBefore);
  });

  it('runs a statement exactly k times', async () => {
    // Prepare
    const text = 'SELECT count(*) FROM app.feature_flags WHERE key <> $1';
    await repeatStatement(url, text, 1, ['x']);
    // Attributed to the application's role, as a real API's statements would be.
    const calls = async () => Number((await one<{ c: string }>(
      'SELECT sum(calls) AS c FROM pg_stat_statements WHERE query = $1 AND userid = $2::regrole', [text, DEMO_APP_ROLE])).c);
    const before = await calls();
    // Act
    await repeatStatement(url, text, 7, ['y']);
    // Assess
    expect((await calls()) - before).toBe(7);
  });

  it('writes exactly the audit-log entries asked for', async () => {
    // Prepare
    const count = async () => Number((await one<{ n: string }>('SELECT count(*) AS n FROM app.audit_log')).n);
    const before = await count();
    // Act
    await auditActivity(url, { entries: 17 });
    // Assess
    expect((await count()) - before).toBe(17);
  });

  it('gives every variant of the cross-tenant query its own pg_stat_statements entry', async () => {
    // Prepare
    const entries = async () => Number((await one<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_statements WHERE query LIKE 'SELECT count(*) AS shared_emails%'")).n);
    const before = await entries();
    // Act: same tenant pair, three shapes (on PostgreSQL 18 only the shape tells them apart)
    for (const variant of [101, 102, 103]) await crossTenantQuery(url, { variant });
    // Assess
    expect((await entries()) - before).toBe(3);
  });

  it('runs the whole demo workload deterministically for a seed', async () => {
    // Prepare: nothing
    // Act
    const a = await runDemoWorkload(url, { seed: 42 });
    const b = await runDemoWorkload(url, { seed: 42 });
    // Assess
    expect(a).toEqual(b);
    expect(a.deadlocks).toBe(1);
    expect(a.failedLogins).toBeGreaterThan(0);
  });
});
