/**
 * The Lambda's remaining time nearly spent (getRemainingTimeInMillis small): the collector
 * running at the deadline is cut short, no further collector starts, and what was
 * collected is published, heartbeat included, before the Lambda's end. Through the
 * handler and the fake CloudWatch, against the demo database.
 * (test/integration/runtime.test.ts covers the run budget with a simulated clock.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, collector } from '../../lambdas/collector/collector.js';
import { allCollectors } from '../../lambdas/collector/collectors/index.js';
import { FailureReason } from '../../lambdas/collector/runtime/collector-failure.js';
import { LAMBDA_SAFETY_MARGIN_MS, PUBLISH_RESERVE_MS } from '../../lambdas/collector/runtime/deadline.js';
import { IdleInTransaction } from '../../lambdas/core/catalog/index.js';
import { datum } from '../../lambdas/core/metrics/datum.js';
import { DEFAULT_POSTGRES_MAJOR } from '../../lambdas/local/embedded-postgres.js';
import { type FaultBed, startFaultBed } from '../support/fault-bed.js';
import { missingEveryRunMetrics, perCollectorErrors } from '../support/fault-expectations.js';
import { eventsOf, invokeOnce, receivedValue } from '../support/fault-lambda.js';

/** Collectors may start for this long: the rest of the Lambda's time is margin and publish reserve. */
const COLLECT_WINDOW_MS = 1_500;
const NEVER_SENT = 424_242;

/** Would run for a minute; its own timeout is far away, the run's deadline is not. */
const sleeper = collector({
  name: 'sleeper', layer: 'database', timeoutMs: 30_000,
  async collect(ctx) {
    await ctx.db.query('SELECT pg_sleep(60)');
    return { datums: [datum(IdleInTransaction, { Database: ctx.target }, NEVER_SENT)] };
  },
});

describe('the Lambda nearly out of time', () => {
  let bed: FaultBed;

  beforeAll(async () => {
    bed = await startFaultBed({ major: DEFAULT_POSTGRES_MAJOR });
  });
  afterAll(async () => {
    await bed?.stop();
  });

  it('a collector running at the deadline is cut short, no later collector starts, the rest is published in time', async () => {
    // Prepare: activity first, then the sleeper, then everything else.
    const activity = allCollectors.find((c) => c.name === 'activity')!;
    const rest: Collector[] = allCollectors.filter((c) => c !== activity);
    // Act
    const run = await invokeOnce(
      { cloudwatch: bed.cloudwatch, env: bed.env, collectors: [activity, sleeper, ...rest] },
      { remainingMs: COLLECT_WINDOW_MS + PUBLISH_RESERVE_MS + LAMBDA_SAFETY_MARGIN_MS },
    );
    // Assess
    const status = Object.fromEntries(run.result.collectors.map((c) => [c.name, c.failure?.reason ?? c.status]));
    expect(status).toEqual({
      activity: 'ok', sleeper: FailureReason.Timeout,
      ...Object.fromEntries(rest.map((c) => [c.name, FailureReason.RunBudgetExhausted])),
    });
    expect(eventsOf(run.records, 'collector_skipped').map((r) => r.collector)).toEqual(rest.map((c) => c.name));
    expect(String(eventsOf(run.records, 'collector_skipped')[0]?.message)).toMatch(/^not started: the run's time budget was spent \(\d+ ms left\)$/);
    expect(missingEveryRunMetrics(run.received, ['activity'])).toEqual([]);
    expect(run.received.some((d) => d.value === NEVER_SENT)).toBe(false);
    expect(perCollectorErrors(run.received)).toEqual(Object.fromEntries(['sleeper', ...rest.map((c) => c.name)].map((n) => [n, 1])));
    expect([receivedValue(run.received, 'CollectorRuns'), receivedValue(run.received, 'DatabaseUp')]).toEqual([1, 1]);
    expect(run.result.publish.datumsLost).toBe(0);
    expect(run.returnedAt).toBeLessThanOrEqual(run.lambdaEndsAt - LAMBDA_SAFETY_MARGIN_MS / 2);
  });

  it('less time left than the publish reserve: no collector starts at all, the heartbeat still goes out', async () => {
    // Act
    const run = await invokeOnce({ cloudwatch: bed.cloudwatch, env: bed.env }, { remainingMs: LAMBDA_SAFETY_MARGIN_MS + PUBLISH_RESERVE_MS / 2 });
    // Assess
    expect(run.result.collectors.map((c) => [c.name, c.failure?.reason])).toEqual(allCollectors.map((c) => [c.name, FailureReason.RunBudgetExhausted]));
    expect(run.result.statements).toBe(2); // the connect's version and session-settings queries, nothing else
    expect([receivedValue(run.received, 'CollectorRuns'), receivedValue(run.received, 'DatabaseUp'), receivedValue(run.received, 'CollectorErrors')])
      .toEqual([1, 1, allCollectors.length]);
    expect(run.result.publish.datumsLost).toBe(0);
    expect(run.returnedAt).toBeLessThanOrEqual(run.lambdaEndsAt - LAMBDA_SAFETY_MARGIN_MS / 2);
  });
});
