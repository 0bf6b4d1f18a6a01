/**
 * Runs one collector in isolation: in the run's shared READ ONLY transaction with its own
 * statement_timeout (run-transaction.ts), a client-side timer that aborts it, and a result
 * that is either its datums or a failure with a clear reason. Nothing a collector does can
 * stop the others.
 */
import type { Collector, CollectorContext, CollectorLogLine, CollectorResult, QueryRunner, Tenant } from '../collector.js';
import type { Layer } from '../../core/catalog/index.js';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import type { Logger } from '../../core/log/logger.js';
import type { Datum } from '../../core/metrics/datum.js';
import type { StatementStatistics } from '../collectors/shared/statement-statistics.js';
import { TenantConnectionUnavailableError, type TenantReads } from '../sources/tenant-reads.js';
import { createCounterTracker } from '../state/counter-tracker.js';
import type { StateStore } from '../state/state-store.js';
import { CollectorTimeoutError, type CollectorFailure, FailureReason, describeFailure, hasSqlState } from './collector-failure.js';
import type { ProductionConnection } from './production-connection.js';
import { type QueryStats, emptyQueryStats } from './query-stats.js';
import type { RunConnection } from './run-connection.js';
import { type PgStatStatementsState, explainPgStatStatementsFailure } from './requirements.js';
import { assertCollectorStatement } from './statement-guard.js';

/** Below this, a collector could not even open its transaction: do not start it. */
export const MIN_COLLECTOR_TIME_MS = 50;
/** How long a timed-out collector's last statement may take to let go of the connection. */
export const MAX_CLEANUP_GRACE_MS = 2_000;
/** Share of its remaining time a collector waits for the state store before it skips its deltas. */
export const STATE_STORE_WAIT_SHARE = 0.5;

export interface RunEnvironment {
  readonly target: string;
  readonly settings: CollectorSettings;
  /** 0 when the database could not be reached (only `usesDatabase: false` collectors run then). */
  readonly serverVersion: number;
  readonly now: Date;
  readonly log: Logger;
  readonly connection: RunConnection;
  /** Counted across the whole run. */
  readonly stats: QueryStats;
  readonly collectUntil: number;
  readonly store: () => Promise<StateStore>;
  /** Tenant discovery, memoised for the run. */
  readonly tenants: (db: QueryRunner) => Promise<readonly Tenant[]>;
  /** pg_stat_statements' counters, read once per run by the first collector that asks. */
  readonly statementStatistics: (db: QueryRunner) => Promise<StatementStatistics>;
  /**
   * Whether pg_stat_statements is loaded and installed: read only after a collector that
   * requires it failed as if it were missing, at most once per run.
   */
  readonly pgStatStatements: (db: QueryRunner) => Promise<PgStatStatementsState>;
  /** The run's reads on its tenant connections, where it has any. */
  readonly tenantReads?: TenantReads;
  /** Takes a `savesInBackground` collector's pending save: the run settles it before publishing. */
  readonly backgroundSave?: (save: BackgroundSave) => void;
  readonly clock: () => number;
}

/** A collector's sample still being saved when it returned (Collector.savesInBackground). */
export interface BackgroundSave {
  readonly collector: string;
  /** Entries of the sample: the deltas skipped if the save fails. */
  readonly sampled: number;
  readonly saved: Promise<boolean>;
}

export const CollectorStatus = { Ok: 'ok', Failed: 'failed', Skipped: 'skipped' } as const;
export type CollectorStatus = (typeof CollectorStatus)[keyof typeof CollectorStatus];

export interface CollectorOutcome {
  readonly name: string;
  readonly layer: Layer;
  readonly status: CollectorStatus;
  readonly failure?: CollectorFailure;
  readonly durationMs: number;
  readonly statements: number;
  readonly rows: number;
  readonly datums: readonly Datum[];
  readonly logLines: readonly CollectorLogLine[];
  readonly deltasSkipped: number;
  /** Partial failures the collector reported (e.g. one SQL source of several). */
  readonly partialErrors: readonly { readonly name: string; readonly message: string }[];
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function withinGrace(work: Promise<unknown>, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), graceMs);
    work.then(() => resolve(true), () => resolve(false)).finally(() => clearTimeout(timer));
  });
}

/** The collector's view of the connection: guarded, aborted with it, and self-healing after a failed statement. */
function scopedRunner(c: Collector, conn: ProductionConnection, signal: AbortSignal, timeLeftMs: () => number): QueryRunner {
  return {
    async query(text, params) {
      signal.throwIfAborted();
      assertCollectorStatement(text);
      if (!c.restoresSettings) conn.transaction.noteStatement(text);
      try {
        return await conn.db.query(text, params);
      } catch (error) {
        // A failed statement aborts the transaction; open a fresh one so the collector's
        // other statements (other SQL sources) still run.
        if (!signal.aborted && !conn.lost && hasSqlState(error)) {
          // If even that fails, the collector's next statement reports it; keep the first error.
          await conn.transaction.restart(timeLeftMs()).catch(() => undefined);
        }
        throw error;
      }
    },
  };
}

/** For collectors declared `usesDatabase: false` (they also run while the database is down). */
function noDatabase(collector: string): QueryRunner {
  return {
    query: () => Promise.reject(new Error(`collector ${collector} is declared usesDatabase: false but sent a query`)),
  };
}

