/**
 * A collector whose SQL outlives statement_timeout, and a collector (and an SQL source)
 * blocked by a lock another session holds: the server cancels the statement, only that
 * collector reports CollectorErrors (with its exact Collector dimension), every other
 * collector publishes, and CloudWatch receives nothing from the failed one.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, collector } from '../../lambdas/collector/collector.js';
import { allCollectors } from '../../lambdas/collector/collectors/index.js';
import { SECURITY_SOURCES_COLLECTOR } from '../../lambdas/collector/collectors/security/index.js';
import { FailureReason } from '../../lambdas/collector/runtime/collector-failure.js';
import { IdleInTransaction } from '../../lambdas/core/catalog/index.js';
import { datum } from '../../lambdas/core/metrics/datum.js';
import { type FaultBed, startFaultBed } from '../support/fault-bed.js';
import { type Invocation, collectorLambda, eventsOf, receivedValue } from '../support/fault-lambda.js';
import { missingEveryRunMetrics, perCollectorErrors } from '../support/fault-expectations.js';
import { testedMajors } from '../support/pg-versions.js';

/** What a failed collector would have published: must never reach CloudWatch. */
const NEVER_SENT = 424_242;
const STATEMENT_TIMEOUT_MS = 1_000;
const LOCK_TIMEOUT_MS = 300;
const LOCKED_TABLE = 'app.login_events';

function failing(name: string, sql: string): Collector {
  return collector({
    name, layer: 'database', timeoutMs: 10_000,
    async collect(ctx) {
      await ctx.db.query(sql);
      return { datums: [datum(IdleInTransaction, { Database: ctx.target }, NEVER_SENT)] };
    },
  });
}

/** The real collectors with `extra` inserted after the database layer's. */
function withCollector(extra: Collector): Collector[] {
  const firstTenant = allCollectors.findIndex((c) => c.layer !== 'database');
  return [...allCollectors.slice(0, firstTenant), extra, ...allCollectors.slice(firstTenant)];
}

function expectEveryOtherCollectorPublished(run: Invocation, failed: string): void {
  expect(run.result.collectors.filter((c) => c.name !== failed).map((c) => [c.name, c.status]))
    .toEqual(allCollectors.map((c) => [c.name, 'ok']));
  expect(missingEveryRunMetrics(run.received)).toEqual([]);
  expect(run.received.some((d) => d.value === NEVER_SENT)).toBe(false);
  expect(receivedValue(run.received, 'CollectorRuns')).toBe(1);
}

describe.each(testedMajors())('statement and lock timeouts on PostgreSQL %i', (major) => {
  let bed: FaultBed;

  beforeAll(async () => {
    bed = await startFaultBed({ major });
  });
  afterAll(async () => {
    await bed?.stop();
  });

  it('cancels a statement at the configured statement_timeout: only that collector fails, the rest publish', async () => {
    // Prepare: its own timeout (10 s) is far away; the server's statement_timeout is not.
    const lambda = collectorLambda({
      cloudwatch: bed.cloudwatch, env: bed.env, settings: { statementTimeoutMs: STATEMENT_TIMEOUT_MS },
      collectors: withCollector(failing('slow-statement', 'SELECT pg_sleep(3)')),
    });
    await lambda.invoke(); // baseline
    // Act
    const run = await lambda.invoke();
    // Assess
    const slow = run.result.collectors.find((c) => c.name === 'slow-statement');
    expect(slow?.failure).toEqual({
      reason: FailureReason.Timeout, code: '57014',
      message: `timed out after ${STATEMENT_TIMEOUT_MS} ms (canceling statement due to statement timeout)`,
    });
    expect(perCollectorErrors(run.received)).toEqual({ 'slow-statement': 1 });
    expect(receivedValue(run.received, 'CollectorErrors')).toBe(1);
    expectEveryOtherCollectorPublished(run, 'slow-statement');
    expect(eventsOf(run.records, 'collector_failed')).toMatchObject([{ collector: 'slow-statement', reason: 'timeout', code: '57014' }]);
    lambda.close();
  });

  it('gives up on a lock at lock_timeout: the blocked collector and the blocked source report it, the rest publish', async () => {
    // Prepare
    const lambda = collectorLambda({
      cloudwatch: bed.cloudwatch, env: bed.env, settings: { lockTimeoutMs: LOCK_TIMEOUT_MS },
      collectors: withCollector(failing('locked-reader', `SELECT count(*) FROM ${LOCKED_TABLE}`)),
    });
    await lambda.invoke(); // baseline: the logins source counts from the next window on
    const holder = new pg.Client({ connectionString: bed.prodUrl, application_name: 'lock-holder' });
    await holder.connect();
    let run: Invocation;
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${LOCKED_TABLE} IN ACCESS EXCLUSIVE MODE`);
      // Act
      run = await lambda.invoke();
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    const after = await lambda.invoke();
    // Assess
    expect(run.result.collectors.find((c) => c.name === 'locked-reader')?.failure).toEqual({
      reason: FailureReason.Error, code: '55P03',
      message: 'gave up waiting for a lock (lock_timeout): canceling statement due to lock timeout',
    });
    expect(run.result.errors.filter((e) => e.collector === SECURITY_SOURCES_COLLECTOR)).toEqual([
      { collector: SECURITY_SOURCES_COLLECTOR, reason: 'partial', message: 'sources/logins: source "logins": canceling statement due to lock timeout' },
    ]);
    expect(perCollectorErrors(run.received)).toEqual({ 'locked-reader': 1, [SECURITY_SOURCES_COLLECTOR]: 1 });
    expect(receivedValue(run.received, 'CollectorErrors')).toBe(2);
    expectEveryOtherCollectorPublished(run, 'locked-reader');
    for (const metric of ['LoginAttempts', 'FailedLogins', 'FailedLoginRate']) expect(receivedValue(run.received, metric), metric).toBeUndefined();
    expect(receivedValue(run.received, 'IdorRejections')).toBe(0);
    // Lock released: the source publishes again.
    expect(perCollectorErrors(after.received)).toEqual({});
    expect(receivedValue(after.received, 'LoginAttempts')).toBe(0);
    lambda.close();
  });
});
