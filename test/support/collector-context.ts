/**
 * Test support for collector tests: run one collector against a real database the way the
 * runtime does (its own READ ONLY transaction on a read-only, application_name=tenantwatch
 * connection), with counter state kept in memory instead of the monitoring database.
 *
 * The in-memory CounterTracker applies the runtime's own pure delta rules (computeDeltas,
 * lambdas/collector/state/deltas.ts) without its state database:
 * - no previous sample for (target, collector): every delta skipped, reason `baseline`;
 * - epoch changed: every delta skipped (`server-restart` or `stats-reset`);
 * - an entry absent from the previous sample: `new-entry`; a counter that went down:
 *   `counter-went-backwards`; otherwise the delta, with intervalSeconds between the runs'
 *   `now` (pass `now` to run() for an exact interval);
 * - one deltas() call per collector run (the runtime enforces the same).
 * ctx.statementStatistics() reads pg_stat_statements once per harness run (one collector),
 * like the runtime once per collection run: a failed read is not remembered.
 * The sample is always kept as the next baseline. Not simulated: concurrent runs and an
 * unreachable state database (the runtime's tests cover those).
 *
 * Usage:
 *   const harness = await createCollectorHarness(url);          // in beforeAll
 *   await harness.run(myCollector);                             // baseline
 *   ...workload...
 *   const result = await harness.run(myCollector);              // deltas since the baseline
 *   await harness.close();                                      // in afterAll
 */
