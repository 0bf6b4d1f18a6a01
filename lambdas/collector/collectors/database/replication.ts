/**
 * ReplicationLagSeconds, guarded against the classic false alarm: on a replica,
 * now() - pg_last_xact_replay_timestamp() grows without bound while the primary is idle,
 * although nothing is behind. So:
 * - primary: the largest replay_lag of its standbys (pg_stat_replication); 0 without
 *   standbys, and 0 for a standby whose replay_lag is NULL (caught up and idle);
 * - replica: 0 when everything received has been replayed (even before the first replayed
 *   transaction); otherwise the age of the last replayed transaction; nothing at all when
 *   it is behind but has replayed no transaction yet (there is no honest number). A
 *   replica cut off from its primary keeps its last received position: that outage shows
 *   on the primary (DatabaseUp), not as lag.
 * Aurora readers report their lag in AWS/RDS (AuroraReplicaLag), not here.
 */
import { Layer, ReplicationLagSeconds } from '../../../core/catalog/index.js';
import { datum } from '../../../core/metrics/datum.js';
import { toNumber, toNumberOrNull } from '../shared/pg-values.js';
import { SEES_ALL_STATS_SQL, requireAllStats } from '../shared/privileges.js';
import { rowCollector } from '../shared/row-collector.js';

export const REPLICATION_TIMEOUT_MS = 5_000;

/** Same functions and columns from PostgreSQL 14 to 18. */
export const replicationSql = [{
  minVersion: 140000,
  text: `SELECT pg_is_in_recovery() AS in_recovery,
       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() END AS replayed_all_received,
       CASE WHEN pg_is_in_recovery() THEN extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END AS replay_age_seconds,
       (SELECT count(*) FROM pg_stat_replication) AS standbys,
       (SELECT extract(epoch FROM max(replay_lag)) FROM pg_stat_replication) AS max_standby_replay_lag_seconds,
       ${SEES_ALL_STATS_SQL} AS sees_all_standbys`,
}] as const;

export interface ReplicationRow {
  readonly in_recovery: boolean;
  /** NULL on a primary, or on a replica that receives no WAL stream (archive recovery). */
  readonly replayed_all_received: boolean | null;
  readonly replay_age_seconds: string | number | null;
  readonly standbys: string | number;
  readonly max_standby_replay_lag_seconds: string | number | null;
  /** Without pg_read_all_stats, pg_stat_replication lists the standbys but hides their lag. */
  readonly sees_all_standbys?: boolean;
}

export type ReplicationLag = { readonly seconds: number } | { readonly unknown: string };

/** The guarded lag. Pure. */
export function replicationLag(row: ReplicationRow): ReplicationLag {
  if (!row.in_recovery) {
    if (toNumber(row.standbys, 'standbys') === 0) return { seconds: 0 };
    return { seconds: toNumberOrNull(row.max_standby_replay_lag_seconds, 'max_standby_replay_lag_seconds') ?? 0 };
  }
  if (row.replayed_all_received === true) return { seconds: 0 };
  const age = toNumberOrNull(row.replay_age_seconds, 'replay_age_seconds');
  if (age === null) return { unknown: 'the replica is behind but has not replayed any transaction yet' };
  return { seconds: Math.max(0, age) };
}

export const replication = rowCollector<ReplicationRow & Record<string, unknown>>({
  name: 'replication',
  layer: Layer.Database,
  timeoutMs: REPLICATION_TIMEOUT_MS,
  sql: replicationSql,
  publish: (row, ctx) => {
    // A hidden replay_lag reads as NULL, which would publish 0 for a standby far behind.
    if (!row.in_recovery && toNumber(row.standbys, 'standbys') > 0) requireAllStats(row.sees_all_standbys, 'standbys in pg_stat_replication');
    const lag = replicationLag(row);
    if ('unknown' in lag) {
      ctx.log.info('replication_lag_unknown', { reason: lag.unknown });
      return { datums: [] };
    }
    return { datums: [datum(ReplicationLagSeconds, { Database: ctx.target }, lag.seconds)] };
  },
});
