/**
 * pg_stat_database counters of the target database, as interval deltas: cache hits and
 * disk reads (and the hit rate), deadlocks, transactions per second, temporary bytes.
 * The epoch is the postmaster start time plus the view's stats_reset, so a restart or a
 * pg_stat_reset() drops the interval instead of publishing a negative or inflated delta.
 */
import { CacheHitRate, CacheHits, Deadlocks, DiskReads, Layer, TempBytes, TransactionsPerSecond } from '../../../core/catalog/index.js';
import { type Datum, datum } from '../../../core/metrics/datum.js';
import { counterCollector } from '../shared/counter-collector.js';

export const DATABASE_STATS_TIMEOUT_MS = 5_000;
const PERCENT = 100;

const COUNTERS = ['blks_hit', 'blks_read', 'deadlocks', 'xact_commit', 'xact_rollback', 'temp_bytes'] as const;
type Row = Record<(typeof COUNTERS)[number], string> & { server_started_at: Date; stats_reset: Date | null };

/** The same columns exist from PostgreSQL 14 to 18. */
export const databaseStatsSql = [{
  minVersion: 140000,
  text: `SELECT pg_postmaster_start_time() AS server_started_at, stats_reset,
       blks_hit, blks_read, deadlocks, xact_commit, xact_rollback, temp_bytes
FROM pg_stat_database
WHERE datname = current_database()`,
}] as const;

/** The datums of one interval, from its deltas. Pure. */
export function databaseStatsDatums(target: string, delta: Readonly<Record<string, number>>, intervalSeconds: number): Datum[] {
  const dims = { Database: target };
  const hit = delta.blks_hit ?? 0;
  const read = delta.blks_read ?? 0;
  const datums = [
    datum(CacheHits, dims, hit),
    datum(DiskReads, dims, read),
    datum(Deadlocks, dims, delta.deadlocks ?? 0),
    datum(TempBytes, dims, delta.temp_bytes ?? 0),
  ];
  // No block access in the interval: a hit rate would be 0/0, not 0 % or 100 %.
  if (hit + read > 0) datums.push(datum(CacheHitRate, dims, (PERCENT * hit) / (hit + read)));
  if (intervalSeconds > 0) {
    datums.push(datum(TransactionsPerSecond, dims, ((delta.xact_commit ?? 0) + (delta.xact_rollback ?? 0)) / intervalSeconds));
  }
  return datums;
}

const ENTRY = 'database';

export const databaseStats = counterCollector<Row>({
  name: 'database-stats',
  layer: Layer.Database,
  timeoutMs: DATABASE_STATS_TIMEOUT_MS,
  sql: databaseStatsSql,
  key: () => ENTRY,
  counters: COUNTERS,
  epoch: (row) => ({ serverStartedAt: row.server_started_at, statsResetAt: row.stats_reset }),
  publish: (deltas, ctx) => {
    const delta = deltas.entries.get(ENTRY);
    return { datums: delta ? databaseStatsDatums(ctx.target, delta, deltas.intervalSeconds) : [] };
  },
});
