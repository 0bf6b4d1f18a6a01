/**
 * CloudWatch throttling, failing (5xx), hanging and down, seen from a whole collection run
 * (the Lambda handler, every collector, the demo database): retries are bounded and end
 * within the run's deadline, every datum is either delivered or counted as lost in the
 * run's result and in one `publish_failed` log line, and the handler returns.
 * (test/integration/publish-cloudwatch.test.ts covers the sink alone: batching, retry
 * classes, a lost batch among delivered ones, refused and reset connections.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_ATTEMPTS } from '../../lambdas/collector/publishers/cloudwatch.js';
import { toMetricData } from '../../lambdas/collector/publishers/metric-data.js';
import { LAMBDA_SAFETY_MARGIN_MS } from '../../lambdas/collector/runtime/deadline.js';
import { DEFAULT_POSTGRES_MAJOR } from '../../lambdas/local/embedded-postgres.js';
import { type FaultBed, startFaultBed } from '../support/fault-bed.js';
import { type CollectorLambda, type Invocation, collectorLambda, eventsOf, receivedValue } from '../support/fault-lambda.js';

/** MetricDatum entries the run handed to the sink (a distribution above 150 values is several). */
function entriesOf(run: Invocation): number {
  return run.result.datums.reduce((n, d) => n + toMetricData(d).length, 0);
}

/** PutMetricData requests a fault-free publish of this run makes: one per namespace here. */
function namespacesOf(run: Invocation): number {
  return new Set(run.result.datums.map((d) => d.metric.namespace)).size;
}

function expectAllLostAndLogged(run: Invocation): void {
  const entries = entriesOf(run);
  expect(run.result.publish).toMatchObject({ datumsSent: 0, datumsLost: entries });
  expect(run.received).toEqual([]);
  const [failed] = eventsOf(run.records, 'publish_failed');
  expect(failed).toMatchObject({ level: 'error', datumsLost: entries, datumsSent: 0, batches: namespacesOf(run), batchesLost: namespacesOf(run) });
  expect(eventsOf(run.records, 'publish_failed')).toHaveLength(1);
  expect(eventsOf(run.records, 'collection_run')).toMatchObject([{ datumsLost: entries }]);
  expect(run.returnedAt).toBeLessThanOrEqual(run.lambdaEndsAt);
}

describe('CloudWatch faults during a collection run', () => {
  let bed: FaultBed;
  let lambda: CollectorLambda;

  beforeAll(async () => {
    bed = await startFaultBed({ major: DEFAULT_POSTGRES_MAJOR });
    lambda = collectorLambda({ cloudwatch: bed.cloudwatch, env: bed.env });
    await lambda.invoke(); // baseline: the runs below publish every layer
  });
  afterAll(async () => {
    lambda?.close();
    await bed?.stop();
  });

  it('throttled once: retried after a backoff, and everything arrives', async () => {
    // Prepare
    bed.cloudwatch.clearFaults();
    bed.cloudwatch.throttleNext(1);
    // Act
    const run = await lambda.invoke();
    // Assess
    const entries = entriesOf(run);
    expect(run.result.publish).toMatchObject({ datumsSent: entries, datumsLost: 0, requests: namespacesOf(run) + 1 });
    expect(run.received).toHaveLength(entries);
    expect(run.requests.map((r) => r.outcome)).toEqual([400, ...Array.from({ length: namespacesOf(run) }, () => 200)]);
    expect(eventsOf(run.records, 'publish_retry')).toMatchObject([{ level: 'warn', kind: 'throttling', attempt: 1 }]);
    expect(eventsOf(run.records, 'publish_failed')).toEqual([]);
    expect(receivedValue(run.received, 'CollectorRuns')).toBe(1);
  });

  it('5xx on every request: each request tried exactly 3 times, every datum counted as lost and logged, the handler returns', async () => {
    // Prepare
    bed.cloudwatch.clearFaults();
    bed.cloudwatch.failNext(Infinity);
    // Act
    let run: Invocation;
    try {
      run = await lambda.invoke();
    } finally {
      bed.cloudwatch.clearFaults();
    }
    // Assess
    expect(run.requests).toHaveLength(namespacesOf(run) * DEFAULT_MAX_ATTEMPTS);
    expect(new Set(run.requests.map((r) => r.outcome))).toEqual(new Set([500]));
    expect(eventsOf(run.records, 'publish_retry')).toHaveLength(namespacesOf(run) * (DEFAULT_MAX_ATTEMPTS - 1));
    expectAllLostAndLogged(run);
  });

  it('down (connections refused): bounded attempts, every datum counted as lost and logged, the handler returns', async () => {
    // Prepare
    bed.cloudwatch.clearFaults();
    await bed.cloudwatch.refuseConnections();
    // Act
    let run: Invocation;
    try {
      run = await lambda.invoke();
    } finally {
      await bed.cloudwatch.acceptConnections();
    }
    // Assess
    expect(run.result.publish.requests).toBe(namespacesOf(run) * DEFAULT_MAX_ATTEMPTS);
    expect(run.requests).toEqual([]);
    expectAllLostAndLogged(run);
  });

  it('hanging with 9 s of the Lambda left: requests are aborted at the run deadline, every datum counted as lost, the handler returns in time', async () => {
    // Prepare: collectors may start for 2 s (9 s - 2 s safety margin - 5 s publish reserve).
    bed.cloudwatch.clearFaults();
    bed.cloudwatch.hangNext(Infinity);
    // Act
    let run: Invocation;
    try {
      run = await lambda.invoke({ remainingMs: 9_000 });
    } finally {
      bed.cloudwatch.clearFaults();
    }
    // Assess
    expect(run.result.collectors.every((c) => c.status === 'ok')).toBe(true);
    expect(run.requests.length).toBeGreaterThan(0);
    expect(new Set(run.requests.map((r) => r.outcome))).toEqual(new Set(['hang']));
    expectAllLostAndLogged(run);
    expect(run.returnedAt).toBeLessThanOrEqual(run.lambdaEndsAt - LAMBDA_SAFETY_MARGIN_MS / 2);
    expect(String(eventsOf(run.records, 'publish_failed')[0]?.failures)).toContain('run deadline reached');
  });

  it('after all that, the next run publishes everything again', async () => {
    // Act
    const run = await lambda.invoke();
    // Assess
    expect(run.result.publish).toMatchObject({ datumsSent: entriesOf(run), datumsLost: 0 });
    expect(receivedValue(run.received, 'DatabaseUp')).toBe(1);
  });
});
