/**
 * Sessions, from one read of pg_stat_activity: connections in total and by state, the
 * utilization of the connection limit, connections per application_name (the pool view),
 * sessions idle in a transaction, the oldest open transaction and sessions blocked on a
 * lock. Server-wide (client backends of every database), because the connection limit is.
 */
import {
  BlockedSessions,
  ConnectionUtilization,
  Connections,
  ConnectionsByApplication,
  IdleInTransaction,
  Layer,
  LongestTransactionSeconds,
} from '../../../core/catalog/index.js';
import { type Datum, datum } from '../../../core/metrics/datum.js';
import { toNumber } from '../shared/pg-values.js';
import { SEES_ALL_STATS_SQL, requireAllStats } from '../shared/privileges.js';
import { rowCollector } from '../shared/row-collector.js';
import { dimensionValue } from '../../tenants/dimension-value.js';
import { OWN_APPLICATION_NAMES } from '../../runtime/pg-client.js';

export const ACTIVITY_TIMEOUT_MS = 5_000;
/** application_name values published as their own dimension; the rest add up to OTHER_APPLICATIONS. */
export const MAX_APPLICATION_NAMES = 10;
export const OTHER_APPLICATIONS = 'other';
/** The dimension value for sessions that set no application_name (CloudWatch rejects an empty value). */
export const UNNAMED_APPLICATION = 'unnamed';
const PERCENT = 100;

/** pg_stat_activity.state values, published every run (0 included) so graphs have no gaps. */
export const ConnectionState = {
  Active: 'active',
  Idle: 'idle',
  IdleInTransaction: 'idle in transaction',
  IdleInTransactionAborted: 'idle in transaction (aborted)',
  FastpathFunctionCall: 'fastpath function call',
  Disabled: 'disabled',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];
/** A client backend without a state (track_activities off reports 'disabled'; kept defensively). */
export const UNKNOWN_STATE = 'unknown';

const ownNames = OWN_APPLICATION_NAMES.map((n) => `'${n}'`).join(', ');
const IDLE_IN_TRANSACTION_STATES = `'${ConnectionState.IdleInTransaction}', '${ConnectionState.IdleInTransactionAborted}'`;

/**
 * Blocked = waiting on a heavyweight lock that another session holds. pg_blocking_pids()
 * takes the lock manager's locks, so it is only called for sessions already waiting.
 * Connections count every client backend (tenantwatch's too: it uses a slot), but the
 * transaction health figures leave out tenantwatch's own sessions: the run's production
 * session and, when the state database shares the server, the state session.
 */
const activitySql = (reservedConnections: string) => `WITH backends AS (
  SELECT pid, coalesce(state, '${UNKNOWN_STATE}') AS state, nullif(application_name, '') AS application_name, xact_start,
         CASE WHEN wait_event_type = 'Lock' THEN cardinality(pg_blocking_pids(pid)) > 0 ELSE false END AS blocked,
         pid = pg_backend_pid() OR application_name IN (${ownNames}) AS own
  FROM pg_stat_activity
  WHERE backend_type = 'client backend'
)
SELECT
  (SELECT count(*) FROM backends) AS total,
  (SELECT coalesce(json_object_agg(state, n), '{}') FROM (SELECT state, count(*) AS n FROM backends GROUP BY state) s) AS by_state,
  (SELECT coalesce(json_agg(json_build_array(application_name, n)), '[]')
     FROM (SELECT application_name, count(*) AS n FROM backends GROUP BY application_name) a) AS by_application,
  (SELECT count(*) FROM backends WHERE state IN (${IDLE_IN_TRANSACTION_STATES}) AND NOT own) AS idle_in_transaction,
  (SELECT count(*) FROM backends WHERE blocked AND NOT own) AS blocked,
  (SELECT coalesce(extract(epoch FROM max(clock_timestamp() - xact_start)), 0) FROM backends WHERE NOT own) AS longest_transaction_seconds,
  current_setting('max_connections')::int AS max_connections,
  current_setting('superuser_reserved_connections')::int AS superuser_reserved_connections,
  ${reservedConnections} AS reserved_connections,
  ${SEES_ALL_STATS_SQL} AS sees_all_sessions`;

export const activitySqlVariants = [
  { minVersion: 140000, text: activitySql('0') },
  // reserved_connections (slots for pg_use_reserved_connections) exists since PostgreSQL 16.
  { minVersion: 160000, text: activitySql("current_setting('reserved_connections')::int") },
] as const;

export interface ActivityRow {
  readonly total: string | number;
  readonly by_state: Readonly<Record<string, number>>;
  readonly by_application: readonly (readonly [string | null, number])[];
  readonly idle_in_transaction: string | number;
  readonly blocked: string | number;
  readonly longest_transaction_seconds: string | number;
  readonly max_connections: number;
  readonly superuser_reserved_connections: number;
  readonly reserved_connections: number;
  readonly sees_all_sessions: boolean;
}

/** The top applications by connection count (ties by name), the rest summed as OTHER_APPLICATIONS. */
export function capApplications(byApplication: ActivityRow['by_application'], max = MAX_APPLICATION_NAMES): [string, number][] {
  const merged = new Map<string, number>();
  for (const [name, n] of byApplication) {
    // Any client sets its application_name: sanitised before merging, so names that map to
    // one dimension value (all blank ones) become one datum, not several with equal dimensions.
    const key = name === null ? UNNAMED_APPLICATION : dimensionValue(name);
    merged.set(key, (merged.get(key) ?? 0) + n);
  }
  const sorted = [...merged].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const top = sorted.slice(0, max);
  const rest = sorted.slice(max).reduce((n, [, count]) => n + count, 0);
  if (rest > 0) {
    const other = top.find(([name]) => name === OTHER_APPLICATIONS);
    if (other) other[1] += rest;
    else top.push([OTHER_APPLICATIONS, rest]);
  }
  return top;
}

/** Connection slots ordinary clients can use. */
export function usableConnections(row: Pick<ActivityRow, 'max_connections' | 'superuser_reserved_connections' | 'reserved_connections'>): number {
  return row.max_connections - row.superuser_reserved_connections - row.reserved_connections;
}

export function activityDatums(target: string, row: ActivityRow): Datum[] {
  const dims = { Database: target };
  const total = toNumber(row.total, 'total');
  const byState = row.by_state;
  const states = new Set<string>([...Object.values(ConnectionState), ...Object.keys(byState)]);
  const datums = [
    datum(Connections, dims, total),
    ...[...states].map((state) => datum(Connections, { ...dims, State: state }, byState[state] ?? 0)),
    ...capApplications(row.by_application).map(([name, n]) => datum(ConnectionsByApplication, { ...dims, ApplicationName: name }, n)),
    datum(IdleInTransaction, dims, toNumber(row.idle_in_transaction, 'idle_in_transaction')),
    datum(LongestTransactionSeconds, dims, toNumber(row.longest_transaction_seconds, 'longest_transaction_seconds')),
    datum(BlockedSessions, dims, toNumber(row.blocked, 'blocked')),
  ];
  const usable = usableConnections(row);
  if (usable > 0) datums.push(datum(ConnectionUtilization, dims, (PERCENT * total) / usable));
  return datums;
}

export const activity = rowCollector<ActivityRow & Record<string, unknown>>({
  name: 'activity',
  layer: Layer.Database,
  timeoutMs: ACTIVITY_TIMEOUT_MS,
  sql: activitySqlVariants,
  publish: (row, ctx) => {
    requireAllStats(row.sees_all_sessions, 'sessions in pg_stat_activity');
    return { datums: activityDatums(ctx.target, row) };
  },
});
