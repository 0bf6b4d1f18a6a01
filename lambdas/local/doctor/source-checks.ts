/**
 * Every configured SQL source, run exactly as the collector runs it (the source engine:
 * the same compiled statements for every discovered tenant, the same statement_timeout,
 * the same column and value checks), one source per read-only transaction that is rolled
 * back. The window is the last DOCTOR_WINDOW_MS, as if the previous run had been then.
 */
import type { CollectorContext, CounterTracker, Deltas, Tenant } from '../../collector/collector.js';
import { readStatementStatistics } from '../../collector/collectors/shared/statement-statistics.js';
import { SOURCES_FINISH_RESERVE_MS, runSources } from '../../collector/sources/run-sources.js';
import { SHARED_WINDOW_KEY, WINDOW_END } from '../../collector/sources/window.js';
import { DEFAULT_SOURCE_TIMEOUT_MS, type Source } from '../../core/config/sources.js';
import { createMemoryLogger } from '../../core/log/logger.js';
import { type CheckResult, fail, pass } from './check.js';
import type { DoctorSession } from './session.js';

/** The interval the sources count over: one default collection interval. */
export const DOCTOR_WINDOW_MS = 60_000;
const MS_PER_SECOND = 1_000;
export const sourceCheckId = (source: Pick<Source, 'name'>): string => `source:${source.name}`;

const TIMED_OUT = /statement timeout/i;
const NO_PRIVILEGE = /permission denied/i;

/**
 * The doctor keeps no state between runs: every counter it is asked about moved by one
 * window since a previous sample. The source engine tracks only its window ends this way
 * (in milliseconds), so a source's window is [now - DOCTOR_WINDOW_MS, now): the previous
 * sample is the collector-wide window end an earlier release kept, which every source
 * without an end of its own starts from.
 */
export function previousWindowTracker(now: Date): CounterTracker {
  return {
    async previous() {
      return { sample: { [SHARED_WINDOW_KEY]: { [WINDOW_END]: now.getTime() - DOCTOR_WINDOW_MS } } };
    },
    async deltas(sample): Promise<Deltas> {
      const entries = new Map(Object.entries(sample).map(([key, counters]) => [
        key, Object.fromEntries(Object.keys(counters).map((name) => [name, DOCTOR_WINDOW_MS])),
      ]));
      return { intervalSeconds: DOCTOR_WINDOW_MS / MS_PER_SECOND, entries, skipped: [] };
    },
  };
}

function fixFor(source: Source, message: string, timeoutMs: number): string {
  if (TIMED_OUT.test(message)) {
    return `make the query cheaper (an index on its window column) or raise timeoutMs of source "${source.name}" (now ${timeoutMs} ms, at most 60000)`;
  }
  if (NO_PRIVILEGE.test(message)) {
    return 'GRANT SELECT on the tables this source reads to the monitoring role (npm run doctor -- --print-role-sql prints the grants for the configured sources)';
  }
  return `fix the SQL or the columns of source "${source.name}" in collector.sources (README "SQL sources")`;
}

async function checkSource(s: DoctorSession, source: Source, tenants: readonly Tenant[], clock: () => number): Promise<CheckResult> {
  const timeoutMs = source.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  const title = `SQL source ${source.name}`;
  const now = new Date(clock());
  const ctx: CollectorContext = {
    target: s.settings.target,
    settings: s.settings,
    tenants: async () => tenants,
    // SQL sources never read pg_stat_statements; the real read, should one ever do.
    statementStatistics: () => readStatementStatistics(s.db, s.serverVersion),
    serverVersion: s.serverVersion,
    db: s.db,
    counters: previousWindowTracker(now),
    now,
    log: createMemoryLogger('tenantwatch-doctor'),
    signal: new AbortController().signal,
    statementTimeout: (ms) => s.statementTimeout(ms),
    endTransaction: () => s.renewTransaction(),
    ownReadsExcluded: s.ownReadsExcluded,
  };
  const started = clock();
  // The engine sets statement_timeout to min(source timeout, time left): leave it the whole timeout.
  const result = await s.transaction(() => runSources(ctx, [source], { collector: 'doctor', deadline: started + timeoutMs + SOURCES_FINISH_RESERVE_MS, clock }));
  const ms = Math.round(clock() - started);
  const scope = source.perTenant ? ` for ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}` : '';
  const [error] = result.errors ?? [];
  if (error) return fail(sourceCheckId(source), title, `${error.message} (timeout ${timeoutMs} ms)`, fixFor(source, error.message, timeoutMs));
  return pass(sourceCheckId(source), title, `ran${scope} in ${ms} ms (timeout ${timeoutMs} ms), ${result.datums.length} datum${result.datums.length === 1 ? '' : 's'}`);
}

export async function sourceChecks(s: DoctorSession, tenants: readonly Tenant[], clock: () => number = Date.now): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const source of s.settings.sources) results.push(await checkSource(s, source, tenants, clock));
  return results;
}
