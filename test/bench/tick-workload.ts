/**
 * What the application does between two collection runs (one "minute"), so every run sees
 * an interval with work in it: logins and API requests on the shared tables, a payroll
 * run, an IDOR rejection, a slice of the statement population called again, and one
 * statement that appeared since the last run (a cross-tenant read of a new pair of
 * schemas, with aliases of its own: PostgreSQL 18 keys pg_stat_statements entries by
 * relation name or alias, not by schema). Deterministic for a tick number, and the same
 * amount of work at every scale, so the collector's statement count can be compared
 * between scales.
 */
import pg from 'pg';
import { apiTraffic, connectWorkload, idorRejection, logins, payrollActivity, type DemoPlan } from '../../lambdas/local/demo/index.js';
import { type PopulationTenant, runShapes } from './statement-population.js';

export const TICK_LOGIN_ATTEMPTS = 30;
export const TICK_FAILED_LOGINS = 2;
export const TICK_API_REQUESTS = 40;
/** Population statements called again each tick (a busy database runs most of its statements every minute). */
export const TICK_REPLAYED_STATEMENTS = 1_000;

/**
 * Up to PostgreSQL 14 the statistics collector receives the table counters over UDP and
 * serves a snapshot up to 500 ms old: a run right after the tick would see none of its
 * tuples. A minute apart, as in production, it always does; from 15 the counters are in
 * shared memory, flushed when the tick's sessions end.
 */
const STATS_COLLECTOR_SETTLE_MS = 1_000;
const SHARED_MEMORY_STATS_MAJOR = 15;

export function statsSettleMs(major: number): number {
  return major < SHARED_MEMORY_STATS_MAJOR ? STATS_COLLECTOR_SETTLE_MS : 0;
}

/** The k-th pair (i < j) of n items, in order (0,1), (0,2), ..., (1,2), ...: every tick a new one. */
export function nthPair(k: number, n: number): readonly [number, number] {
  if (n < 2) throw new Error('a pair needs two tenants');
  let remaining = k % ((n * (n - 1)) / 2);
  for (let i = 0; i < n - 1; i++) {
    const pairsFromI = n - 1 - i;
    if (remaining < pairsFromI) return [i, i + 1 + remaining];
    remaining -= pairsFromI;
  }
  throw new Error('unreachable');
}

/** The tenants whose population statements tick k calls again: a window that moves every tick. */
export function replayedTenants(plan: DemoPlan, shapes: number, tick: number): PopulationTenant[] {
  if (shapes === 0) return [];
  const count = Math.min(plan.tenants.length, Math.ceil(TICK_REPLAYED_STATEMENTS / shapes));
  const start = (tick * count) % plan.tenants.length;
  return Array.from({ length: count }, (_, i) => {
    const index = (start + i) % plan.tenants.length;
    return { schema: plan.tenants[index]!.schema, index };
  });
}

/** A read across two tenant schemas that pg_stat_statements has not seen before: what CrossTenantQueries counts. */
export function crossTenantSql(schemaA: string, schemaB: string, tick: number): string {
  const [a, b] = [`a${tick}`, `b${tick}`];
  return `SELECT count(*) AS shared_emails FROM ${pg.escapeIdentifier(schemaA)}.employees ${a} JOIN ${pg.escapeIdentifier(schemaB)}.employees ${b} ON ${a}.email = ${b}.email`;
}

async function newCrossTenantStatement(url: string, plan: DemoPlan, tick: number): Promise<void> {
  if (plan.tenants.length < 2) return;
  const [a, b] = nthPair(tick, plan.tenants.length);
  const client = await connectWorkload(url);
  try {
    await client.query(crossTenantSql(plan.tenants[a]!.schema, plan.tenants[b]!.schema, tick));
  } finally {
    await client.end();
  }
}

export async function tickWorkload(url: string, plan: DemoPlan, shapes: number, tick: number): Promise<void> {
  const slug = plan.tenants[tick % plan.tenants.length]!.slug;
  await logins(url, { attempts: TICK_LOGIN_ATTEMPTS, failures: TICK_FAILED_LOGINS, tenant: slug });
  await apiTraffic(url, { requests: TICK_API_REQUESTS, seed: tick });
  await payrollActivity(url, { tenant: slug, completed: 1 });
  await idorRejection(url, { tenant: slug });
  await runShapes(url, replayedTenants(plan, shapes, tick), shapes);
  await newCrossTenantStatement(url, plan, tick);
}
