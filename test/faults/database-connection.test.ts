/**
 * The monitored database unreachable before a run, and its connection lost during one,
 * through the Lambda handler to the fake CloudWatch:
 * - down before the run: DatabaseUp 0, ConnectionFailures 1 and the heartbeat are
 *   published, no collector that queries the database runs, the handler returns; the
 *   next run (database back) publishes DatabaseUp 1 and every collector's metrics.
 * - the server terminates the collector's backend while a statement runs: that collector
 *   reports connection-lost, the run reconnects once and every later collector publishes.
 * - the network is cut and the database stays unreachable: the reconnect fails, counted
 *   in ConnectionFailures; every later database collector reports why; the run returns.
 * (test/integration/runtime.test.ts covers a collector that terminates its own backend
 * between two statements through runCollection.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, collector } from '../../lambdas/collector/collector.js';
import { allCollectors } from '../../lambdas/collector/collectors/index.js';
import { FailureReason } from '../../lambdas/collector/runtime/collector-failure.js';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { APPLICATION_NAME } from '../../lambdas/collector/runtime/pg-client.js';
import { IdleInTransaction } from '../../lambdas/core/catalog/index.js';
import { datum } from '../../lambdas/core/metrics/datum.js';
import { waitUntil } from '../../lambdas/local/demo/workload.js';
import { type FaultBed, startFaultBed } from '../support/fault-bed.js';
import { RUN_HEALTH_METRICS, missingEveryRunMetrics, perCollectorErrors } from '../support/fault-expectations.js';
import { type Invocation, collectorLambda, eventsOf, invokeOnce, receivedMetricNames, receivedValue } from '../support/fault-lambda.js';
import { testedMajors } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';

/** Long enough never to finish by itself: the test ends it. */
const SLEEP_SQL = 'SELECT pg_sleep(60)';
const LONG_MS = 30_000;
const NEVER_SENT = 424_242;

function withCollector(extra: Collector): Collector[] {
  const firstTenant = allCollectors.findIndex((c) => c.layer !== 'database');
  return [...allCollectors.slice(0, firstTenant), extra, ...allCollectors.slice(firstTenant)];
}

const databaseCollectorNames = allCollectors.filter((c) => c.usesDatabase !== false).map((c) => c.name);

function health(run: Invocation) {
  return Object.fromEntries(['DatabaseUp', 'ConnectionFailures', 'CollectorRuns', 'CollectorErrors'].map((m) => [m, receivedValue(run.received, m)]));
}

