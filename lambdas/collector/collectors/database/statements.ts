/**
 * QueryLatency and the top-10 slowest statements of the interval, from pg_stat_statements.
 *
 * Per entry (queryid + userid + dbid, top-level statements of the target database), the
 * interval mean is Δtotal_exec_time / Δcalls; QueryLatency is the distribution of those
 * means weighted by Δcalls, so CloudWatch's p50/p95/p99 are call-weighted statement means
 * (an estimate, not per-call percentiles). Entries without calls in the interval, new
 * entries and entries of tenantwatch's own role are left out.
 *
 * Cost: pg_stat_statements may hold 10,000 entries. The first statement reads them without
 * query text (pg_stat_statements(false): no read of the query-text file) and only the
 * counters; the second fetches the text of the ten slowest only. Query ids never become
 * metric dimensions: the top ten go to one structured log line.
 */
import { Layer, QueryLatency } from '../../../core/catalog/index.js';
import { type Datum, distribution } from '../../../core/metrics/datum.js';
import { type CollectorContext, type CollectorLogLine, type Deltas, sqlFor } from '../../collector.js';
import { MissingRequirementError } from '../../runtime/collector-failure.js';
import { counterCollector } from '../shared/counter-collector.js';
import { round } from '../shared/pg-values.js';
import { SEES_ALL_STATS_SQL, requireAllStats } from '../shared/privileges.js';

export const STATEMENTS_TIMEOUT_MS = 5_000;
export const TOP_STATEMENTS = 10;
/** Longest query text in the top_statements log line (normalised: whitespace collapsed). */
export const TOP_STATEMENT_TEXT_MAX_CHARS = 500;
/** Means are kept to the microsecond: equal means merge into one distribution value. */
export const LATENCY_DECIMALS = 3;
export const TOP_STATEMENTS_EVENT = 'top_statements';
const TRUNCATED = '…';

/** The current database's oid and the collector's own role, as SQL. */
const THIS_DATABASE = '(SELECT oid FROM pg_database WHERE datname = current_database())';
const OWN_ROLE = '(SELECT oid FROM pg_roles WHERE rolname = current_user)';

/**
 * One row even when pg_stat_statements is empty (the epoch still comes back). From
 * PostgreSQL 17 an entry also has stats_since: an entry evicted and created again gets a
 * new one, so it counts as a new entry instead of a counter that went backwards.
 */
const countersSql = (statsSince: string) => `SELECT pg_postmaster_start_time() AS server_started_at, i.stats_reset, ${SEES_ALL_STATS_SQL} AS sees_all_statements,
       s.queryid::text AS queryid, s.userid::text AS userid, s.dbid::text AS dbid, s.stats_since, s.calls, s.total_exec_time
FROM pg_stat_statements_info i
LEFT JOIN LATERAL (
  SELECT queryid, userid, dbid, ${statsSince} AS stats_since, calls, total_exec_time
  FROM pg_stat_statements(false)
  WHERE toplevel AND dbid = ${THIS_DATABASE} AND userid <> ${OWN_ROLE}
) s ON true`;

export const statementCountersSql = [
  // total_exec_time since 13, toplevel and pg_stat_statements_info since 14.
  { minVersion: 140000, text: countersSql('NULL::timestamptz') },
  { minVersion: 170000, text: countersSql('stats_since') },
] as const;

/** Query text of the chosen entries only; whitespace collapsed, one character over the limit to detect truncation. */
export const statementTextsSql = [{
  minVersion: 140000,
  text: `SELECT queryid::text AS queryid, userid::text AS userid,
       left(btrim(regexp_replace(query, '\\s+', ' ', 'g')), $2::int + 1) AS query
FROM pg_stat_statements(true)
WHERE toplevel AND dbid = ${THIS_DATABASE} AND queryid = ANY($1::bigint[])`,
}] as const;

type CounterRow = {
  server_started_at: Date;
  stats_reset: Date | null;
  sees_all_statements: boolean;
  queryid: string | null;
  userid: string | null;
  dbid: string | null;
  stats_since: Date | null;
  calls: string | null;
  total_exec_time: number | null;
};

const KEY_SEPARATOR = '/';
const STATS_SINCE_SEPARATOR = '@';

export function entryKey(row: Pick<CounterRow, 'queryid' | 'userid' | 'dbid' | 'stats_since'>): string | undefined {
  if (row.queryid === null || row.userid === null || row.dbid === null) return undefined;
  const key = [row.queryid, row.userid, row.dbid].join(KEY_SEPARATOR);
  return row.stats_since ? `${key}${STATS_SINCE_SEPARATOR}${row.stats_since.toISOString()}` : key;
}

