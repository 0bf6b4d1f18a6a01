/**
 * pg_stat_statements, read once per run for every collector that needs it (`statements`,
 * `cross-tenant-queries`): the runtime memoises `ctx.statementStatistics()` like
 * `ctx.tenants()`. With 10,000 entries the read is the costliest statement of the database
 * layer, so it is one statement, without query text (pg_stat_statements(false): no read
 * of the query-text file), returning ONE row of arrays (an entry is element i of each):
 * parsing 10,000 row objects costs more than parsing six arrays. Each collector picks the
 * entries and the key it needs.
 */
import { MissingRequirementError } from '../../runtime/collector-failure.js';
import { isPgStatStatementsMissing } from '../../runtime/requirements.js';
import type { QueryRunner, VersionedSql } from '../../collector.js';
import { sqlFor } from '../../collector.js';
import { isoMillisFromJsonTimestamp } from './json-timestamp.js';
import { toNumber } from './pg-values.js';
import { SEES_ALL_STATS_SQL, requireAllStats } from './privileges.js';

/** The current database's oid, as SQL (pg_stat_statements' dbid). */
export const THIS_DATABASE_SQL = '(SELECT oid FROM pg_database WHERE datname = current_database())';
/** The role tenantwatch connects as, as SQL (pg_stat_statements' userid of its own statements). */
const OWN_ROLE_SQL = '(SELECT oid FROM pg_roles WHERE rolname = current_user)';

/**
 * Every pg_stat_statements entry of the current database with a query id, as columns:
 * entry i is element i of each array.
 */
export interface StatementEntries {
  readonly queryid: readonly string[];
  /** The role's oid, as text. */
  readonly userid: readonly string[];
  readonly toplevel: readonly boolean[];
  /**
   * When the entry was created (PostgreSQL 17 and later), as Date.toISOString() prints it
   * (UTC, milliseconds); null before 17.
   */
  readonly statsSinceIso: readonly (string | null)[];
  readonly calls: readonly number[];
  /** Milliseconds. */
  readonly totalExecTime: readonly number[];
}

export interface StatementStatistics {
  /** pg_postmaster_start_time(): with statsResetAt, the counters' epoch. */
  readonly serverStartedAt: Date;
  /** pg_stat_statements_info.stats_reset (null when never reset). */
  readonly statsResetAt: Date | null;
  /** Whether the role sees other roles' query ids (pg_read_all_stats). */
  readonly seesAllStatements: boolean;
  /** The current database's oid (the dbid of every entry), as text. */
  readonly databaseOid: string;
  /** The oid of the role tenantwatch connects as, as text. */
  readonly ownRoleOid: string;
  readonly entries: StatementEntries;
}

/**
 * Aggregates without GROUP BY: always exactly one row, also when pg_stat_statements is
 * empty. The aggregates of one query level consume the rows in the same order, so the
 * arrays line up. JSON arrays: the client parses them with JSON.parse, several times
 * faster than PostgreSQL's array text format for 10,000 entries. stats_since, part of
 * the state-store keys, comes as JSON timestamps and is turned into exactly the text the
 * Dates of a timestamptz[] printed (json-timestamp.ts): parsing 10,000 Dates and printing
 * them again cost more than the rest of the read's parsing together.
 */
const statisticsSql = (statsSince: string) => `SELECT pg_postmaster_start_time() AS server_started_at,
       (SELECT stats_reset FROM pg_stat_statements_info) AS stats_reset,
       ${SEES_ALL_STATS_SQL} AS sees_all_statements,
       ${THIS_DATABASE_SQL}::text AS database_oid,
       ${OWN_ROLE_SQL}::text AS own_role_oid,
       coalesce(json_agg(s.queryid::text), '[]') AS queryid,
       coalesce(json_agg(s.userid::text), '[]') AS userid,
       coalesce(json_agg(s.toplevel), '[]') AS toplevel,
       coalesce(json_agg(${statsSince}), '[]') AS stats_since,
       coalesce(json_agg(s.calls), '[]') AS calls,
       coalesce(json_agg(s.total_exec_time), '[]') AS total_exec_time
FROM pg_stat_statements(false) s
WHERE s.dbid = ${THIS_DATABASE_SQL} AND s.queryid IS NOT NULL`;

