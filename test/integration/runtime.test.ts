import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, type CounterSample, collector } from '../../lambdas/collector/collector.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { FailureReason } from '../../lambdas/collector/runtime/collector-failure.js';
import { openProductionConnection } from '../../lambdas/collector/runtime/production-connection.js';
import { emptyQueryStats } from '../../lambdas/collector/runtime/query-stats.js';
import { type RunCollectionOptions, runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import { discoverTenants } from '../../lambdas/collector/tenants/discovery.js';
import { BlockedSessions, Connections, Deadlocks, IdleInTransaction, TenantCount } from '../../lambdas/core/catalog/index.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { datum } from '../../lambdas/core/metrics/datum.js';
import { freePort, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import {
  TEST_TARGET, connectionSettingsFromUrl, databaseChecksum, productionConnector, testSettings, unreachableUrl, valueOf, withAdmin,
} from '../support/runtime-fixtures.js';

const Database = TEST_TARGET;
const stateOptions = { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 };

/** A gauge collector: one statement, one datum. */
function gauge(name: string, value: number): Collector {
  return collector({
    name, layer: 'database', timeoutMs: 2_000,
    async collect(ctx) {
      const [row] = await ctx.db.query<{ v: number }>('SELECT $1::int AS v', [value]);
      return { datums: [datum(IdleInTransaction, { Database: ctx.target }, row!.v)] };
    },
  });
}

/** Its SQL outlives its 300 ms timeout. */
const sleeper = collector({
  name: 'sleeper', layer: 'database', timeoutMs: 300,
  async collect(ctx) {
    await ctx.db.query('SELECT pg_sleep(5)');
    return { datums: [datum(BlockedSessions, { Database: ctx.target }, 99)] };
  },
});

const writer = collector({
  name: 'writer', layer: 'database', timeoutMs: 2_000,
  async collect(ctx) {
    await ctx.db.query("INSERT INTO payroll.runs (label) VALUES ('written by the monitor')");
    return { datums: [] };
  },
});

const escaper = collector({
  name: 'escaper', layer: 'database', timeoutMs: 2_000,
  async collect(ctx) {
    // Ending the runtime's READ ONLY transaction would be the way out: refused.
    await ctx.db.query('COMMIT');
    await ctx.db.query("SET default_transaction_read_only = off");
    await ctx.db.query("INSERT INTO payroll.runs (label) VALUES ('escaped')");
    return { datums: [] };
  },
});

const switcher = collector({
  name: 'switcher', layer: 'database', timeoutMs: 2_000,
  async collect(ctx) {
    await ctx.db.query('SET TRANSACTION READ WRITE');
    await ctx.db.query("INSERT INTO payroll.runs (label) VALUES ('switched')");
    return { datums: [] };
  },
});

/** Samples counters from a table the test controls, so deltas are exact. */
const counting = collector({
  name: 'counting', layer: 'database', timeoutMs: 2_000,
  async collect(ctx) {
    const rows = await ctx.db.query<{ name: string; value: string; epoch: string }>('SELECT name, value, epoch FROM payroll.counters ORDER BY name');
    const sample: CounterSample = Object.fromEntries(rows.map((r) => [r.name, { value: Number(r.value) }]));
    const deltas = await ctx.counters.deltas(sample, rows[0]?.epoch ?? 'none');
    const delta = deltas.entries.get('deadlocks')?.value;
    return {
      datums: [
        datum(Connections, { Database: ctx.target }, rows.length),
        ...(delta === undefined ? [] : [datum(Deadlocks, { Database: ctx.target }, delta)]),
      ],
    };
  },
});

describe.each(testedMajors())('collector runtime on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  let stateUrl: string;
  let closedPort: number;

  beforeAll(async () => {
    server = await startPostgres({ major });
    prodUrl = await server.createDatabase('production');
    stateUrl = await server.createDatabase('tenantwatch_state');
    closedPort = await freePort();
    await withAdmin(prodUrl, (c) => c.query(`
      CREATE SCHEMA payroll;
      CREATE TABLE payroll.runs (id serial PRIMARY KEY, label text NOT NULL);
      INSERT INTO payroll.runs (label) SELECT 'run ' || g FROM generate_series(1, 50) g;
      CREATE TABLE payroll.counters (name text PRIMARY KEY, value bigint NOT NULL, epoch text NOT NULL);
      INSERT INTO payroll.counters VALUES ('deadlocks', 10, 'e1'), ('other', 1, 'e1');
      CREATE SCHEMA tenant_alpha; CREATE SCHEMA tenant_beta; CREATE SCHEMA "tenant_x""; DROP TABLE y; --";
    `));
  });
  afterAll(async () => {
    await server?.stop();
  });

  function options(collectors: readonly Collector[], overrides: Partial<RunCollectionOptions> = {}) {
    const settings = testSettings();
    const sink = createLocalSink();
    const log = createMemoryLogger();
    const opts: RunCollectionOptions = {
      settings, collectors, sink, log,
      connect: productionConnector(prodUrl, settings),
      openStateStore: () => openPgStateStore(connectionSettingsFromUrl(stateUrl), stateOptions),
      ...overrides,
    };
    return { opts, sink, log };
  }

  it('opens the production connection read-only, bounded and named', async () => {
    // Prepare
    const stats = emptyQueryStats();
    const conn = await openProductionConnection(connectionSettingsFromUrl(prodUrl), { statementTimeoutMs: 4_321, lockTimeoutMs: 765, connectTimeoutMs: 2_000, stats });
    try {
      // Act
      const [settings] = await conn.db.query<Record<string, string>>(
        `SELECT current_setting('default_transaction_read_only') AS ro, current_setting('statement_timeout') AS st,
                current_setting('lock_timeout') AS lt, current_setting('application_name') AS app, current_setting('jit') AS jit,
                current_setting('track_counts') AS track_counts`,
      );
      const write = await conn.db.query("INSERT INTO payroll.runs (label) VALUES ('nope')").catch((e: unknown) => e);
      // Assess
      // The test connects as a superuser: it may leave its own reads out of the statistics.
      expect(settings).toEqual({ ro: 'on', st: '4321ms', lt: '765ms', app: 'tenantwatch', jit: 'off', track_counts: 'off' });
      expect(conn.ownReadsExcluded).toBe(true);
      expect((write as { code?: string }).code).toBe('25006');
      expect(conn.serverVersion).toBeGreaterThanOrEqual(major * 10_000);
      expect(conn.serverVersion).toBeLessThan((major + 1) * 10_000);
      // The version and session-settings queries at connect, then the two above.
      expect(stats).toEqual({ statements: 4, rows: 3 });
    } finally {
      await conn.close();
    }
  });

  it('isolates failing collectors: the others publish and the database is unchanged', async () => {
    // Prepare
    const before = await databaseChecksum(prodUrl);
    const { opts, sink, log } = options([gauge('first', 1), sleeper, writer, escaper, switcher, gauge('last', 2)]);
    // Act
    const result = await runCollection(opts);
    // Assess
    const after = await databaseChecksum(prodUrl);
    expect(after).toBe(before);
    expect(result.collectors.map((c) => [c.name, c.status, c.failure?.reason])).toEqual([
      ['first', 'ok', undefined],
      ['sleeper', 'failed', FailureReason.Timeout],
      ['writer', 'failed', FailureReason.Error],
      ['escaper', 'failed', FailureReason.Error],
      ['switcher', 'failed', FailureReason.Error],
      ['last', 'ok', undefined],
    ]);
    const published = sink.latest();
    expect(published.filter((d) => d.metric.name === 'IdleInTransaction').map((d) => d.value)).toEqual([1, 2]);
    expect(valueOf(published, 'BlockedSessions')).toBeUndefined();
    expect(valueOf(published, 'CollectorErrors')).toBe(4);
    for (const name of ['sleeper', 'writer', 'escaper', 'switcher']) expect(valueOf(published, 'CollectorErrors', { Database, Collector: name })).toBe(1);
    expect(valueOf(published, 'CollectorErrors', { Database, Collector: 'first' })).toBeUndefined();
    expect(valueOf(published, 'CollectorRuns')).toBe(1);
    expect(valueOf(published, 'DatabaseUp')).toBe(1);
    expect(valueOf(published, 'ConnectionFailures')).toBe(0);
    const failures = log.records().filter((r) => r.event === 'collector_failed');
    expect(failures.map((r) => [r.collector, r.reason])).toEqual([
      ['sleeper', 'timeout'], ['writer', 'error'], ['escaper', 'error'], ['switcher', 'error'],
    ]);
    // The server's statement_timeout (57014) and the client-side timer race: either wins.
    expect([undefined, '57014']).toContain(failures[0]?.code);
    expect(failures.slice(1).map((r) => r.code)).toEqual(['25006', undefined, '25001']);
    expect(String(failures[0]?.message)).toMatch(/^timed out after 300 ms/);
    expect(String(failures[1]?.message)).toMatch(/read-only/);
    expect(String(failures[2]?.message)).toMatch(/may not control the transaction \(COMMIT\)/);
  });

  it('counts every statement and row it sends to the production database', async () => {
    // Prepare
    const rowsCollector = collector({
      name: 'rows', layer: 'database', timeoutMs: 2_000,
      async collect(ctx) {
        const rows = await ctx.db.query('SELECT g FROM generate_series(1, 5) g');
        return { datums: [datum(IdleInTransaction, { Database: ctx.target }, rows.length)] };
      },
    });
    const { opts } = options([rowsCollector]);
    // Act
    const result = await runCollection(opts);
    // Assess: at connect the version and session-settings queries (1 row each); the
    // collector's BEGIN READ ONLY + statement_timeout and its query (5 rows); the run's COMMIT.
    expect(result.statements).toBe(6);
    expect(result.rows).toBe(7);
    expect(result.collectors[0]).toMatchObject({ statements: 3, rows: 5, status: 'ok' });
    expect(result.serverVersion).toBeGreaterThanOrEqual(major * 10_000);
    expect(result.layers.database).toMatchObject({ collectors: 1, failed: 0 });
  });

  it('keeps a collector usable after one of its statements failed (partial failure)', async () => {
    // Prepare
    const partial = collector({
      name: 'partial', layer: 'security', timeoutMs: 2_000,
      async collect(ctx) {
        const errors: { name: string; message: string }[] = [];
        await ctx.db.query('SELECT * FROM missing_table').catch((e: Error) => errors.push({ name: 'source-a', message: e.message }));
        const [row] = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM payroll.runs');
        return { datums: [datum(IdleInTransaction, { Database: ctx.target }, row!.n)], errors };
      },
    });
    const { opts, sink } = options([partial]);
    // Act
    const result = await runCollection(opts);
    // Assess
    expect(valueOf(sink.latest(), 'IdleInTransaction')).toBe(50);
    expect(result.errors).toEqual([{ collector: 'partial', reason: 'partial', message: 'source-a: relation "missing_table" does not exist' }]);
    expect(valueOf(sink.latest(), 'CollectorErrors', { Database, Collector: 'partial' })).toBe(1);
  });

  it('survives the connection being dropped mid-run and reconnects for the next collector', async () => {
    // Prepare
    const killer = collector({
      name: 'killer', layer: 'database', timeoutMs: 2_000,
      async collect(ctx) {
        const [me] = await ctx.db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await withAdmin(prodUrl, (c) => c.query('SELECT pg_terminate_backend($1)', [me!.pid]));
        await ctx.db.query('SELECT 1');
        return { datums: [] };
      },
    });
    const { opts, sink } = options([gauge('before', 3), killer, gauge('after', 4)]);
    // Act
    const result = await runCollection(opts);
    // Assess
    expect(result.collectors.map((c) => [c.name, c.status, c.failure?.reason])).toEqual([
      ['before', 'ok', undefined], ['killer', 'failed', FailureReason.ConnectionLost], ['after', 'ok', undefined],
    ]);
    expect(sink.latest().filter((d) => d.metric.name === 'IdleInTransaction').map((d) => d.value)).toEqual([3, 4]);
    expect(valueOf(sink.latest(), 'DatabaseUp')).toBe(1);
    expect(valueOf(sink.latest(), 'ConnectionFailures')).toBe(0);
  });

  it('publishes a baseline first, exact deltas next, and nothing after a counter reset', async () => {
    // Prepare
    const run = async () => {
      const { opts, sink } = options([counting]);
      const result = await runCollection(opts);
      return { result, datums: sink.latest() };
    };
    // Act
    const first = await run();
    await withAdmin(prodUrl, (c) => c.query("UPDATE payroll.counters SET value = value + 3 WHERE name = 'deadlocks'"));
    const second = await run();
    await withAdmin(prodUrl, (c) => c.query("UPDATE payroll.counters SET value = 0, epoch = 'e2'"));
    const third = await run();
    // Assess
    expect([valueOf(first.datums, 'Deadlocks'), valueOf(first.datums, 'DeltasSkipped')]).toEqual([undefined, 2]);
    expect([valueOf(second.datums, 'Deadlocks'), valueOf(second.datums, 'DeltasSkipped')]).toEqual([3, 0]);
    expect([valueOf(third.datums, 'Deadlocks'), valueOf(third.datums, 'DeltasSkipped')]).toEqual([undefined, 2]);
    expect(valueOf(third.datums, 'Connections')).toBe(2);
  });

  it('publishes gauges and skips deltas (counted) when the state database is down', async () => {
    // Prepare
    const down = connectionSettingsFromUrl(unreachableUrl(closedPort));
    const { opts, sink, log } = options([counting], { openStateStore: () => openPgStateStore(down, stateOptions) });
    // Act
    const result = await runCollection(opts);
    // Assess
    expect(valueOf(sink.latest(), 'Connections')).toBe(2);
    expect(valueOf(sink.latest(), 'Deadlocks')).toBeUndefined();
    expect(valueOf(sink.latest(), 'DeltasSkipped')).toBe(2);
    expect(result.errors).toEqual([]);
    expect(log.records().filter((r) => r.event === 'state_store_unavailable')).toHaveLength(1);
  });

  it('discovers tenants once per run, with hostile schema names kept intact', async () => {
    // Prepare
    let discoveries = 0;
    const counter = (name: string) => collector({
      name, layer: 'tenants', timeoutMs: 2_000,
      async collect(ctx) {
        const tenants = await ctx.tenants();
        await ctx.tenants();
        return { datums: [datum(TenantCount, { Database: ctx.target }, tenants.length)] };
      },
    });
    const { opts, sink } = options([counter('t1'), counter('t2')], {
      discover: (db, discovery) => {
        discoveries += 1;
        return discoverTenants(db, discovery);
      },
    });
    // Act
    await runCollection(opts);
    // Assess
    expect(discoveries).toBe(1);
    expect(sink.latest().filter((d) => d.metric.name === 'TenantCount').map((d) => d.value)).toEqual([3, 3]);
  });

  it('reports a collector that needs pg_stat_statements where it is not installed, checking only after its read failed', async () => {
    // Prepare
    const needs = collector({
      name: 'statements', layer: 'database', timeoutMs: 2_000, requires: ['pg_stat_statements'],
      async collect(ctx) {
        await ctx.statementStatistics();
        return { datums: [] };
      },
    });
    const declaresOnly = collector({ name: 'declares-only', layer: 'database', timeoutMs: 2_000, requires: ['pg_stat_statements'], collect: async () => ({ datums: [] }) });
    const { opts, log } = options([declaresOnly, needs]);
    // Act
    const result = await runCollection(opts);
    // Assess
    expect(result.errors).toEqual([{
      collector: 'statements', reason: FailureReason.MissingRequirement,
      message: 'pg_stat_statements is not installed in this database: CREATE EXTENSION pg_stat_statements (the library must be in shared_preload_libraries)',
    }]);
    expect(log.records().find((r) => r.event === 'collector_failed')?.reason).toBe('missing-requirement');
    expect(result.collectors.map((c) => [c.name, c.status, c.statements])).toEqual([
      ['declares-only', 'ok', 2], // the run's transaction opened (BEGIN + statement_timeout) only: no check up front
      ['statements', 'failed', 6], // in that transaction: the failed read, the re-opened transaction (3), the check, ROLLBACK
    ]);
  });

  it('starts no collector past the run budget and reports the skipped ones', async () => {
    // Prepare: a clock the first collector moves past the budget.
    let now = Date.UTC(2026, 0, 1);
    const slow = collector({
      name: 'slow', layer: 'database', timeoutMs: 2_000,
      async collect(ctx) {
        now += 60_000;
        return { datums: [datum(IdleInTransaction, { Database: ctx.target }, 7)] };
      },
    });
    const { opts, sink, log } = options([slow, gauge('late', 1), gauge('later', 2)], { clock: () => now });
    // Act
    const result = await runCollection(opts);
    // Assess
    expect(result.collectors.map((c) => [c.name, c.status])).toEqual([['slow', 'ok'], ['late', 'skipped'], ['later', 'skipped']]);
    expect(valueOf(sink.latest(), 'IdleInTransaction')).toBe(7);
    expect(valueOf(sink.latest(), 'CollectorErrors')).toBe(2);
    expect(log.records().filter((r) => r.event === 'collector_skipped').map((r) => r.reason)).toEqual(['run-budget-exhausted', 'run-budget-exhausted']);
  });

  it('writes a collector log line as one structured JSON line', async () => {
    // Prepare
    const topTen = collector({
      name: 'top', layer: 'database', timeoutMs: 2_000,
      collect: async () => ({ datums: [], logLines: [{ event: 'top_statements', fields: { statements: [{ queryid: '1', calls: 2 }] } }] }),
    });
    const { opts, log } = options([topTen]);
    // Act
    await runCollection(opts);
    // Assess
    const lines = log.lines.filter((l) => l.includes('top_statements'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', event: 'top_statements', collector: 'top', statements: [{ queryid: '1', calls: 2 }] });
  });
});