/** queryid and userid of a key. */
function keyParts(key: string): { queryid: string; userid: string } {
  const [queryid = '', userid = ''] = key.split(STATS_SINCE_SEPARATOR)[0]!.split(KEY_SEPARATOR);
  return { queryid, userid };
}

export interface StatementInterval {
  readonly key: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
}

/** Entries that ran in the interval, slowest mean first. Pure. */
export function statementIntervals(deltas: Deltas): StatementInterval[] {
  const out: StatementInterval[] = [];
  for (const [key, d] of deltas.entries) {
    const calls = d.calls ?? 0;
    if (calls <= 0) continue;
    const totalMs = d.total_exec_time ?? 0;
    out.push({ key, calls, totalMs, meanMs: totalMs / calls });
  }
  return out.sort((a, b) => b.meanMs - a.meanMs || b.calls - a.calls || a.key.localeCompare(b.key));
}

/** QueryLatency: interval means weighted by calls, equal (rounded) means merged. Pure. */
export function queryLatencyDatum(target: string, intervals: readonly StatementInterval[]): Datum | undefined {
  if (intervals.length === 0) return undefined;
  const weights = new Map<number, number>();
  for (const s of intervals) {
    const value = round(s.meanMs, LATENCY_DECIMALS);
    weights.set(value, (weights.get(value) ?? 0) + s.calls);
  }
  const values = [...weights.keys()].sort((a, b) => a - b);
  return distribution(QueryLatency, { Database: target }, values, values.map((v) => weights.get(v)!));
}

export function normaliseQueryText(text: string | null | undefined, max = TOP_STATEMENT_TEXT_MAX_CHARS): string {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) + TRUNCATED : t;
}

async function topStatementsLine(ctx: CollectorContext, slowest: readonly StatementInterval[]): Promise<CollectorLogLine> {
  const ids = slowest.map((s) => keyParts(s.key));
  const rows = await ctx.db.query<{ queryid: string; userid: string; query: string }>(
    sqlFor(statementTextsSql, ctx.serverVersion, 'statements'),
    [[...new Set(ids.map((i) => i.queryid))], TOP_STATEMENT_TEXT_MAX_CHARS],
  );
  const texts = new Map(rows.map((r) => [`${r.queryid}${KEY_SEPARATOR}${r.userid}`, r.query]));
  return {
    event: TOP_STATEMENTS_EVENT,
    fields: {
      database: ctx.target,
      statements: slowest.map((s, i) => ({
        queryid: ids[i]!.queryid,
        calls: s.calls,
        mean_ms: round(s.meanMs, LATENCY_DECIMALS),
        total_ms: round(s.totalMs, LATENCY_DECIMALS),
        query: normaliseQueryText(texts.get(`${ids[i]!.queryid}${KEY_SEPARATOR}${ids[i]!.userid}`)),
      })),
    },
  };
}

/** SQLSTATEs of a missing or unloaded pg_stat_statements: undefined table/function, library not preloaded. */
const MISSING_EXTENSION_STATES = new Set(['42P01', '42883', '55000']);

export function explainStatementsError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !MISSING_EXTENSION_STATES.has(code)) return error;
  return new MissingRequirementError(
    'pg_stat_statements is not installed: CREATE EXTENSION pg_stat_statements; (version 1.9 or later: ALTER EXTENSION pg_stat_statements UPDATE) ' +
    `and add it to shared_preload_libraries (server said: ${(error as Error).message})`,
  );
}

export const statements = counterCollector<CounterRow>({
  name: 'statements',
  layer: Layer.Database,
  timeoutMs: STATEMENTS_TIMEOUT_MS,
  requires: ['pg_stat_statements'],
  sql: statementCountersSql,
  explainError: explainStatementsError,
  key: entryKey,
  counters: ['calls', 'total_exec_time'],
  epoch: (row) => ({ serverStartedAt: row.server_started_at, statsResetAt: row.stats_reset }),
  // Other roles' entries come without queryid otherwise: QueryLatency would be silently empty.
  precondition: (row) => requireAllStats(row.sees_all_statements, 'statements in pg_stat_statements'),
  publish: async (deltas, ctx) => {
    const intervals = statementIntervals(deltas);
    const latency = queryLatencyDatum(ctx.target, intervals);
    if (!latency) return { datums: [] };
    return { datums: [latency], logLines: [await topStatementsLine(ctx, intervals.slice(0, TOP_STATEMENTS))] };
  },
});