export const STATEMENT_STATISTICS_SQL: readonly VersionedSql[] = [
  // total_exec_time since 13, toplevel and pg_stat_statements_info since 14.
  { minVersion: 140000, text: statisticsSql('NULL::timestamptz') },
  // An entry evicted and created again gets a new stats_since: a new entry, not a counter gone backwards.
  { minVersion: 170000, text: statisticsSql('s.stats_since') },
];

export interface StatementStatisticsRow extends Record<string, unknown> {
  server_started_at: Date;
  stats_reset: Date | null;
  sees_all_statements: boolean;
  database_oid: string;
  own_role_oid: string;
  queryid: string[];
  userid: string[];
  toplevel: boolean[];
  /** PostgreSQL's JSON form of timestamptz ("2026-01-02T03:04:05.678901+00:00"). */
  stats_since: (string | null)[];
  /** bigint as JSON numbers (as text in rows stored by hand: both are accepted). */
  calls: (number | string)[];
  total_exec_time: number[];
}

/** The row as StatementStatistics, refusing arrays that do not line up. Pure. */
export function parseStatementStatistics(row: StatementStatisticsRow): StatementStatistics {
  const entries = row.queryid.length;
  for (const column of ['userid', 'toplevel', 'stats_since', 'calls', 'total_exec_time'] as const) {
    if (row[column].length !== entries) throw new Error(`pg_stat_statements: ${column} has ${row[column].length} elements, queryid ${entries}`);
  }
  return {
    serverStartedAt: row.server_started_at,
    statsResetAt: row.stats_reset,
    seesAllStatements: row.sees_all_statements,
    databaseOid: row.database_oid,
    ownRoleOid: row.own_role_oid,
    entries: {
      queryid: row.queryid,
      userid: row.userid,
      toplevel: row.toplevel,
      statsSinceIso: row.stats_since.map((since) => (since === null ? null : isoMillisFromJsonTimestamp(since))),
      calls: row.calls.map((c) => toNumber(c, 'calls')),
      totalExecTime: row.total_exec_time,
    },
  };
}

/**
 * The one read. A missing or unloaded pg_stat_statements fails with the fix; where the
 * collector runs under the runtime, the runtime then names exactly what is missing
 * (runtime/requirements.ts); the server's error stays the cause.
 */
export async function readStatementStatistics(db: QueryRunner, serverVersion: number): Promise<StatementStatistics> {
  let row: StatementStatisticsRow | undefined;
  try {
    [row] = await db.query<StatementStatisticsRow>(sqlFor(STATEMENT_STATISTICS_SQL, serverVersion, 'statement statistics'));
  } catch (error) {
    if (!isPgStatStatementsMissing(error)) throw error;
    throw new MissingRequirementError(
      'pg_stat_statements is not installed: CREATE EXTENSION pg_stat_statements; (version 1.9 or later: ALTER EXTENSION pg_stat_statements UPDATE) ' +
      `and add it to shared_preload_libraries (server said: ${(error as Error).message})`,
      { cause: error },
    );
  }
  if (!row) throw new Error('pg_stat_statements: the statistics statement returned no row');
  return parseStatementStatistics(row);
}

/** The run's statistics, refused where other roles' statements are hidden (their query ids would be missing). */
export async function allRolesStatementStatistics(ctx: { statementStatistics(): Promise<StatementStatistics> }): Promise<StatementStatistics> {
  const statistics = await ctx.statementStatistics();
  requireAllStats(statistics.seesAllStatements, 'statements in pg_stat_statements');
  return statistics;
}