import pg from 'pg';
import { type Collector, type CollectorContext, type CollectorResult, type CounterTracker, type DeltaSkipReason, type QueryRunner, type Tenant, sqlFor } from '../../lambdas/collector/collector.js';
import { readStatementStatistics } from '../../lambdas/collector/collectors/shared/statement-statistics.js';
import { onceSucceeded } from '../../lambdas/collector/runtime/once-succeeded.js';
import { APPLICATION_NAME } from '../../lambdas/collector/runtime/pg-client.js';
import { SESSION_SETTINGS_SQL } from '../../lambdas/collector/runtime/production-connection.js';
import { statementTimeoutSql } from '../../lambdas/collector/runtime/run-transaction.js';
import { type StoredSample, computeDeltas, countSkipped } from '../../lambdas/collector/state/deltas.js';
import { epochChangeReason } from '../../lambdas/collector/state/epoch.js';
import { type CollectorSettings, type CollectorSettingsInput, collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';

export const HARNESS_TARGET = 'demo';
/** What the runtime's production connection calls itself. */
export const HARNESS_APPLICATION_NAME = APPLICATION_NAME;

/** Previous samples per (target, collector), in memory. */
export interface MemoryCounterStore {
  /** A tracker for one collector run, sampled at `now`. */
  tracker(target: string, collector: string, now: Date): CounterTracker & { readonly skipped: number; readonly skipReasons: readonly DeltaSkipReason[] };
  /** Forget a collector's baseline (the next run is a baseline again). */
  forget(target: string, collector: string): void;
}

export function createMemoryCounterStore(): MemoryCounterStore {
  const samples = new Map<string, StoredSample>();
  const keyOf = (target: string, collector: string) => `${target}\u0000${collector}`;
  return {
    tracker(target, collector, now) {
      let used = false;
      let skipped = 0;
      let skipReasons: DeltaSkipReason[] = [];
      return {
        async previous(epoch) {
          const stored = samples.get(keyOf(target, collector));
          if (!stored) return { skipReason: 'baseline' as DeltaSkipReason };
          const reason = epochChangeReason(stored.epoch, epoch);
          return reason ? { skipReason: reason } : { sample: stored.sample };
        },
        async deltas(sample, epoch) {
          if (used) throw new Error(`collector ${collector}: counters.deltas() called twice in one run`);
          used = true;
          const current: StoredSample = { sample, epoch, sampledAt: now };
          const result = computeDeltas(samples.get(keyOf(target, collector)), current);
          samples.set(keyOf(target, collector), current);
          skipped = countSkipped(result, sample);
          skipReasons = [...new Set(result.skipped.map((x) => x.reason))];
          return result;
        },
        get skipped() {
          return skipped;
        },
        get skipReasons() {
          return skipReasons;
        },
      };
    },
    forget(target, collector) {
      samples.delete(keyOf(target, collector));
    },
  };
}

/** A QueryRunner that counts the statements it sends (the statement budget tests read it). */
export interface CountingQueryRunner extends QueryRunner {
  readonly statements: number;
}

export interface CollectorHarnessOptions {
  readonly target?: string;
  readonly settings?: Partial<CollectorSettingsInput>;
  /** Tenant discovery for ctx.tenants(); default: schemas matching settings.tenants.schemaPattern. */
  readonly tenants?: (db: QueryRunner, settings: CollectorSettings) => Promise<readonly Tenant[]>;
  /** Shared with another harness to continue its baselines; default a fresh store. */
  readonly counters?: MemoryCounterStore;
}

export interface CollectorRun {
  readonly result: CollectorResult;
  /** Statements the collector itself sent in this run. */
  readonly statements: number;
  /** Deltas not published, as the runtime counts them (tracker skips + result.deltasSkipped). */
  readonly deltasSkipped: number;
  /** Why the tracker skipped deltas in this run (distinct reasons; empty when none were). */
  readonly skipReasons: readonly DeltaSkipReason[];
}

export interface CollectorHarness {
  readonly target: string;
  readonly settings: CollectorSettings;
  readonly serverVersion: number;
  readonly counters: MemoryCounterStore;
  /** Everything the collectors logged through ctx.log (JSON lines). */
  readonly log: ReturnType<typeof createMemoryLogger>;
  /** Runs one collector in its own READ ONLY transaction. `now` defaults to the current time. */
  run<Ctx extends CollectorContext>(collector: Collector<Ctx>, options?: { now?: Date }): Promise<CollectorResult>;
  /** Like run(), also reporting the statements the collector sent. */
  runCounted<Ctx extends CollectorContext>(collector: Collector<Ctx>, options?: { now?: Date }): Promise<CollectorRun>;
  /** The harness's own backend pid (its session appears in pg_stat_activity). */
  readonly pid: number;
  close(): Promise<void>;
}

async function patternTenants(db: QueryRunner, settings: CollectorSettings): Promise<readonly Tenant[]> {
  const pattern = settings.tenants.schemaPattern;
  if (pattern === undefined) throw new Error('collector harness: pass options.tenants when discovery is not by schema pattern');
  const rows = await db.query<{ schema: string }>('SELECT nspname AS schema FROM pg_namespace WHERE nspname ~ $1 ORDER BY nspname', [pattern]);
  return rows.map((r) => ({ schema: r.schema, name: r.schema }));
}

export async function createCollectorHarness(url: string, options: CollectorHarnessOptions = {}): Promise<CollectorHarness> {
  const target = options.target ?? HARNESS_TARGET;
  const settings = collectorSettingsSchema.parse({ target, ...options.settings });
  const client = new pg.Client({
    connectionString: url,
    application_name: HARNESS_APPLICATION_NAME,
    // As in production: the server refuses writes from the first packet on.
    options: `-c default_transaction_read_only=on -c statement_timeout=${settings.statementTimeoutMs} -c lock_timeout=${settings.lockTimeoutMs} -c jit=off`,
  });
  await client.connect();
  const version = await client.query<{ v: string; pid: number }>("SELECT current_setting('server_version_num') AS v, pg_backend_pid() AS pid");
  // As in production: the session's own reads are left out of the statistics where the role may.
  const ownReadsExcluded = (await client.query<{ own_reads_excluded: boolean }>(sqlFor(SESSION_SETTINGS_SQL, Number(version.rows[0]!.v), 'harness'))).rows[0]!.own_reads_excluded;
  const counters = options.counters ?? createMemoryCounterStore();
  const log = createMemoryLogger('collector-test');
  const discover = options.tenants ?? patternTenants;

  // Two runs in the same millisecond would have no interval between them (deltas read that
  // as a concurrent run, windows as empty): the harness's clock never repeats a value.
  let lastNow = 0;
  const nextNow = () => {
    lastNow = Math.max(Date.now(), lastNow + 1);
    return new Date(lastNow);
  };

  async function runCounted<Ctx extends CollectorContext>(collector: Collector<Ctx>, runOptions: { now?: Date } = {}): Promise<CollectorRun> {
    const now = runOptions.now ?? nextNow();
    let statements = 0;
    const db: QueryRunner = {
      async query(text, params) {
        statements++;
        // Extended protocol, as the runtime: one call is exactly one statement.
        const r = await client.query({ text, values: params as unknown[] | undefined, queryMode: 'extended' } as pg.QueryConfig);
        return r.rows;
      },
    };
    let tenants: Promise<readonly Tenant[]> | undefined;
    let timeoutMs = settings.statementTimeoutMs;
    const serverVersion = Number(version.rows[0]!.v);
    // As the runtime: read once per run, a failure not remembered.
    const statementStatistics = onceSucceeded((runner) => readStatementStatistics(runner, serverVersion));
    const tracker = counters.tracker(target, collector.name, now);
    const ctx: CollectorContext = {
      target,
      settings,
      serverVersion,
      db,
      counters: tracker,
      now,
      log: log.child({ collector: collector.name }),
      signal: new AbortController().signal,
      tenants: () => (tenants ??= discover(db, settings)),
      statementStatistics: () => statementStatistics(db),
      ownReadsExcluded,
      // The runtime's own statement, not the collector's: not counted.
      statementTimeout: async (ms) => {
        timeoutMs = ms;
        await client.query(statementTimeoutSql(ms));
      },
      endTransaction: async () => {
        await client.query(`COMMIT; BEGIN READ ONLY; ${statementTimeoutSql(timeoutMs)}`);
      },
    };
    await client.query('BEGIN READ ONLY');
    await client.query(statementTimeoutSql(settings.statementTimeoutMs));
    try {
      // The runtime's context type is CollectorContext; collectors with a richer Ctx build on it.
      const result = await collector.collect(ctx as Ctx);
      await client.query('COMMIT');
      return { result, statements, deltasSkipped: tracker.skipped + (result.deltasSkipped ?? 0), skipReasons: tracker.skipReasons };
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  }

  return {
    target,
    settings,
    serverVersion: Number(version.rows[0]!.v),
    counters,
    log,
    pid: version.rows[0]!.pid,
    runCounted,
    run: async (collector, runOptions) => (await runCounted(collector, runOptions)).result,
    close: () => client.end(),
  };
}
