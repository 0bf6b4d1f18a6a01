import { describe, expect, it } from 'vitest';
import { collector } from '../../lambdas/collector/collector.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import type { MetricSink } from '../../lambdas/collector/publishers/sink.js';
import { runDeadlines, PUBLISH_RESERVE_MS } from '../../lambdas/collector/runtime/deadline.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import { assertCollectorStatement } from '../../lambdas/collector/runtime/statement-guard.js';
import { HealthCheckUp } from '../../lambdas/core/catalog/index.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { datum } from '../../lambdas/core/metrics/datum.js';
import { freePort } from '../../lambdas/local/embedded-postgres.js';
import { productionConnector, testSettings, unreachableUrl, valueOf } from '../support/runtime-fixtures.js';

const neverRuns = collector({
  name: 'never', layer: 'database', timeoutMs: 1_000,
  collect: async () => {
    throw new Error('must not run without a connection');
  },
});

/** Like a health probe: never queries the database, so it runs while the database is down. */
const probe = collector({
  name: 'probe', layer: 'api', timeoutMs: 1_000, usesDatabase: false,
  collect: async () => ({ datums: [datum(HealthCheckUp, { Endpoint: 'api' }, 1)] }),
});

describe('runCollection when the database is unreachable', () => {
  it('publishes DatabaseUp 0, ConnectionFailures 1 and the heartbeat, without throwing', async () => {
    // Prepare
    const url = unreachableUrl(await freePort());
    const sink = createLocalSink();
    const log = createMemoryLogger();
    // Act
    const result = await runCollection({
      settings: testSettings(), collectors: [neverRuns, probe], sink, log,
      connect: productionConnector(url),
      openStateStore: async () => {
        throw new Error('state database down too');
      },
    });
    // Assess
    const published = sink.latest();
    expect(valueOf(published, 'DatabaseUp')).toBe(0);
    expect(valueOf(published, 'ConnectionFailures')).toBe(1);
    expect(valueOf(published, 'CollectorRuns')).toBe(1);
    expect(valueOf(published, 'CollectorErrors')).toBe(0);
    expect(published.map((d) => d.metric.name).sort()).toEqual([
      'CollectorDuration', 'CollectorErrors', 'CollectorRuns', 'ConnectionFailures', 'DatabaseUp', 'DeltasSkipped', 'HealthCheckUp', 'InvalidValuesDropped',
    ]);
    expect(valueOf(published, 'HealthCheckUp', { Endpoint: 'api' })).toBe(1);
    expect(result).toMatchObject({ databaseUp: false, connectionFailures: 1, statements: 0 });
    expect(result.collectors.map((c) => [c.name, c.status])).toEqual([['probe', 'ok']]);
    expect(result.errors).toEqual([{ collector: 'connect', reason: 'connect', message: expect.stringContaining('ECONNREFUSED') }]);
    const line = log.records().find((r) => r.event === 'database_unreachable');
    expect(line?.level).toBe('error');
    expect(log.lines.join('\n')).not.toContain('never-used-password');
  });

  it('reports a sink that throws instead of throwing itself', async () => {
    // Prepare
    const url = unreachableUrl(await freePort());
    const sink: MetricSink = { publish: async () => { throw new Error('sink exploded'); } };
    const log = createMemoryLogger();
    // Act
    const result = await runCollection({
      settings: testSettings(), collectors: [], sink, log, connect: productionConnector(url), openStateStore: async () => { throw new Error('unused'); },
    });
    // Assess
    expect(result.publish).toEqual({ datumsSent: 0, requests: 0, bytesSent: 0, datumsLost: 7, failures: [{ message: 'sink exploded', datums: 7 }] });
    expect(log.records().find((r) => r.event === 'publish_failed')).toMatchObject({ level: 'error', datums: 7 });
  });
});

describe('run deadlines', () => {
  it('uses the budget locally and leaves the publish reserve before the Lambda deadline', () => {
    // Act
    const local = runDeadlines(1_000, 40_000, undefined);
    const lambda = runDeadlines(1_000, 40_000, 1_000 + 30_000);
    // Assess
    expect(local).toEqual({ collectUntil: 41_000, publishUntil: 41_000 + PUBLISH_RESERVE_MS });
    expect(lambda).toEqual({ collectUntil: 31_000 - PUBLISH_RESERVE_MS, publishUntil: 31_000 });
  });
});

describe('statement guard', () => {
  it('refuses statements that would end the runtime transaction, even behind comments', () => {
    // Act and assess
    for (const text of ['COMMIT', '  rollback', '/* x */ END', '-- c\nBEGIN', 'start transaction read write', 'ABORT', 'PREPARE TRANSACTION \'x\'']) {
      expect(() => assertCollectorStatement(text), text).toThrow(/may not control the transaction/);
    }
    for (const text of ['SELECT 1', 'SET search_path = "tenant_a"', 'WITH x AS (SELECT 1) SELECT * FROM x', 'SELECT \'COMMIT\'']) {
      expect(() => assertCollectorStatement(text), text).not.toThrow();
    }
  });
});
