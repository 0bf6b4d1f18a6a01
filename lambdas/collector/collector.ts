/**
 * What a collector is. Each collector is a small declarative definition: a name, a time
 * budget, SQL chosen by server version, and a pure function from rows (and counter
 * deltas) to catalog datums. The runtime (runtime/) gives it a read-only connection,
 * isolates its failures and publishes what it returns.
 */
import type { Layer } from '../core/catalog/index.js';
import type { CollectorSettings } from '../core/config/collector-settings.js';
import type { Logger } from '../core/log/logger.js';
import type { Datum } from '../core/metrics/datum.js';
import type { Source } from '../core/config/sources.js';
import type { StatementStatistics } from './collectors/shared/statement-statistics.js';
import type { TenantReads } from './sources/tenant-reads.js';

/** A read-only, statement-counted query runner on the production connection. */
export interface QueryRunner {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** SQL text valid from a server_version_num upwards (e.g. 170000 for PostgreSQL 17). */
export interface VersionedSql {
  readonly minVersion: number;
  readonly text: string;
}

/** Picks the variant with the highest minVersion not above the server's version. */
export function sqlFor(variants: readonly VersionedSql[], serverVersion: number, collector: string): string {
  let best: VersionedSql | undefined;
  for (const v of variants) if (v.minVersion <= serverVersion && (!best || v.minVersion > best.minVersion)) best = v;
  if (!best) throw new Error(`collector ${collector}: no SQL for server_version_num ${serverVersion}`);
  return best.text;
}

/** One sample of monotonically increasing counters: entry key -> counter name -> value. */
export type CounterSample = Readonly<Record<string, Readonly<Record<string, number>>>>;

export const DeltaSkipReason = {
  Baseline: 'baseline',
  StatsReset: 'stats-reset',
  ServerRestart: 'server-restart',
  CounterWentBackwards: 'counter-went-backwards',
  NewEntry: 'new-entry',
  BaselineTakenByConcurrentRun: 'concurrent-run',
  StateStoreUnavailable: 'state-store-unavailable',
} as const;
export type DeltaSkipReason = (typeof DeltaSkipReason)[keyof typeof DeltaSkipReason];

export interface Deltas {
  /** Seconds between the previous sample and this one (0 when there is no previous sample). */
  readonly intervalSeconds: number;
  /** Deltas for entries present in both samples whose counters all moved forwards. */
  readonly entries: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /** Entries with no delta this run, and why (a whole-sample reason uses key '*'). */
  readonly skipped: readonly { readonly key: string; readonly reason: DeltaSkipReason }[];
}

/**
 * Turns counter samples into interval deltas, keeping the previous sample in the state
 * store. `epoch` identifies the counters' lifetime (e.g. postmaster start + stats_reset):
 * when it changes, every delta is dropped.
 */
export interface CounterTracker {
  deltas(sample: CounterSample, epoch: string): Promise<Deltas>;
  /**
   * The previous sample, for a collector that decides its own sample only after reading
   * it (the SQL sources' windows: a failed source keeps its start). Saves nothing; the
   * run's deltas() call then saves against the same loaded version.
   */
  previous(epoch: string): Promise<PreviousSample>;
}

/** The previous run's sample, or why there is none to compare with. */
export interface PreviousSample {
  readonly sample?: CounterSample;
  readonly skipReason?: DeltaSkipReason;
}

/** A tenant: its schema (always used as a quoted identifier) and a display name. */
export interface Tenant {
  readonly schema: string;
  readonly name: string;
}

export interface CollectorContext {
  /** The target's name: the `Database` dimension of every datum. */
  readonly target: string;
  readonly settings: CollectorSettings;
  /** Discovered tenants; discovery runs once per run, on first use. */
  tenants(): Promise<readonly Tenant[]>;
  /**
   * pg_stat_statements' counters of every entry of this database, read once per run by the
   * first collector that asks (a failure is not remembered: the next caller reads again).
   */
  statementStatistics(): Promise<StatementStatistics>;
  readonly serverVersion: number;
  readonly db: QueryRunner;
  /** Deltas for this collector's counters (state kept outside the production database). */
  readonly counters: CounterTracker;
  readonly now: Date;
  readonly log: Logger;
  /** Aborted when the collector's own timeout or the run's time budget expires. */
  readonly signal: AbortSignal;
  /**
   * Bounds this collector's following statements (server-side statement_timeout), e.g.
   * to one SQL source's timeout; never past the collector's own deadline. The runtime
   * owns the setting: never SET statement_timeout yourself.
   */
  statementTimeout(ms: number): Promise<void>;
  /**
   * Ends the run's transaction now, releasing the locks this collector's statements took
   * (each table read holds one until the transaction ends), e.g. between the chunks of a
   * perTenant source; the next statement runs in a fresh READ ONLY transaction with the
   * same statement timeout. Costs 3 statements (COMMIT, BEGIN, the timeout).
   */
  endTransaction(): Promise<void>;
  /** True when this session's own reads are left out of the table statistics (track_counts off). */
  readonly ownReadsExcluded: boolean;
  /**
   * perTenant source reads on the run's tenant connections (setting `tenantConnections`),
   * in parallel with the other collectors; undefined where the run has none, and the
   * sources then run on `db`.
   */
  readonly tenantReads?: TenantReads;
}

/** A structured log line a collector wants written once per run (e.g. the top-10 statements). */
export interface CollectorLogLine {
  readonly event: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface CollectorResult {
  readonly datums: readonly Datum[];
  readonly logLines?: readonly CollectorLogLine[];
  /**
   * Deltas not published for reasons of the collector's own, counted into DeltasSkipped.
   * Do not repeat the CounterTracker's skips here: the runtime counts those itself (a
   * whole-sample skip counts every entry of the sample).
   */
  readonly deltasSkipped?: number;
  /** Partial failures that did not stop the collector (e.g. one SQL source of several). */
  readonly errors?: readonly { readonly name: string; readonly message: string }[];
}

export interface Collector<Ctx extends CollectorContext = CollectorContext> {
  readonly name: string;
  readonly layer: Layer;
  readonly timeoutMs: number;
  /**
   * PostgreSQL features it needs. Not checked up front: when such a collector fails as if
   * one were missing, the runtime finds out which and reports the fix.
   */
  readonly requires?: readonly ('pg_stat_statements')[];
  /**
   * false for collectors that never query the database (the health-check probes): the
   * runtime can run them without a transaction and also when the database is unreachable,
   * which is exactly when an API health probe matters. Default true.
   */
  readonly usesDatabase?: boolean;
  /**
   * true for a collector that puts back every setting it changes before it returns (the
   * schema-switch probe). Otherwise a collector whose statements may change a setting
   * (SET, RESET, set_config) ends the shared transaction, so nothing it set reaches the
   * next collector. Default false.
   */
  readonly restoresSettings?: boolean;
  /**
   * The perTenant SQL sources this collector publishes: the runtime starts their reads on
   * the tenant connections as the run begins (runtime/prefetch-tenant-reads.ts).
   */
  readonly perTenantSources?: (settings: CollectorSettings) => readonly Source[];
  /**
   * Every datum and log line of this collector depends on its counter deltas: its sample
   * is saved while the run goes on (a state-database round trip less on the run's path),
   * and if that save fails (another run saved first, the state database went away) the
   * collector publishes nothing this run, as if its deltas had been skipped.
   */
  readonly savesInBackground?: boolean;
  collect(ctx: Ctx): Promise<CollectorResult>;
}

export function collector<Ctx extends CollectorContext = CollectorContext>(def: Collector<Ctx>): Collector<Ctx> {
  return def;
}
