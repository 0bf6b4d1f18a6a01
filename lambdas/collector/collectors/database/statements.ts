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
 * this collector's own statement fetches the text of the ten slowest only, and only of
 * those whose text a warm Lambda does not already keep (statement-text-cache.ts). Query
 * ids never become metric dimensions: the top ten go to one structured log line.
 */
import { Layer, QueryLatency } from '../../../core/catalog/index.js';
import { type Datum, distribution } from '../../../core/metrics/datum.js';
import { type Collector, type CollectorContext, type CollectorLogLine, type CounterSample, type Deltas, collector, sqlFor } from '../../collector.js';
import { counterEpoch } from '../../state/epoch.js';
import { round } from '../shared/pg-values.js';
import { type StatementStatistics, THIS_DATABASE_SQL, allRolesStatementStatistics } from '../shared/statement-statistics.js';
import { type StatementTextCache, statementTextCache } from './statement-text-cache.js';

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
  /** As Date.toISOString() prints it. */
  readonly statsSinceIso: string | null;
}

const KEY_SEPARATOR = '/';
const STATS_SINCE_SEPARATOR = '@';

/** queryid/userid/dbid[@stats_since]: the form the state store keeps, unchanged since the first release. */
export function entryKey(row: EntryIdentity): string | undefined {
  if (row.queryid === null || row.userid === null || row.dbid === null) return undefined;
  const key = `${row.queryid}${KEY_SEPARATOR}${row.userid}${KEY_SEPARATOR}${row.dbid}`;
  return row.statsSinceIso === null ? key : `${key}${STATS_SINCE_SEPARATOR}${row.statsSinceIso}`;
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

/** Entries that ran in the interval, in the order of the deltas. Pure. */
export function statementIntervals(deltas: Deltas): StatementInterval[] {
  const out: StatementInterval[] = [];
  for (const [key, d] of deltas.entries) {
    const calls = d.calls ?? 0;
    if (calls <= 0) continue;
    const totalMs = d.total_exec_time ?? 0;
    out.push({ key, calls, totalMs, meanMs: totalMs / calls });
  }
  return out;
}

/** Slowest mean first; more calls first among equal means; then by key. */
function slowerFirst(a: StatementInterval, b: StatementInterval): number {
  return b.meanMs - a.meanMs || b.calls - a.calls || a.key.localeCompare(b.key);
}

/**
 * The `count` slowest intervals, slowest first: the first `count` of the intervals sorted
 * by slowerFirst, without sorting all of them (10,000 entries, ten wanted). Pure.
 */
export function slowestStatements(intervals: readonly StatementInterval[], count: number): StatementInterval[] {
  const slowest: StatementInterval[] = [];
  for (const s of intervals) {
    if (slowest.length === count && (count === 0 || slowerFirst(s, slowest[count - 1]!) >= 0)) continue;
    // After every interval it comes before (or ties with): the order a stable sort gives.
    let at = slowest.length;
    while (at > 0 && slowerFirst(s, slowest[at - 1]!) < 0) at--;
    slowest.splice(at, 0, s);
    if (slowest.length > count) slowest.pop();
  }
  return slowest;
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

/** Statement texts from pg_stat_statements(true), keyed queryid/userid, normalised. */
async function readStatementTexts(ctx: CollectorContext, queryids: readonly string[]): Promise<Map<string, string>> {
  const rows = await ctx.db.query<{ queryid: string; userid: string; query: string | null }>(
    sqlFor(statementTextsSql, ctx.serverVersion, 'statements'),
    [[...new Set(queryids)], TOP_STATEMENT_TEXT_MAX_CHARS],
  );
  const texts = new Map<string, string>();
  for (const r of rows) if (r.query !== null) texts.set(`${r.queryid}${KEY_SEPARATOR}${r.userid}`, normaliseQueryText(r.query));
  return texts;
}

/** The texts of the slowest statements, read only for those the cache does not keep. */
async function slowestTexts(ctx: CollectorContext, slowest: readonly StatementInterval[], epoch: string, cache: StatementTextCache): Promise<string[]> {
  const cacheKeys = slowest.map((s) => ({ target: ctx.target, epoch, entry: s.key }));
  const texts = cacheKeys.map((key) => cache.get(key));
  const missing = slowest.flatMap((s, i) => (texts[i] === undefined ? [{ i, ...keyParts(s.key) }] : []));
  if (missing.length === 0) return texts as string[];
  const read = await readStatementTexts(ctx, missing.map((m) => m.queryid));
  for (const m of missing) {
    const text = read.get(`${m.queryid}${KEY_SEPARATOR}${m.userid}`);
    // An entry gone since the shared read has no text: logged empty and asked for again next time.
    if (text !== undefined) cache.set(cacheKeys[m.i]!, text);
    texts[m.i] = text ?? normaliseQueryText(undefined);
  }
  return texts as string[];
}

async function topStatementsLine(ctx: CollectorContext, slowest: readonly StatementInterval[], epoch: string, cache: StatementTextCache): Promise<CollectorLogLine> {
  const texts = await slowestTexts(ctx, slowest, epoch, cache);
  return {
    event: TOP_STATEMENTS_EVENT,
    fields: {
      database: ctx.target,
      statements: slowest.map((s, i) => ({
        queryid: keyParts(s.key).queryid,
        calls: s.calls,
        mean_ms: round(s.meanMs, LATENCY_DECIMALS),
        total_ms: round(s.totalMs, LATENCY_DECIMALS),
        query: texts[i]!,
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
  const { entries, databaseOid: dbid, ownRoleOid } = statistics;
  const { queryid, userid, toplevel, statsSinceIso, calls, totalExecTime } = entries;
  const sample: Record<string, { calls: number; total_exec_time: number }> = {};
  for (let i = 0; i < queryid.length; i++) {
    if (!toplevel[i] || userid[i] === ownRoleOid) continue;
    const key = entryKey({ queryid: queryid[i]!, userid: userid[i]!, dbid, statsSinceIso: statsSinceIso[i] ?? null })!;
    sample[key] = { calls: calls[i]!, total_exec_time: totalExecTime[i]! };
  }
  return sample;
}

export interface StatementsCollectorOptions {
  /** Where the top statements' texts are kept between runs; default: the warm Lambda's statementTextCache. */
  readonly textCache?: StatementTextCache;
}

export function statementsCollector(options: StatementsCollectorOptions = {}): Collector {
  const textCache = options.textCache ?? statementTextCache;
  return collector({
    name: 'statements',
    layer: Layer.Database,
    timeoutMs: STATEMENTS_TIMEOUT_MS,
    requires: ['pg_stat_statements'],
    savesInBackground: true,
    async collect(ctx) {
      // Other roles' entries come without queryid otherwise: QueryLatency would be silently empty.
      const statistics = await allRolesStatementStatistics(ctx);
      const epoch = counterEpoch(statistics);
      const deltas = await ctx.counters.deltas(statementCounters(statistics), epoch);
      const intervals = statementIntervals(deltas);
      const latency = queryLatencyDatum(ctx.target, intervals);
      if (!latency) return { datums: [] };
      const slowest = slowestStatements(intervals, TOP_STATEMENTS);
      return { datums: [latency], logLines: [await topStatementsLine(ctx, slowest, epoch, textCache)] };
    },
  });
}

export const statements = statementsCollector();
