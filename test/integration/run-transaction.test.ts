/**
 * The collectors of a run share one READ ONLY transaction (runtime/run-transaction.ts),
 * through runCollection on real PostgreSQL: one BEGIN for the run, yet each collector
 * starts with the runtime's settings, whatever the one before it set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, collector } from '../../lambdas/collector/collector.js';
import { schemaSwitch } from '../../lambdas/collector/collectors/tenants/schema-switch.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import { discoverTenants } from '../../lambdas/collector/tenants/discovery.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { connectionSettingsFromUrl, productionConnector, testSettings, withAdmin } from '../support/runtime-fixtures.js';

interface Seen {
  readonly xactStart: string;
  readonly searchPath: string;
  readonly workMem: string;
  readonly statementTimeout: string;
}

/** Records what its transaction looks like, then (optionally) changes something. */
function probe(name: string, seen: Seen[], after?: (ctx: Parameters<Collector['collect']>[0]) => Promise<unknown>): Collector {
  return collector({
    name, layer: 'tenants', timeoutMs: 4_000,
    async collect(ctx) {
      const [row] = await ctx.db.query<{ x: Date; sp: string; wm: string; st: string }>(
        `SELECT xact_start AS x, current_setting('search_path') AS sp, current_setting('work_mem') AS wm,
                current_setting('statement_timeout') AS st FROM pg_stat_activity WHERE pid = pg_backend_pid()`);
      seen.push({ xactStart: row!.x.toISOString(), searchPath: row!.sp, workMem: row!.wm, statementTimeout: row!.st });
      await after?.(ctx);
      return { datums: [] };
    },
  });
}

describe.each(testedMajors())('the run transaction on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  let stateUrl: string;

  beforeAll(async () => {
    server = await startPostgres({ major });
    prodUrl = await server.createDatabase('production');
    stateUrl = await server.createDatabase('tenantwatch_state');
    await withAdmin(prodUrl, (c) => c.query('CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b;'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  const run = (collectors: readonly Collector[]) => {
    const settings = testSettings({ tenants: { schemaPattern: '^tenant_' } });
    return runCollection({
      settings, collectors, sink: createLocalSink(), log: createMemoryLogger(),
      connect: productionConnector(prodUrl, settings),
      openStateStore: () => openPgStateStore(connectionSettingsFromUrl(stateUrl), { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 }),
      discover: discoverTenants,
    });
  };

  it('shares one transaction between collectors; a statement timeout a collector asked for ends with it', async () => {
    // Prepare
    const seen: Seen[] = [];
    const collectors = [probe('first', seen, (ctx) => ctx.statementTimeout(1_234)), probe('second', seen), probe('third', seen)];
    // Act
    const result = await run(collectors);
    // Assess
    expect(result.errors).toEqual([]);
    expect(new Set(seen.map((s) => s.xactStart)).size).toBe(1);
    expect(seen.map((s) => s.statementTimeout)).toEqual(['4s', '4s', '4s']);
    // connect (version, session settings); BEGIN + timeout; first: query, 1234 ms; second: its timeout back, query; third: query; COMMIT
    expect(result.statements).toBe(2 + 2 + 2 + 2 + 1 + 1);
  });

  it('gives the next collector a new transaction after one that changed a setting itself', async () => {
    // Prepare
    const seen: Seen[] = [];
    const collectors = [probe('setter', seen, (ctx) => ctx.db.query("SET LOCAL work_mem = '1234kB'")), probe('next', seen)];
    // Act
    const result = await run(collectors);
    // Assess
    expect(result.errors).toEqual([]);
    expect(seen[1]!.workMem).toBe(seen[0]!.workMem);
    expect(seen[1]!.workMem).not.toBe('1234kB');
    expect(seen[1]!.xactStart).not.toBe(seen[0]!.xactStart);
  });

  it('keeps the transaction after the schema-switch probe, which switches back itself', async () => {
    // Prepare
    const seen: Seen[] = [];
    const collectors = [probe('before', seen), schemaSwitch, probe('after', seen)];
    // Act
    const result = await run(collectors);
    // Assess
    expect(result.errors).toEqual([]);
    expect(result.datums.find((d) => d.metric.name === 'SchemaSwitchTime')?.counts?.reduce((n, c) => n + c, 0)).toBe(3);
    expect(seen[1]).toEqual(seen[0]);
  });
});