function skipped(c: Collector, message: string): CollectorOutcome {
  return {
    name: c.name, layer: c.layer, status: CollectorStatus.Skipped,
    failure: { reason: FailureReason.RunBudgetExhausted, message },
    durationMs: 0, statements: 0, rows: 0, datums: [], logLines: [], deltasSkipped: 0, partialErrors: [],
  };
}

/**
 * A collector that requires pg_stat_statements and failed as if it were missing: says
 * precisely what is missing. The failed statement already re-opened the transaction
 * (scopedRunner), so `state` can ask on it.
 */
async function rethrowExplained(c: Collector, error: unknown, state: () => Promise<PgStatStatementsState>): Promise<never> {
  throw c.requires?.includes('pg_stat_statements') ? await explainPgStatStatementsFailure(error, state) : error;
}

export async function runCollector(c: Collector, env: RunEnvironment): Promise<CollectorOutcome> {
  const startedAt = env.clock();
  const remaining = env.collectUntil - startedAt;
  if (remaining < MIN_COLLECTOR_TIME_MS) return skipped(c, `not started: the run's time budget was spent (${Math.max(0, remaining)} ms left)`);

  const timeoutMs = Math.min(c.timeoutMs, remaining);
  // The configured statement_timeout bounds each statement; the collector's timeout bounds all of them.
  const statementTimeoutMs = Math.min(timeoutMs, env.settings.statementTimeoutMs);
  const deadline = startedAt + timeoutMs;
  const statsBefore = { ...env.stats };
  const log = env.log.child({ collector: c.name });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new CollectorTimeoutError(c.name, timeoutMs)), timeoutMs);
  const counters = createCounterTracker({
    store: env.store, target: env.target, collector: c.name, now: env.now, log,
    storeWaitMs: () => (deadline - env.clock()) * STATE_STORE_WAIT_SHARE,
    saveInBackground: c.savesInBackground === true,
  });
  let conn: ProductionConnection | undefined;

  const measure = () => {
    const spent = emptyQueryStats();
    spent.statements = env.stats.statements - statsBefore.statements;
    spent.rows = env.stats.rows - statsBefore.rows;
    return { durationMs: env.clock() - startedAt, ...spent };
  };

  try {
    let db: QueryRunner = noDatabase(c.name);
    if (c.usesDatabase !== false) {
      conn = await untilAborted(env.connection.live(), controller.signal);
      await untilAborted(conn.transaction.enter(statementTimeoutMs), controller.signal);
      db = scopedRunner(c, conn, controller.signal, () => Math.min(deadline - env.clock(), statementTimeoutMs));
    }
    const live = conn;
    const ctx: CollectorContext = {
      target: env.target,
      settings: env.settings,
      serverVersion: env.serverVersion,
      now: env.now,
      db,
      counters,
      log,
      signal: controller.signal,
      // Discovery started on a tenant connection that did not open: run it here instead.
      tenants: () => env.tenants(db).catch((error: unknown) => {
        if (error instanceof TenantConnectionUnavailableError) return env.tenants(db);
        throw error;
      }),
      statementStatistics: () => env.statementStatistics(db),
      ownReadsExcluded: live?.ownReadsExcluded ?? false,
      ...(env.tenantReads && live ? { tenantReads: env.tenantReads } : {}),
      async statementTimeout(ms) {
        if (!live) throw new Error(`collector ${c.name} is declared usesDatabase: false but set a statement timeout`);
        controller.signal.throwIfAborted();
        await live.transaction.statementTimeout(Math.min(ms, deadline - env.clock()));
      },
      async endTransaction() {
        if (!live) throw new Error(`collector ${c.name} is declared usesDatabase: false but ended a transaction`);
        controller.signal.throwIfAborted();
        await live.transaction.renew();
      },
    };
    const result: CollectorResult = await untilAborted(Promise.resolve().then(() => c.collect(ctx)), controller.signal)
      .catch((error: unknown) => rethrowExplained(c, error, () => untilAborted(env.pgStatStatements(db), controller.signal)));
    if (c.savesInBackground) env.backgroundSave?.({ collector: c.name, sampled: counters.sampled, saved: counters.saved() });
    return {
      name: c.name, layer: c.layer, status: CollectorStatus.Ok, ...measure(),
      datums: result.datums, logLines: result.logLines ?? [],
      deltasSkipped: counters.skipped + (result.deltasSkipped ?? 0),
      partialErrors: result.errors ?? [],
    };
  } catch (error) {
    controller.abort(error);
    const failure = describeFailure(error, { timeoutMs, statementTimeoutMs, connectionLost: c.usesDatabase !== false && (conn === undefined || conn.lost) });
    // The server ended the session: make sure the next collector reconnects.
    if (conn && failure.reason === FailureReason.ConnectionLost) conn.destroy();
    if (conn && !conn.lost) {
      const released = await withinGrace(conn.transaction.rollback(), Math.min(timeoutMs, MAX_CLEANUP_GRACE_MS));
      // A statement that outlives its own timeout: drop the socket, the next collector reconnects.
      if (!released) conn.destroy();
    }
    return {
      name: c.name, layer: c.layer, status: CollectorStatus.Failed, failure, ...measure(),
      // The sample is already the next baseline: every delta of this run is lost.
      datums: [], logLines: [], deltasSkipped: counters.sampled, partialErrors: [],
    };
  } finally {
    clearTimeout(timer);
  }
}
