/**
 * Missing database prerequisites: pg_stat_statements not installed in the database, its
 * library not preloaded, both; a monitoring role without pg_monitor. The collectors that
 * need the missing piece each fail once per run with the fix in their message (never a
 * silent 0: without pg_monitor, other roles' statements have no query id, so a cross-tenant
 * statement of the application would go unseen); every other collector publishes. Through the Lambda handler to the fake CloudWatch.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorContext } from '../../lambdas/collector/collector.js';
import { replication } from '../../lambdas/collector/collectors/database/replication.js';
import { allCollectors } from '../../lambdas/collector/collectors/index.js';
import { FailureReason, MissingRequirementError } from '../../lambdas/collector/runtime/collector-failure.js';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { createDemoDatabase } from '../../lambdas/local/demo/create.js';
import { crossTenantQuery } from '../../lambdas/local/demo/workload.js';
import { type PostgresServer, startPostgres } from '../../lambdas/local/embedded-postgres.js';
import { startFakeCloudWatch, type FakeCloudWatch } from '../support/fake-cloudwatch.js';
import { EVERY_RUN_METRICS, missingEveryRunMetrics, perCollectorErrors } from '../support/fault-expectations.js';
import { type Invocation, collectorLambda, eventsOf, receivedValue } from '../support/fault-lambda.js';
import { testedMajors } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';

const NEEDS_PG_STAT_STATEMENTS = allCollectors.filter((c) => c.requires?.includes('pg_stat_statements')).map((c) => c.name);
const MONITOR_ROLE = 'tw_monitor_without_pg_monitor';
const MONITOR_PASSWORD = 'monitor-password';

const Message = {
  notInstalled: 'pg_stat_statements is not installed in this database: CREATE EXTENSION pg_stat_statements (the library must be in shared_preload_libraries)',
  notLoaded: 'pg_stat_statements is installed in this database but its library is not loaded: add pg_stat_statements to shared_preload_libraries (RDS and Aurora: the DB parameter group) and restart the server',
  neither: 'pg_stat_statements is neither loaded nor installed: add pg_stat_statements to shared_preload_libraries (RDS and Aurora: the DB parameter group) and restart the server, then CREATE EXTENSION pg_stat_statements in this database',
} as const;

/** Two runs (the first records the counter baselines); the second is the one assessed. */
async function secondRun(cloudwatch: FakeCloudWatch, databaseUrl: string, stateUrl: string, between?: () => Promise<void>): Promise<Invocation> {
  const lambda = collectorLambda({ cloudwatch, env: { [CollectorEnvVar.DatabaseUrl]: databaseUrl, [CollectorEnvVar.StateDatabaseUrl]: stateUrl } });
  try {
    await lambda.invoke();
    await between?.();
    return await lambda.invoke();
  } finally {
    lambda.close();
  }
}

/** The affected collectors failed once each with `message`; every other collector published. */
function expectOnly(run: Invocation, failed: Readonly<Record<string, string>>): void {
  const names = Object.keys(failed);
  expect(Object.fromEntries(run.result.collectors.filter((c) => c.status !== 'ok').map((c) => [c.name, c.failure])))
    .toEqual(Object.fromEntries(names.map((n) => [n, { reason: FailureReason.MissingRequirement, message: failed[n] }])));
  expect(perCollectorErrors(run.received)).toEqual(Object.fromEntries(names.map((n) => [n, 1])));
  expect(receivedValue(run.received, 'CollectorErrors')).toBe(names.length);
  // Once per run and collector: one log line each, nothing repeated.
  expect(eventsOf(run.records, 'collector_failed').map((r) => [r.collector, r.reason, r.message]).sort())
    .toEqual(names.map((n) => [n, 'missing-requirement', failed[n]]).sort());
  expect(missingEveryRunMetrics(run.received, Object.keys(EVERY_RUN_METRICS).filter((c) => !names.includes(c)))).toEqual([]);
  expect(receivedValue(run.received, 'DatabaseUp')).toBe(1);
}