describe.each(testedMajors())('the monitored database unreachable or lost on PostgreSQL %i', (major) => {
  let bed: FaultBed;

  beforeAll(async () => {
    bed = await startFaultBed({ major });
  });
  afterAll(async () => {
    await bed?.stop();
  });

  const throughProxy = (collectors?: readonly Collector[], settings = {}) => collectorLambda({
    cloudwatch: bed.cloudwatch,
    env: { ...bed.env, [CollectorEnvVar.DatabaseUrl]: bed.proxy.via(bed.prodUrl) },
    settings, ...(collectors ? { collectors } : {}),
  });

  /** A run of every collector: the counter baselines the next run's deltas start from (state is shared). */
  const baseline = () => invokeOnce({ cloudwatch: bed.cloudwatch, env: { ...bed.env, [CollectorEnvVar.DatabaseUrl]: bed.proxy.via(bed.prodUrl) } });

  it.each([
    ['nothing listens (connection refused)', async () => bed.proxy.refuse(), async () => bed.proxy.accept(), 'ECONNREFUSED'],
    ['the server refuses connections to the database', async () => {
      await withAdmin(bed.server.url(), (c) => c.query('ALTER DATABASE production ALLOW_CONNECTIONS false'));
    }, async () => {
      await withAdmin(bed.server.url(), (c) => c.query('ALTER DATABASE production ALLOW_CONNECTIONS true'));
    }, 'database "production" is not currently accepting connections'],
  ] as const)('down before the run (%s): DatabaseUp 0 and ConnectionFailures 1 published, the next run recovers', async (_what, down, up, reason) => {
    // Prepare
    const lambda = throughProxy();
    await lambda.invoke(); // baseline
    await down();
    // Act
    let outage: Invocation;
    try {
      outage = await lambda.invoke();
    } finally {
      await up();
    }
    const recovered = await lambda.invoke();
    // Assess: only the run's health, nothing a collector would have measured.
    expect(outage.result.databaseUp).toBe(false);
    expect(outage.result.errors).toEqual([{ collector: 'connect', reason: 'connect', message: expect.stringContaining(reason) }]);
    expect(health(outage)).toEqual({ DatabaseUp: 0, ConnectionFailures: 1, CollectorRuns: 1, CollectorErrors: 0 });
    expect(receivedMetricNames(outage.received)).toEqual([...RUN_HEALTH_METRICS]);
    expect(outage.result.collectors.map((c) => c.name)).toEqual(allCollectors.filter((c) => c.usesDatabase === false).map((c) => c.name));
    expect(eventsOf(outage.records, 'database_unreachable')).toHaveLength(1);
    expect(outage.result.publish.datumsLost).toBe(0);

    expect(health(recovered)).toEqual({ DatabaseUp: 1, ConnectionFailures: 0, CollectorRuns: 1, CollectorErrors: 0 });
    expect(recovered.result.collectors.map((c) => c.status)).toEqual(allCollectors.map(() => 'ok'));
    expect(missingEveryRunMetrics(recovered.received)).toEqual([]);
    lambda.close();
  });

  it('the server terminates the backend while a statement runs: that collector reports it, the run reconnects once, the rest publish', async () => {
    // Prepare
    const sleeper = collector({
      name: 'sleeper', layer: 'database', timeoutMs: LONG_MS,
      async collect(ctx) {
        await ctx.db.query(SLEEP_SQL);
        return { datums: [datum(IdleInTransaction, { Database: ctx.target }, NEVER_SENT)] };
      },
    });
    await baseline();
    const lambda = throughProxy(withCollector(sleeper), { statementTimeoutMs: LONG_MS });
    const terminated = waitUntil(
      () => withAdmin(bed.prodUrl, async (c) => (await c.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE application_name = $1 AND state = 'active' AND query = $2`, [APPLICATION_NAME, SLEEP_SQL])).rows[0]?.ok === true),
      'the sleeping collector statement to terminate', LONG_MS,
    );
    // Act
    const [run] = await Promise.all([lambda.invoke(), terminated]);
    // Assess
    expect(run.result.collectors.find((c) => c.name === 'sleeper')?.failure).toEqual({
      reason: FailureReason.ConnectionLost, code: '57P01',
      message: 'connection to the database lost: terminating connection due to administrator command',
    });
    expect(run.result.collectors.filter((c) => c.name !== 'sleeper').map((c) => c.status)).toEqual(allCollectors.map(() => 'ok'));
    expect(health(run)).toEqual({ DatabaseUp: 1, ConnectionFailures: 0, CollectorRuns: 1, CollectorErrors: 1 });
    expect(perCollectorErrors(run.received)).toEqual({ sleeper: 1 });
    expect(missingEveryRunMetrics(run.received)).toEqual([]);
    expect(run.received.some((d) => d.value === NEVER_SENT)).toBe(false);
    expect(eventsOf(run.records, 'database_reconnected')).toHaveLength(1);
    lambda.close();
  });

  it('the network is cut mid-run and the database stays away: the failed reconnect is counted, every later collector says why, the run returns', async () => {
    // Prepare
    const cutter = collector({
      name: 'cutter', layer: 'database', timeoutMs: 5_000,
      async collect(ctx) {
        await bed.proxy.refuse();
        bed.proxy.cut();
        await ctx.db.query('SELECT 1');
        return { datums: [] };
      },
    });
    await baseline();
    const lambda = throughProxy(withCollector(cutter));
    let run: Invocation;
    // Act
    try {
      run = await lambda.invoke();
    } finally {
      await bed.proxy.accept();
    }
    const recovered = await baseline();
    // Assess
    const names = withCollector(cutter).map((c) => c.name);
    const cutAt = names.indexOf('cutter');
    const before = names.slice(0, cutAt);
    const after = names.slice(cutAt + 1).filter((n) => databaseCollectorNames.includes(n));
    const outcome = (name: string) => run.result.collectors.find((c) => c.name === name);
    expect(before.map((n) => outcome(n)?.status)).toEqual(before.map(() => 'ok'));
    expect(outcome('cutter')?.failure?.reason).toBe(FailureReason.ConnectionLost);
    expect(after.map((n) => outcome(n)?.failure?.reason)).toEqual(after.map(() => FailureReason.ConnectionLost));
    expect(outcome(after[0]!)?.failure?.message).toMatch(/^connection to the database lost: the database connection was lost and reconnecting failed: .*ECONNREFUSED/);
    expect(outcome(after[1]!)?.failure?.message).toBe('connection to the database lost: the database connection was lost and the reconnect budget of this run is spent');
    expect(health(run)).toEqual({ DatabaseUp: 1, ConnectionFailures: 1, CollectorRuns: 1, CollectorErrors: 1 + after.length });
    expect(perCollectorErrors(run.received)).toEqual(Object.fromEntries(['cutter', ...after].map((n) => [n, 1])));
    expect(missingEveryRunMetrics(run.received, before)).toEqual([]);
    expect(eventsOf(run.records, 'database_reconnect_failed')).toHaveLength(1);
    expect(health(recovered)).toEqual({ DatabaseUp: 1, ConnectionFailures: 0, CollectorRuns: 1, CollectorErrors: 0 });
    lambda.close();
  });
});
