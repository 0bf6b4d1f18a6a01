/**
 * CrossTenantQueries: statements that appeared in pg_stat_statements during the interval
 * and whose text names two or more tenant schemas. The set of entries (keys only, from the
 * run's one shared read: ctx.statementStatistics()) is compared with the previous run's
 * through the state store; the query text is read only for the new entries. The
 * application's own isolation-violation events are a separate metric
 * (TenantIsolationViolations, an SQL source); the P0 alarm sums both.
 * tenantwatch's own perTenant statements pass tenant schemas as parameters, never in
 * their text, so they are never counted.
 */
import { CrossTenantQueries } from '../../../core/catalog/index.js';
import { datum } from '../../../core/metrics/datum.js';
import { collector, type CollectorContext, type CollectorResult, type Deltas, DeltaSkipReason, type VersionedSql, sqlFor } from '../../collector.js';
import { type StatementStatistics, THIS_DATABASE_SQL, allRolesStatementStatistics } from '../shared/statement-statistics.js';
import { counterEpoch } from '../../state/epoch.js';
import { tableLogLines } from '../../tenants/log-table.js';
import { referencedTenantSchemas } from '../../tenants/schema-references.js';

export const CROSS_TENANT_COLLECTOR = 'cross-tenant-queries';
const TIMEOUT_MS = 5_000;
/** Characters of each flagged statement kept in the log line. */
export const LOGGED_QUERY_CHARACTERS = 500;
/** Deltas that cannot tell old entries from new ones. */
const BLIND: readonly DeltaSkipReason[] = [DeltaSkipReason.Baseline, DeltaSkipReason.BaselineTakenByConcurrentRun, DeltaSkipReason.StateStoreUnavailable];
/** After a reset or a restart every entry was created within the interval. */
const ALL_NEW: readonly DeltaSkipReason[] = [DeltaSkipReason.StatsReset, DeltaSkipReason.ServerRestart];
/** An entry evicted and created again since the last run counts as new. */
const ENTRY_NEW: readonly DeltaSkipReason[] = [DeltaSkipReason.NewEntry, DeltaSkipReason.CounterWentBackwards];

/** An entry's key, here and in SQL: userid/queryid/toplevel (all of the database's entries, tenantwatch's own included). */
const ENTRY_KEY = `s.userid::text || '/' || s.queryid::text || '/' || s.toplevel::text`;
const entryKey = (userid: string, queryid: string, toplevel: boolean) => `${userid}/${queryid}/${toplevel}`;

export const STATEMENT_TEXTS_SQL: readonly VersionedSql[] = [{
  minVersion: 140000,
  text: `SELECT s.queryid::text AS queryid, s.calls, s.query
FROM pg_stat_statements(true) s
WHERE s.dbid = ${THIS_DATABASE_SQL} AND s.queryid IS NOT NULL AND ${ENTRY_KEY} = ANY($1::text[])`,
}];

interface TextRow extends Record<string, unknown> {
  queryid: string;
  calls: string;
  query: string | null;
}

/** Calls per entry of the database, keyed by ENTRY_KEY. Pure. */
export function entryCalls(statistics: StatementStatistics): Record<string, { calls: number }> {
  const { queryid, userid, toplevel, calls } = statistics.entries;
  const sample: Record<string, { calls: number }> = {};
  for (let i = 0; i < queryid.length; i++) sample[entryKey(userid[i]!, queryid[i]!, toplevel[i]!)] = { calls: calls[i]! };
  return sample;
}

/** The entries created since the previous sample, or undefined when that cannot be known. */
export function newEntries(deltas: Deltas, keys: readonly string[]): string[] | undefined {
  const whole = deltas.skipped.find((s) => s.key === '*');
  if (whole) return ALL_NEW.includes(whole.reason) ? [...keys] : BLIND.includes(whole.reason) ? undefined : [];
  return deltas.skipped.filter((s) => ENTRY_NEW.includes(s.reason)).map((s) => s.key);
}

async function collectCrossTenant(ctx: CollectorContext): Promise<CollectorResult> {
  // Other roles' statements come without queryid otherwise: the P0 alarm would see 0, always.
  const statistics = await allRolesStatementStatistics(ctx);
  const counters = entryCalls(statistics);
  const deltas = await ctx.counters.deltas(counters, counterEpoch(statistics));
  const candidates = newEntries(deltas, Object.keys(counters));
  if (candidates === undefined) return { datums: [] };

  const tenantSchemas = new Set((await ctx.tenants()).map((t) => t.schema));
  const texts = candidates.length && tenantSchemas.size > 1
    ? await ctx.db.query<TextRow>(sqlFor(STATEMENT_TEXTS_SQL, ctx.serverVersion, CROSS_TENANT_COLLECTOR), [candidates])
    : [];
  const flagged = texts.flatMap((t) => {
    if (t.query === null) return [];
    const schemas = referencedTenantSchemas(t.query, tenantSchemas);
    return schemas.length >= 2 ? [{ ...t, query: t.query, schemas }] : [];
  });
  const logLines = flagged.length
    ? tableLogLines(
        'cross_tenant_statements',
        { count: flagged.length, newStatements: candidates.length },
        ['queryid', 'calls', 'schemas', 'query'],
        flagged.map((f) => [f.queryid, Number(f.calls), f.schemas, f.query.slice(0, LOGGED_QUERY_CHARACTERS)]),
      )
    : [];
  return { datums: [datum(CrossTenantQueries, { Database: ctx.target }, flagged.length)], logLines };
}

export const crossTenantQueries = collector({
  name: CROSS_TENANT_COLLECTOR,
  layer: 'security',
  timeoutMs: TIMEOUT_MS,
  requires: ['pg_stat_statements'],
  savesInBackground: true,
  collect: collectCrossTenant,
});