describe.each(testedMajors())('missing prerequisites on PostgreSQL %i', (major) => {
  let preloaded: PostgresServer;
  let notPreloaded: PostgresServer;
  let cloudwatch: FakeCloudWatch;
  /** Database URLs by case; each a demo database of 3 tenants. */
  const url: Record<string, string> = {};
  let stateUrl: string;

  async function demo(server: PostgresServer, name: string, withExtension: boolean): Promise<string> {
    const dbUrl = await server.createDatabase(name);
    await createDemoDatabase(dbUrl, { tenants: 3, pgStatStatements: withExtension });
    return dbUrl;
  }

  beforeAll(async () => {
    [preloaded, notPreloaded, cloudwatch] = await Promise.all([
      startPostgres({ major }), startPostgres({ major, pgStatStatements: false }), startFakeCloudWatch(),
    ]);
    stateUrl = await preloaded.createDatabase('tenantwatch_state');
    url.notInstalled = await demo(preloaded, 'not_installed', false);
    url.complete = await demo(preloaded, 'complete', true);
    url.notLoaded = await demo(notPreloaded, 'not_loaded', true);
    url.neither = await demo(notPreloaded, 'neither', false);
    // A monitoring role with SELECT on the application's tables but without pg_monitor.
    await withAdmin(url.complete, async (c) => {
      await c.query(`CREATE ROLE ${MONITOR_ROLE} LOGIN PASSWORD '${MONITOR_PASSWORD}'`);
      const { rows } = await c.query<{ s: string }>("SELECT nspname AS s FROM pg_namespace WHERE nspname = 'app' OR nspname LIKE 'tenant\\_%'");
      for (const { s } of rows) {
        const schema = pg.escapeIdentifier(s);
        await c.query(`GRANT USAGE ON SCHEMA ${schema} TO ${MONITOR_ROLE}; GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${MONITOR_ROLE}`);
      }
    });
  });
  afterAll(async () => {
    await cloudwatch?.stop();
    await Promise.all([preloaded?.stop(), notPreloaded?.stop()]);
  });

  it.each([
    ['not installed in the database', 'notInstalled', Message.notInstalled],
    ['installed but not preloaded', 'notLoaded', Message.notLoaded],
    ['neither preloaded nor installed', 'neither', Message.neither],
  ] as const)('pg_stat_statements %s: its collectors say what to do, once each; the rest publish', async (_what, key, message) => {
    // Act
    const run = await secondRun(cloudwatch, url[key]!, stateUrl);
    // Assess
    expect(NEEDS_PG_STAT_STATEMENTS).toEqual(['statements', 'cross-tenant-queries']);
    expectOnly(run, Object.fromEntries(NEEDS_PG_STAT_STATEMENTS.map((n) => [n, message])));
  });

  it('a role without pg_monitor: the collectors that would see only its own sessions and statements say so; the rest publish', async () => {
    // Prepare
    const asMonitor = new URL(url.complete!);
    asMonitor.username = MONITOR_ROLE;
    asMonitor.password = MONITOR_PASSWORD;
    // Act
    // The application runs a cross-tenant statement between the runs: a blind monitor would report 0.
    const run = await secondRun(cloudwatch, asMonitor.toString(), stateUrl, () => crossTenantQuery(url.complete!).then(() => undefined));
    // Assess
    const grant = 'GRANT pg_monitor TO <the role tenantwatch connects as>; (pg_read_all_stats is enough)';
    expectOnly(run, {
      activity: `the monitoring role cannot see other roles' sessions in pg_stat_activity: ${grant}`,
      statements: `the monitoring role cannot see other roles' statements in pg_stat_statements: ${grant}`,
      'cross-tenant-queries': `the monitoring role cannot see other roles' statements in pg_stat_statements: ${grant}`,
    });
    expect(receivedValue(run.received, 'CrossTenantQueries')).toBeUndefined();
  });
});

describe('replication lag without pg_monitor (no standby in the embedded tests, so the row is given)', () => {
  const row = { in_recovery: false, replayed_all_received: null, replay_age_seconds: null, max_standby_replay_lag_seconds: null };
  const run = (extra: Record<string, unknown>) => replication.collect({
    target: 'demo', serverVersion: 180000, now: new Date(), log: createMemoryLogger(), signal: new AbortController().signal,
    db: { query: async () => [{ ...row, ...extra }] as never[] },
  } as unknown as CollectorContext);

  it('refuses to publish 0 for standbys whose lag it cannot see', async () => {
    await expect(run({ standbys: '2', sees_all_standbys: false })).rejects.toThrow(new MissingRequirementError(
      "the monitoring role cannot see other roles' standbys in pg_stat_replication: GRANT pg_monitor TO <the role tenantwatch connects as>; (pg_read_all_stats is enough)",
    ));
  });

  it('still publishes 0 without standbys, where there is nothing to hide', async () => {
    expect((await run({ standbys: '0', sees_all_standbys: false })).datums.map((d) => d.value)).toEqual([0]);
  });
});
