/** Layer 1: PostgreSQL, from pg_stat_* views. Dimension `Database` = the target's name. */
import { Dimension as D, Layer, Namespace, metric } from './metric.js';

const base = { namespace: Namespace.Database, layer: Layer.Database } as const;
const perDatabase = [[D.Database]] as const;

export const CacheHitRate = metric({
  ...base, name: 'CacheHitRate', unit: 'Percent', dimensionSets: perDatabase,
  description: 'Share of shared-buffer block reads served from cache over the interval: Δblks_hit / (Δblks_hit + Δblks_read), pg_stat_database.',
});

export const CacheHits = metric({
  ...base, name: 'CacheHits', unit: 'Count', dimensionSets: perDatabase,
  description: 'Blocks found in shared buffers over the interval (Δblks_hit, pg_stat_database).',
});

export const DiskReads = metric({
  ...base, name: 'DiskReads', unit: 'Count', dimensionSets: perDatabase,
  description: 'Blocks read from disk or OS cache over the interval (Δblks_read, pg_stat_database).',
});

export const QueryLatency = metric({
  ...base, name: 'QueryLatency', unit: 'Milliseconds', dimensionSets: perDatabase,
  description: 'Estimate: per-statement interval mean (Δtotal_exec_time / Δcalls, pg_stat_statements) published as a distribution weighted by Δcalls, so p50/p95/p99 are call-weighted statement means, not true per-call percentiles.',
});

export const Connections = metric({
  ...base, name: 'Connections', unit: 'Count', dimensionSets: [[D.Database], [D.Database, D.State]] as const,
  description: 'Client backends (pg_stat_activity), in total and by state (active, idle, idle in transaction, ...).',
});

export const ConnectionUtilization = metric({
  ...base, name: 'ConnectionUtilization', unit: 'Percent', dimensionSets: perDatabase,
  description: 'Client backends / (max_connections - superuser_reserved_connections - reserved_connections).',
});

export const ConnectionsByApplication = metric({
  ...base, name: 'ConnectionsByApplication', unit: 'Count', dimensionSets: [[D.Database, D.ApplicationName]] as const,
  description: 'Client backends per application_name (the connection-pool view); the top applications only, the rest as "other".',
});

export const IdleInTransaction = metric({
  ...base, name: 'IdleInTransaction', unit: 'Count', dimensionSets: perDatabase,
  description: 'Sessions idle inside an open transaction (they hold locks and snapshots).',
});

export const LongestTransactionSeconds = metric({
  ...base, name: 'LongestTransactionSeconds', unit: 'Seconds', dimensionSets: perDatabase,
  description: 'Age of the oldest open transaction among client backends (0 when none).',
});

export const BlockedSessions = metric({
  ...base, name: 'BlockedSessions', unit: 'Count', dimensionSets: perDatabase,
  description: 'Sessions waiting on a lock held by another session (pg_blocking_pids).',
});

export const Deadlocks = metric({
  ...base, name: 'Deadlocks', unit: 'Count', dimensionSets: perDatabase,
  description: 'Deadlocks detected over the interval (Δdeadlocks, pg_stat_database).',
});

export const TransactionsPerSecond = metric({
  ...base, name: 'TransactionsPerSecond', unit: 'Count/Second', dimensionSets: perDatabase,
  description: '(Δxact_commit + Δxact_rollback) / interval seconds.',
});

export const TempBytes = metric({
  ...base, name: 'TempBytes', unit: 'Bytes', dimensionSets: perDatabase,
  description: 'Bytes written to temporary files over the interval (Δtemp_bytes): sorts and hashes spilling to disk.',
});

export const ReplicationLagSeconds = metric({
  ...base, name: 'ReplicationLagSeconds', unit: 'Seconds', dimensionSets: perDatabase,
  description: 'On a replica: now() - pg_last_xact_replay_timestamp(), 0 when caught up; on a primary: the largest replay_lag of its standbys (0 without standbys).',
});

export const DatabaseUp = metric({
  ...base, name: 'DatabaseUp', unit: 'None', dimensionSets: perDatabase,
  description: '1 when the collector connected and ran SELECT 1, 0 when it could not.',
});

export const ConnectionFailures = metric({
  ...base, name: 'ConnectionFailures', unit: 'Count', dimensionSets: perDatabase,
  description: 'Failed connection attempts by the collector during the run.',
});
