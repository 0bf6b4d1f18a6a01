/**
 * What a healthy run against the demo database always publishes (after a baseline run),
 * whatever the workload did: one or two metrics of every collector, so "the rest publish"
 * is checked collector by collector. Counter deltas of an idle interval are 0, not absent.
 */
import type { ReceivedDatum } from './fake-cloudwatch.js';
import { receivedDatums } from './fault-lambda.js';
import { TEST_TARGET } from './runtime-fixtures.js';

export const EVERY_RUN_METRICS: Readonly<Record<string, readonly string[]>> = {
  'database-stats': ['CacheHits', 'TransactionsPerSecond'],
  activity: ['Connections', 'ConnectionUtilization'],
  replication: ['ReplicationLagSeconds'],
  'tenant-activity': ['TenantCount', 'ActiveTenants'],
  'tenant-sources': ['ActiveSessions', 'ActiveUsers'],
  'schema-switch': ['SchemaSwitchTime'],
  'cross-tenant-queries': ['CrossTenantQueries'],
  'security-sources': ['IdorRejections', 'SuspiciousEvents'],
};

/** Run-health metrics: published by every run, the database reachable or not. */
export const RUN_HEALTH_METRICS = [
  'CollectorDuration', 'CollectorErrors', 'CollectorRuns', 'ConnectionFailures', 'DatabaseUp', 'DeltasSkipped', 'InvalidValuesDropped',
] as const;

/** The metrics of EVERY_RUN_METRICS (of these collectors, default all) CloudWatch did not receive exactly once. */
export function missingEveryRunMetrics(received: readonly ReceivedDatum[], collectors: readonly string[] = Object.keys(EVERY_RUN_METRICS)): string[] {
  return collectors.flatMap((c) => EVERY_RUN_METRICS[c] ?? []).filter((m) => receivedDatums(received, m).length !== 1);
}

/** CollectorErrors per Collector dimension, as CloudWatch received them. */
export function perCollectorErrors(received: readonly ReceivedDatum[]): Record<string, number | undefined> {
  return Object.fromEntries(received
    .filter((d) => d.metricName === 'CollectorErrors' && d.dimensions.Database === TEST_TARGET && d.dimensions.Collector !== undefined)
    .map((d) => [d.dimensions.Collector!, d.value]));
}
