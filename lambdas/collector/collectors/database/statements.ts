/**
 * QueryLatency and the top-10 slowest statements of the interval, from pg_stat_statements.
 *
 * Per entry (queryid + userid + dbid, top-level statements of the target database), the
 * interval mean is Δtotal_exec_time / Δcalls; QueryLatency is the distribution of those
 * means weighted by Δcalls, so CloudWatch's p50/p95/p99 are call-weighted statement means
 * (an estimate, not per-call percentiles). Entries without calls in the interval, new
 * entries and entries of tenantwatch's own role are left out.
 *
 * Cost: pg_stat_statements may hold 10,000 entries. Their counters come from the run's one
 * shared read (ctx.statementStatistics(): no query text, shared with cross-tenant-queries);
 * this collector's own statement fetches the text of the ten slowest only. Query ids never
 * become metric dimensions: the top ten go to one structured log line.
 */
import { Layer, QueryLatency } from '../../../core/catalog/index.js';
import { type Datum, distribution } from '../../../core/metrics/datum.js';
import { type CollectorContext, type CollectorLogLine, type CounterSample, type Deltas, collector, sqlFor } from '../../collector.js';
import { counterEpoch } from '../../state/epoch.js';
import { round } from '../shared/pg-values.js';
import { type StatementStatistics, THIS_DATABASE_SQL, allRolesStatementStatistics } from '../shared/statement-statistics.js';

export const STATEMENTS_TIMEOUT_MS = 5_000;
export const TOP_STATEMENTS = 10;
/** Longest query text in the top_statements log line (normalised: whitespace collapsed). */
export const TOP_STATEMENT_TEXT_MAX_CHARS = 500;
/** Means are kept to the microsecond: equal means merge into one distribution value. */
export const LATENCY_DECIMALS = 3;
export const TOP_STATEMENTS_EVENT = 'top_statements';
const TRUNCATED = '…';

/** Query text of the chosen entries only; whitespace collapsed, one character over the limit to detect truncation. */
export const statementTextsSql = [{
  minVersion: 140000,
  text: `SELECT queryid::text AS queryid, userid::text AS userid,
       left(btrim(regexp_replace(query, '\\s+', ' ', 'g')), $2::int + 1) AS query
FROM pg_stat_statements(true)
WHERE toplevel AND dbid = ${THIS_DATABASE_SQL} AND queryid = ANY($1::bigint[])`,
}] as const;

/** What identifies an entry (text; stats_since from PostgreSQL 17, else null). */
export interface EntryIdentity {
  readonly queryid: string | null;
  readonly userid: string | null;
  readonly dbid: string | null;
  readonly stats_since: Date | null;
}

const KEY_SEPARATOR = '/';
const STATS_SINCE_SEPARATOR = '@';

export function entryKey(row: EntryIdentity): string | undefined {
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

/**
 * The counters of the top-level entries of other roles than tenantwatch's own, keyed by
 * entryKey (an entry evicted and created again, PostgreSQL 17 and later, gets a new key).
 * Pure.
 */
export function statementCounters(statistics: StatementStatistics): CounterSample {
  const { entries, databaseOid, ownRoleOid } = statistics;
  const sample: Record<string, { calls: number; total_exec_time: number }> = {};
  entries.queryid.forEach((queryid, i) => {
    const userid = entries.userid[i]!;
    if (!entries.toplevel[i] || userid === ownRoleOid) return;
    const key = entryKey({ queryid, userid, dbid: databaseOid, stats_since: entries.statsSince[i] ?? null })!;
    sample[key] = { calls: entries.calls[i]!, total_exec_time: entries.totalExecTime[i]! };
  });
  return sample;
}

export const statements = collector({
  name: 'statements',
  layer: Layer.Database,
  timeoutMs: STATEMENTS_TIMEOUT_MS,
  requires: ['pg_stat_statements'],
  async collect(ctx) {
    // Other roles' entries come without queryid otherwise: QueryLatency would be silently empty.
    const statistics = await allRolesStatementStatistics(ctx);
    const deltas = await ctx.counters.deltas(statementCounters(statistics), counterEpoch(statistics));
    const intervals = statementIntervals(deltas);
    const latency = queryLatencyDatum(ctx.target, intervals);
    if (!latency) return { datums: [] };
    return { datums: [latency], logLines: [await topStatementsLine(ctx, intervals.slice(0, TOP_STATEMENTS))] };
  },
});
