import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeltaSkipReason } from '../../lambdas/collector/collector.js';
import { databaseCollectors } from '../../lambdas/collector/collectors/database/index.js';
import { activity } from '../../lambdas/collector/collectors/database/activity.js';
import { databaseStats } from '../../lambdas/collector/collectors/database/database-stats.js';
import { replication } from '../../lambdas/collector/collectors/database/replication.js';
import { statementTextCache } from '../../lambdas/collector/collectors/database/statement-text-cache.js';
import { TOP_STATEMENTS, TOP_STATEMENTS_EVENT, statements } from '../../lambdas/collector/collectors/database/statements.js';
import { MissingRequirementError } from '../../lambdas/collector/runtime/collector-failure.js';
import { Namespace } from '../../lambdas/core/catalog/index.js';
import type { Datum } from '../../lambdas/core/metrics/datum.js';
import { createDemoDatabase, type DemoDatabase } from '../../lambdas/local/demo/create.js';
import { quoteIdent } from '../../lambdas/local/demo/schema.js';
import {
  WORKLOAD_APPLICATION_NAME,
  blockedSession,
  deadlock,
  idleInTransaction,
  repeatStatement,
  tempFileSpill,
  waitUntil,
} from '../../lambdas/local/demo/workload.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { STATE_APPLICATION_NAME } from '../../lambdas/collector/runtime/pg-client.js';
import { HARNESS_APPLICATION_NAME, HARNESS_TARGET, createCollectorHarness, type CollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';

const MAX_CONNECTIONS = 40;
const SUPERUSER_RESERVED = 3;
/** reserved_connections exists from PostgreSQL 16 on. */
const RESERVED = 2;
const DEMO_TENANTS = 12;
const dims = { Database: HARNESS_TARGET };

function values(datums: readonly Datum[], name: string, dimensions: Readonly<Record<string, string>> = dims): number[] {
  const key = JSON.stringify(Object.entries(dimensions).sort());
  return datums.filter((d) => d.metric.name === name && JSON.stringify(Object.entries(d.dimensions).sort()) === key).map((d) => d.value!);
}
/** The single value published for a metric and dimension set; throws when it is missing or repeated. */
function value(datums: readonly Datum[], name: string, dimensions: Readonly<Record<string, string>> = dims): number {
  const found = values(datums, name, dimensions);
  if (found.length !== 1) throw new Error(`${name} ${JSON.stringify(dimensions)}: ${found.length} datums`);
  return found[0]!;
}

describe.each(testedMajors())('database collectors on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let url: string;
  let demo: DemoDatabase;
  let admin: pg.Client;
  let harness: CollectorHarness;
  const reserved = major >= 16 ? RESERVED : 0;
  const blockAccesses = async () => Number((await admin.query<{ n: string }>(
    'SELECT blks_hit + blks_read AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n);
  /** Runs a workload and waits until pg_stat_database counts its block accesses (PostgreSQL 14 reports them asynchronously). */
  const withVisibleBlockAccess = async (work: () => Promise<unknown>) => {
    const before = await blockAccesses();
    await work();
    await waitUntil(async () => (await blockAccesses()) > before, 'pg_stat_database to count the block accesses');
  };
  const workloadSessions = async () => Number((await admin.query<{ n: string }>(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1', [`${WORKLOAD_APPLICATION_NAME}%`])).rows[0]!.n);

  beforeAll(async () => {
    server = await startPostgres({
      major,
      settings: {
        max_connections: MAX_CONNECTIONS,
        superuser_reserved_connections: SUPERUSER_RESERVED,
        ...(major >= 16 ? { reserved_connections: RESERVED } : {}),
      },
    });
    url = await server.createDatabase('demo');
    demo = await createDemoDatabase(url, { tenants: DEMO_TENANTS });
    admin = new pg.Client({ connectionString: url, application_name: 'test-admin' });
    await admin.connect();
    harness = await createCollectorHarness(url);
  });
  afterAll(async () => {
    await harness?.close();
    await admin?.end();
    await server?.stop();
  });
  // The statements collector's text cache lives as long as the process: each test reads its own texts.
  beforeEach(() => statementTextCache.clear());
  afterEach(async () => {
    // Every test starts from a quiet server: no workload session left (backends exit asynchronously).
    await waitUntil(async () => (await workloadSessions()) === 0, 'workload sessions to close');
  });

  describe('database-stats', () => {
    // The skip reasons are asserted so a failure names them: on PostgreSQL 14 this once
    // failed with the interval's sample dropped whole (stats-reset), because a new
    // database's stats_reset went from null to a time after the baseline; createDatabase
    // now waits for that (lambdas/local/embedded-postgres.ts).
    it('publishes nothing on the first run, then Deadlocks = 1 for the interval with one deadlock', async () => {
      // Prepare
      harness.counters.forget(HARNESS_TARGET, databaseStats.name);
      const baseline = await harness.runCounted(databaseStats);
      // Act
      await deadlock(url);
      const counted = await harness.runCounted(databaseStats);
      const interval = counted.result;
      const quietRun = await harness.runCounted(databaseStats);
      const quiet = quietRun.result;
      // Assess
      expect(baseline.result.datums).toEqual([]);
      expect(baseline.skipReasons).toEqual([DeltaSkipReason.Baseline]);
      expect(counted.skipReasons).toEqual([]);
      expect(quietRun.skipReasons).toEqual([]);
      expect(value(interval.datums, 'Deadlocks')).toBe(1);
      expect(value(quiet.datums, 'Deadlocks')).toBe(0);
      expect(value(interval.datums, 'CacheHits')).toBeGreaterThan(0);
      expect(value(interval.datums, 'TransactionsPerSecond')).toBeGreaterThan(0);
      const hits = value(interval.datums, 'CacheHits');
      const reads = value(interval.datums, 'DiskReads');
      expect(value(interval.datums, 'CacheHitRate')).toBe((100 * hits) / (hits + reads));
    });

    it('drops the interval across pg_stat_reset(): no CacheHitRate from counters of two lifetimes', async () => {
      // Prepare
      await harness.run(databaseStats);
      const resetBefore = (await admin.query('SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()')).rows[0].stats_reset as Date | null;
      // Act
      await admin.query('SELECT pg_stat_reset()');
      // PostgreSQL 14's statistics collector applies the reset asynchronously.
      await waitUntil(async () => {
        const r = (await admin.query('SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()')).rows[0].stats_reset as Date | null;
        return r !== null && r.getTime() !== resetBefore?.getTime();
      }, 'stats_reset to change');
      const afterReset = await harness.runCounted(databaseStats);
      await withVisibleBlockAccess(() => repeatStatement(url, `SELECT count(*) FROM ${quoteIdent(demo.plan.tenants[0]!.schema)}.employees`, 3));
      const next = await harness.run(databaseStats);
      // Assess
      expect(afterReset.result.datums).toEqual([]);
      expect(afterReset.skipReasons).toEqual([DeltaSkipReason.StatsReset]);
      expect(afterReset.deltasSkipped).toBe(1);
      expect(values(next.datums, 'CacheHitRate')).toHaveLength(1);
    });

    it('counts the temporary bytes of a sort that spilled to disk', async () => {
      // Prepare
      await harness.run(databaseStats);
      // Act
      await tempFileSpill(url);
      const result = await harness.run(databaseStats);
      // Assess
      expect(value(result.datums, 'TempBytes')).toBeGreaterThan(0);
    });
  });

  describe('activity', () => {
    it('counts N extra sessions idle in a transaction exactly, by state, application and utilization', async () => {
      // Prepare
      const before = await harness.run(activity);
      const sessions = 3;
      // Act
      const held = await idleInTransaction(url, { sessions });
      let during;
      try {
        during = await harness.run(activity);
      } finally {
        await held.release();
      }
      // Assess
      expect(value(during.datums, 'IdleInTransaction') - value(before.datums, 'IdleInTransaction')).toBe(sessions);
      // Client backends: the harness (active), the admin client (idle) and the N sessions.
      const total = 2 + sessions;
      expect(value(during.datums, 'Connections')).toBe(total);
      expect(value(during.datums, 'Connections', { ...dims, State: 'active' })).toBe(1);
      expect(value(during.datums, 'Connections', { ...dims, State: 'idle' })).toBe(1);
      expect(value(during.datums, 'Connections', { ...dims, State: 'idle in transaction' })).toBe(sessions);
      expect(value(during.datums, 'Connections', { ...dims, State: 'idle in transaction (aborted)' })).toBe(0);
      expect(value(during.datums, 'ConnectionUtilization')).toBe((100 * total) / (MAX_CONNECTIONS - SUPERUSER_RESERVED - reserved));
      expect(value(during.datums, 'ConnectionsByApplication', { ...dims, ApplicationName: WORKLOAD_APPLICATION_NAME })).toBe(sessions);
      expect(value(during.datums, 'ConnectionsByApplication', { ...dims, ApplicationName: HARNESS_APPLICATION_NAME })).toBe(1);
      expect(value(during.datums, 'ConnectionsByApplication', { ...dims, ApplicationName: 'test-admin' })).toBe(1);
      expect(value(during.datums, 'LongestTransactionSeconds')).toBeGreaterThan(0);
      expect(value(before.datums, 'LongestTransactionSeconds')).toBe(0);
    });

    it("leaves tenantwatch's own state session out of IdleInTransaction and LongestTransactionSeconds, not out of Connections", async () => {
      // Prepare: the state database on the same server, its session caught inside a transaction
      const before = await harness.run(activity);
      // Act
      const held = await idleInTransaction(url, { sessions: 1, applicationName: STATE_APPLICATION_NAME });
      let during;
      try {
        await new Promise((r) => setTimeout(r, 20)); // an age the longest-transaction figure would show
        during = await harness.run(activity);
      } finally {
        await held.release();
      }
      // Assess
      expect(value(during.datums, 'Connections') - value(before.datums, 'Connections')).toBe(1);
      expect(value(during.datums, 'Connections', { ...dims, State: 'idle in transaction' })).toBe(1);
      expect(value(during.datums, 'IdleInTransaction')).toBe(0);
      expect(value(during.datums, 'LongestTransactionSeconds')).toBe(0);
    });

    it('reports one blocked session while a row lock is held, none after', async () => {
      // Prepare
      const blocked = await blockedSession(url);
      // Act
      let during;
      try {
        during = await harness.run(activity);
      } finally {
        await blocked.release();
      }
      const after = await harness.run(activity);
      // Assess
      expect(value(during.datums, 'BlockedSessions')).toBe(1);
      expect(value(after.datums, 'BlockedSessions')).toBe(0);
    });
  });

  describe('replication', () => {
    it('reports 0 s lag on a primary without standbys', async () => {
      // Prepare: a stand-alone server
      // Act
      const result = await harness.run(replication);
      // Assess
      expect(result.datums.map((d) => [d.metric.name, d.value])).toEqual([['ReplicationLagSeconds', 0]]);
    });
  });

  describe('statements', () => {
    const repeated = `SELECT pg_sleep(0.002), count(*) FROM ${quoteIdent('app')}.feature_flags`;

    it('weights a statement run k times with k in QueryLatency', async () => {
      // Prepare: the statement exists in pg_stat_statements before the baseline (a new entry has no delta)
      await repeatStatement(url, repeated, 1);
      await harness.run(statements);
      const k = 5;
      // Act
      await repeatStatement(url, repeated, k);
      const result = await harness.run(statements);
      // Assess: the workload's k calls are the only statements of another role in the interval
      const latency = result.datums.filter((d) => d.metric.name === 'QueryLatency');
      expect(latency).toHaveLength(1);
      expect(latency[0]!.counts).toEqual([k]);
      expect(latency[0]!.values![0]).toBeGreaterThanOrEqual(2);
      const line = result.logLines!.find((l) => l.event === TOP_STATEMENTS_EVENT)!;
      const top = line.fields.statements as { queryid: string; calls: number; mean_ms: number; total_ms: number; query: string }[];
      expect(top).toHaveLength(1);
      expect(top[0]).toMatchObject({ calls: k, mean_ms: latency[0]!.values![0], query: 'SELECT pg_sleep($1), count(*) FROM "app".feature_flags' });
    });

    it('logs the ten slowest statements of the interval, slowest first, with no query id as a dimension', async () => {
      // Prepare: twelve distinct statements, each known before the baseline. Distinct by shape
      // (one to twelve aggregates), not by schema: PostgreSQL 18 computes the query id from
      // relation names without their schema, so one shape over twelve tenant schemas is one entry.
      const perTenant = demo.plan.tenants.map((t, i) =>
        `SELECT ${Array.from({ length: i + 1 }, () => 'count(*)').join(', ')} FROM ${quoteIdent(t.schema)}.payslips p JOIN ${quoteIdent(t.schema)}.employees e ON e.id = p.employee_id`);
      for (const sql of perTenant) await repeatStatement(url, sql, 1);
      await harness.run(statements);
      // Act
      for (const sql of perTenant) await repeatStatement(url, sql, 1);
      const result = await harness.run(statements);
      // Assess
      const lines = result.logLines!.filter((l) => l.event === TOP_STATEMENTS_EVENT);
      expect(lines).toHaveLength(1);
      const top = lines[0]!.fields.statements as { queryid: string; calls: number; mean_ms: number; total_ms: number; query: string }[];
      expect(top).toHaveLength(TOP_STATEMENTS);
      const means = top.map((s) => s.mean_ms);
      expect(means).toEqual([...means].sort((a, b) => b - a));
      for (const s of top) {
        expect(s.queryid).toMatch(/^-?\d+$/);
        expect(s.calls).toBe(1);
        expect(s.total_ms).toBe(s.mean_ms);
        expect(s.query).toMatch(/^SELECT count\(\*\)(, count\(\*\))* FROM "tenant_[a-z0-9_]+"\.payslips p JOIN/);
      }
      const latency = result.datums.find((d) => d.metric.name === 'QueryLatency')!;
      expect(latency.counts!.reduce((a, b) => a + b, 0)).toBe(perTenant.length);
      for (const d of result.datums) expect(Object.keys(d.dimensions)).toEqual(['Database']);
    });

    it('fails with a clear message where pg_stat_statements is not installed, while the other collectors run', async () => {
      // Prepare
      const bareUrl = await server.createDatabase('no_extension');
      const bare = await createCollectorHarness(bareUrl);
      try {
        // Act
        const failure = await bare.run(statements).then(() => undefined, (error: unknown) => error);
        const others = await bare.run(activity);
        // Assess
        expect(failure).toBeInstanceOf(MissingRequirementError);
        expect((failure as Error).message).toMatch(/^pg_stat_statements is not installed: CREATE EXTENSION pg_stat_statements; .*shared_preload_libraries/);
        expect(values(others.datums, 'Connections')).toHaveLength(1);
      } finally {
        await bare.close();
      }
    });
  });

  describe('as a role of its own', () => {
    const role = 'monitor_probe';
    const password = 'probe-password-not-secret';
    const roleUrl = () => {
      const u = new URL(url);
      u.username = role;
      u.password = password;
      return u.toString();
    };

    it('refuses to publish session and statement numbers it cannot see, with the GRANT that fixes it', async () => {
      // Prepare: a login role without pg_monitor
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      const probe = await createCollectorHarness(roleUrl());
      try {
        // Act
        const sessions = await probe.run(activity).then(() => undefined, (error: unknown) => error);
        const stmts = await probe.run(statements).then(() => undefined, (error: unknown) => error);
        // Assess
        expect(sessions).toBeInstanceOf(MissingRequirementError);
        expect((sessions as Error).message).toContain('GRANT pg_monitor TO');
        expect(stmts).toBeInstanceOf(MissingRequirementError);
        expect((stmts as Error).message).toContain("cannot see other roles' statements");
      } finally {
        await probe.close();
      }
    });

    it('with pg_monitor, sees the application\'s statements and leaves out its own', async () => {
      // Prepare
      await admin.query(`GRANT pg_monitor TO ${role}`);
      const probe = await createCollectorHarness(roleUrl());
      const k = 3;
      try {
        await repeatStatement(url, repeated(), 1);
        await probe.run(statements);
        await probe.run(activity);
        // Act: the probe's own statements also ran in between (its activity run)
        await repeatStatement(url, repeated(), k);
        const result = await probe.run(statements);
        // Assess
        const latency = result.datums.find((d) => d.metric.name === 'QueryLatency')!;
        expect(latency.counts).toEqual([k]);
        const top = result.logLines![0]!.fields.statements as { query: string }[];
        expect(top.map((s) => s.query)).toEqual([repeated()]);
      } finally {
        await probe.close();
      }
    });
  });

  it('reads the whole layer in five statements, publishing only Database-namespace metrics', async () => {
    // Prepare: baselines for every collector, then some workload on a statement known before them
    await repeatStatement(url, repeated(), 1);
    for (const c of databaseCollectors) await harness.run(c);
    await withVisibleBlockAccess(() => repeatStatement(url, repeated(), 2));
    // Act
    const runs = [];
    for (const c of databaseCollectors) runs.push(await harness.runCounted(c));
    // Assess
    expect(runs.map((r) => r.statements)).toEqual([1, 1, 1, 2]);
    const datums = runs.flatMap((r) => r.result.datums);
    expect(new Set(datums.map((d) => d.metric.namespace))).toEqual(new Set([Namespace.Database]));
    expect(new Set(datums.map((d) => d.metric.name))).toEqual(new Set([
      'CacheHits', 'DiskReads', 'Deadlocks', 'TempBytes', 'CacheHitRate', 'TransactionsPerSecond',
      'Connections', 'ConnectionsByApplication', 'IdleInTransaction', 'LongestTransactionSeconds', 'BlockedSessions', 'ConnectionUtilization',
      'ReplicationLagSeconds', 'QueryLatency',
    ]));
  });

  function repeated(): string {
    return `SELECT count(*) FROM ${quoteIdent(demo.plan.tenants[0]!.schema)}.departments`;
  }
});
