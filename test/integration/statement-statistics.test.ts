/**
 * pg_stat_statements is read once per run, by one statement, for both collectors that need
 * it (`statements`, `cross-tenant-queries`): counted on what the runtime actually sends to
 * the production database. A failed read is not remembered: the next collector reads again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, collector } from '../../lambdas/collector/collector.js';
import { statements } from '../../lambdas/collector/collectors/database/statements.js';
import { crossTenantQueries } from '../../lambdas/collector/collectors/security/cross-tenant-queries.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import type { ProductionConnection } from '../../lambdas/collector/runtime/production-connection.js';
import type { QueryStats } from '../../lambdas/collector/runtime/query-stats.js';
import { PG_STAT_STATEMENTS_STATE_SQL } from '../../lambdas/collector/runtime/requirements.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import type { RunResult } from '../../lambdas/collector/runtime/run-result.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import type { Datum } from '../../lambdas/core/metrics/datum.js';
import type { DemoDatabase } from '../../lambdas/local/demo/create.js';
import { crossTenantQuery, repeatStatement } from '../../lambdas/local/demo/workload.js';
import type { PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { connectionSettingsFromUrl, productionConnector, testSettings, valueOf } from '../support/runtime-fixtures.js';
import { startDemoTarget } from '../support/tenant-fixtures.js';

const STATE_TIMEOUTS = { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 };
/** What the shared read, and only it, sends: the counters without query text. */
const SHARED_READ = 'pg_stat_statements(false)';
/** The run's transaction opened for a collector: BEGIN READ ONLY + its statement_timeout (one round trip). */
const OPEN = 2;
/** After a failed statement: ROLLBACK, BEGIN READ ONLY, statement_timeout (one round trip). */
const REOPEN = 3;
/** A failed collector's transaction. */
const ROLLBACK = 1;
/** The application's statement, known before the baselines: its calls give QueryLatency deltas. */
const REPEATED = 'SELECT count(*) FROM app.tenants WHERE id > 0';
const BASELINE_RUNS = 3;

/** The production connection, recording the text of every collector statement it sends. */
function recordingConnector(url: string, sent: string[]) {
  const connect = productionConnector(url, testSettings());
  return async (stats: QueryStats): Promise<ProductionConnection> => {
    const conn = await connect(stats);
    const db: ProductionConnection['db'] = {
      query: (text, params) => {
        sent.push(text);
        return conn.db.query(text, params);
      },
    };
    // Everything else is the connection's own (its transaction, its lost flag).
    return new Proxy(conn, { get: (target, property) => (property === 'db' ? db : Reflect.get(target, property)) });
  };
}

interface RecordedRun {
  readonly result: RunResult;
  readonly datums: readonly Datum[];
  /** The collector statements the run sent, in order. */
  readonly sent: readonly string[];
}

describe.each(testedMajors())('one pg_stat_statements read per run on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  let demo: DemoDatabase;

  beforeAll(async () => {
    ({ server, prodUrl, demo } = await startDemoTarget(major, 3));
    await repeatStatement(prodUrl, REPEATED, 1);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Runs `collectors` against the demo database, counter state in `stateUrl`. */
  function runner(stateUrl: string) {
    return async (collectors: readonly Collector[]): Promise<RecordedRun> => {
      const sent: string[] = [];
      const sink = createLocalSink();
      const result = await runCollection({
        settings: testSettings(), collectors, sink, log: createMemoryLogger(),
        connect: recordingConnector(prodUrl, sent),
        openStateStore: () => openPgStateStore(connectionSettingsFromUrl(stateUrl), STATE_TIMEOUTS),
      });
      return { result, datums: sink.latest(), sent };
    };
  }

  /** A fresh state database and BASELINE_RUNS runs, so tenantwatch's own statements are no longer new. */
  async function withBaselines(stateDatabase: string) {
    const run = runner(await server.createDatabase(stateDatabase));
    for (let i = 0; i < BASELINE_RUNS; i++) await run([statements, crossTenantQueries]);
    return run;
  }

  it('statements and cross-tenant-queries share one read: 2 and 1 statements of their own', async () => {
    // Prepare
    const run = await withBaselines('state_shared');
    const [a, b] = demo.plan.tenants;
    await repeatStatement(prodUrl, REPEATED, 3);
    await crossTenantQuery(prodUrl, { tenants: [a!.slug, b!.slug] });
    // Act
    const { result, datums, sent } = await run([statements, crossTenantQueries]);
    // Assess
    expect(result.errors).toEqual([]);
    expect(sent.filter((text) => text.includes(SHARED_READ))).toHaveLength(1);
    expect(result.collectors.map((c) => [c.name, c.statements])).toEqual([
      ['statements', OPEN + 2], // the shared read, the texts of the ten slowest
      ['cross-tenant-queries', 1 + 1], // in the same transaction: tenant discovery (here: the first collector to ask), the texts of the new entries
    ]);
    expect(sent.filter((text) => text.includes('pg_stat_statements('))).toHaveLength(3);
    expect(valueOf(datums, 'CrossTenantQueries')).toBe(1);
    expect(datums.filter((d) => d.metric.name === 'QueryLatency')).toHaveLength(1);
  });

  it('a failed read is not remembered: the next collector reads again and publishes', async () => {
    // Prepare: a first collector whose read fails (pg_stat_statements, created in public, is off its search_path)
    const run = await withBaselines('state_retry');
    const failsToRead = collector({
      name: 'fails-to-read', layer: 'database', timeoutMs: 2_000, requires: ['pg_stat_statements'],
      async collect(ctx) {
        await ctx.db.query('SET LOCAL search_path TO pg_catalog');
        await ctx.statementStatistics();
        return { datums: [] };
      },
    });
    const [a, , c] = demo.plan.tenants;
    await repeatStatement(prodUrl, REPEATED, 2);
    await crossTenantQuery(prodUrl, { tenants: [a!.slug, c!.slug], variant: 1 });
    // Act
    const { result, datums, sent } = await run([failsToRead, statements, crossTenantQueries]);
    // Assess
    expect(result.collectors.map((o) => [o.name, o.status, o.statements])).toEqual([
      // SET LOCAL, the failed read, the re-opened transaction, the requirement check (all in place: the failure stands), ROLLBACK
      ['fails-to-read', 'failed', OPEN + 1 + 1 + REOPEN + 1 + ROLLBACK],
      ['statements', 'ok', OPEN + 2],
      ['cross-tenant-queries', 'ok', 1 + 1],
    ]);
    expect(result.collectors[0]!.failure?.message).toMatch(/\(server said: (function pg_stat_statements\(boolean\)|relation "pg_stat_statements_info") does not exist\)$/);
    expect(sent.filter((text) => text.includes(SHARED_READ))).toHaveLength(2);
    expect(sent.filter((text) => text === PG_STAT_STATEMENTS_STATE_SQL)).toHaveLength(1);
    expect(valueOf(datums, 'CrossTenantQueries')).toBe(1);
    expect(datums.filter((d) => d.metric.name === 'QueryLatency')).toHaveLength(1);
  });
});
