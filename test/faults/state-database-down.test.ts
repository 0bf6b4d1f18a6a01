/**
 * The monitoring (state) database unavailable: refused, blackholed (connections accepted
 * and never answered, as with a missing security-group rule), or refusing the login. Gauges
 * are still published, every counter delta is skipped and counted in DeltasSkipped, and
 * nothing computed from a delta reaches CloudWatch: the run publishes exactly what a
 * baseline run publishes. No collector fails because of it. When the state database is
 * back, the deltas resume from the last stored baseline.
 * (test/integration/runtime.test.ts covers one counting collector with the state port closed.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCollectors } from '../../lambdas/collector/collectors/index.js';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { type FaultBed, startFaultBed } from '../support/fault-bed.js';
import { RUN_HEALTH_METRICS, missingEveryRunMetrics } from '../support/fault-expectations.js';
import { type Invocation, eventsOf, invokeOnce, receivedMetricNames, receivedValue } from '../support/fault-lambda.js';
import { testedMajors } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';

/** What the demo gives without any counter delta: gauges and the run's health. */
const GAUGES = [
  ...RUN_HEALTH_METRICS,
  'ActiveSessions', 'ActiveUsers', 'BlockedSessions', 'ConnectionUtilization', 'Connections', 'ConnectionsByApplication', 'FeatureFlagUsage',
  'IdleInTransaction', 'LongestTransactionSeconds', 'ReplicationLagSeconds', 'SchemaSwitchTime', 'TenantCount',
].sort();

describe.each(testedMajors())('the state database unavailable on PostgreSQL %i', (major) => {
  let bed: FaultBed;

  beforeAll(async () => {
    bed = await startFaultBed({ major });
  });
  afterAll(async () => {
    await bed?.stop();
  });

  const runWithState = (stateUrl: string) => invokeOnce({ cloudwatch: bed.cloudwatch, env: { ...bed.env, [CollectorEnvVar.StateDatabaseUrl]: stateUrl } });

  const badPassword = () => {
    const u = new URL(bed.stateUrl);
    u.password = 'not-the-password';
    return u.toString();
  };

  type Outage = readonly [what: string, down: () => Promise<void> | void, up: () => Promise<void> | void, url: () => string];
  const outages: readonly Outage[] = [
    ['refused', () => bed.proxy.refuse(), () => bed.proxy.accept(), () => bed.proxy.via(bed.stateUrl)],
    ['blackholed', () => bed.proxy.blackhole(), () => bed.proxy.forward(), () => bed.proxy.via(bed.stateUrl)],
    ['refusing the login', () => undefined, () => undefined, badPassword],
  ];

  it.each(outages)('%s: gauges published, every delta skipped and counted, nothing computed from a delta sent', async (_what, down, up, unavailableUrl) => {
    // Prepare: two healthy runs settle the set of statements; then a fresh baseline.
    await runWithState(bed.stateUrl);
    await runWithState(bed.stateUrl);
    await withAdmin(bed.stateUrl, (c) => c.query('DELETE FROM monitoring.counter_samples'));
    const baseline = await runWithState(bed.stateUrl);
    await down();
    // Act
    let unavailable: Invocation;
    try {
      unavailable = await runWithState(unavailableUrl());
    } finally {
      await up();
    }
    const back = await runWithState(bed.stateUrl);
    // Assess
    expect(receivedMetricNames(baseline.received)).toEqual(GAUGES);
    expect(receivedMetricNames(unavailable.received)).toEqual(GAUGES);
    expect(unavailable.result.collectors.map((c) => [c.name, c.status])).toEqual(allCollectors.map((c) => [c.name, 'ok']));
    expect(receivedValue(unavailable.received, 'CollectorErrors')).toBe(0);
    // Every sample entry a baseline run skips is skipped again, now for want of the state store.
    expect(receivedValue(unavailable.received, 'DeltasSkipped')).toBe(receivedValue(baseline.received, 'DeltasSkipped'));
    expect(receivedValue(unavailable.received, 'DeltasSkipped')).toBeGreaterThan(0);
    expect(eventsOf(unavailable.records, 'state_store_unavailable')).toHaveLength(1);
    const dropped = eventsOf(unavailable.records, 'deltas_dropped');
    expect(dropped.length).toBeGreaterThan(0);
    expect(new Set(dropped.map((r) => r.reason))).toEqual(new Set(['state-store-unavailable']));
    // Back: deltas against the baseline stored before the outage.
    expect(missingEveryRunMetrics(back.received)).toEqual([]);
    expect(receivedValue(back.received, 'DeltasSkipped')).toBe(0);
  });
});
