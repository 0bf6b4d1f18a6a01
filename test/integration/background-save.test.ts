/**
 * Collectors declared `savesInBackground` (statements, cross-tenant-queries) get their
 * deltas as soon as the previous sample is loaded; the run settles the save before it
 * publishes, and a collector whose save failed publishes nothing: no datum, no log line,
 * its entries counted in DeltasSkipped. Through the real runtime and a real state database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collector } from '../../lambdas/collector/collector.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import type { StateStore } from '../../lambdas/collector/state/state-store.js';
import { IdleInTransaction } from '../../lambdas/core/catalog/index.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { datum } from '../../lambdas/core/metrics/datum.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { DEFAULT_POSTGRES_MAJOR } from '../support/pg-versions.js';
import { TEST_TARGET, connectionSettingsFromUrl, productionConnector, testSettings, valueOf } from '../support/runtime-fixtures.js';

const EPOCH = 'background-save-test/1';
const LINE = 'changed_entries';

/** Publishes how many of its two counters moved, and a log line, from its deltas alone. */
const changes = collector({
  name: 'changes', layer: 'database', timeoutMs: 5_000, savesInBackground: true,
  async collect(ctx) {
    const deltas = await ctx.counters.deltas({ a: { n: ctx.now.getTime() }, b: { n: 1 } }, EPOCH);
    if (!deltas.entries.size) return { datums: [] };
    const moved = [...deltas.entries.values()].filter((d) => d.n! > 0).length;
    return { datums: [datum(IdleInTransaction, { Database: ctx.target }, moved)], logLines: [{ event: LINE, fields: { moved } }] };
  },
});

describe('background saves of counter samples', () => {
  let server: PostgresServer;
  let prodUrl: string;
  let stateUrl: string;

  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
    prodUrl = await server.createDatabase('production');
    stateUrl = await server.createDatabase('tenantwatch_state');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const run = async (saveFails = false) => {
    const settings = testSettings();
    const sink = createLocalSink();
    const log = createMemoryLogger();
    const openStore = async (): Promise<StateStore> => {
      const store = await openPgStateStore(connectionSettingsFromUrl(stateUrl), { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 });
      // The state database going away between the load and the save.
      return saveFails ? { ...store, save: () => Promise.reject(new Error('connection terminated')) } : store;
    };
    const result = await runCollection({ settings, collectors: [changes], sink, log, connect: productionConnector(prodUrl, settings), openStateStore: openStore });
    return { result, datums: sink.latest(), records: log.records() };
  };

  it('publishes the deltas once the sample is saved, and nothing of the collector when the save fails', async () => {
    // Prepare
    await run(); // baseline
    // Act
    const saved = await run();
    const failed = await run(true);
    // Assess
    expect(valueOf(saved.datums, 'IdleInTransaction')).toBe(1);
    expect(saved.result.logLines.map((l) => [l.event, l.fields.moved])).toEqual([[LINE, 1]]);
    expect(saved.records.filter((r) => r.event === LINE)).toHaveLength(1);
    expect(valueOf(saved.datums, 'DeltasSkipped', { Database: TEST_TARGET })).toBe(0);

    expect(valueOf(failed.datums, 'IdleInTransaction')).toBeUndefined();
    expect(failed.result.logLines).toEqual([]);
    expect(failed.records.filter((r) => r.event === LINE)).toEqual([]);
    expect(failed.records.filter((r) => r.event === 'deltas_dropped').map((r) => r.reason)).toEqual(['state-store-unavailable']);
    expect(valueOf(failed.datums, 'DeltasSkipped', { Database: TEST_TARGET })).toBe(2);
    expect(failed.result.errors).toEqual([]);
  });
});
