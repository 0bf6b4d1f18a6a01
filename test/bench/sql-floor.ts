/**
 * The raw SQL floor: what the collector's statements cost the server itself (execution and
 * planning time from pg_stat_statements), so the collector's own overhead (round trips,
 * JavaScript, the state store, publishing) shows as the ratio wall / floor. Measured as
 * the difference of two snapshots of the collector role's entries in the benchmark
 * database, without resetting anything the collectors read.
 */
import { withAdmin } from '../support/runtime-fixtures.js';

export interface EntryTotals {
  readonly calls: number;
  readonly execMs: number;
  readonly planMs: number;
  /** Normalised text, whitespace collapsed and cut. */
  readonly query: string;
}

export type StatementSnapshot = ReadonlyMap<string, EntryTotals>;

/** Characters of each statement's text kept for the report. */
const QUERY_CHARACTERS = 100;
/** Statements listed in the report, costliest first. */
export const FLOOR_TOP_STATEMENTS = 5;

const SNAPSHOT_SQL = `SELECT queryid::text || '/' || toplevel::text AS key, calls, total_exec_time, total_plan_time,
       left(regexp_replace(query, '\\s+', ' ', 'g'), ${QUERY_CHARACTERS}) AS query
FROM pg_stat_statements
WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = $1)
  AND dbid = (SELECT oid FROM pg_database WHERE datname = $2)`;

export async function snapshotStatements(adminUrl: string, role: string, database: string): Promise<StatementSnapshot> {
  const { rows } = await withAdmin(adminUrl, (c) =>
    c.query<{ key: string; calls: string; total_exec_time: number; total_plan_time: number; query: string }>(SNAPSHOT_SQL, [role, database]));
  return new Map(rows.map((r) => [r.key, { calls: Number(r.calls), execMs: r.total_exec_time, planMs: r.total_plan_time, query: r.query }]));
}

export interface FloorStatement {
  readonly query: string;
  readonly callsPerRun: number;
  readonly execMsPerRun: number;
  readonly planMsPerRun: number;
}

export interface SqlFloor {
  /** Statements the server counted per run (compare with the runtime's own count). */
  readonly statementsPerRun: number;
  readonly execMsPerRun: number;
  readonly planMsPerRun: number;
  readonly totalMsPerRun: number;
  /** The costliest statements (execution + planning), where the floor comes from. */
  readonly top: readonly FloorStatement[];
}

const DECIMALS = 3;
const round = (x: number) => Number(x.toFixed(DECIMALS));

/** Per-run mean of what happened between the snapshots. Pure. */
export function floorBetween(before: StatementSnapshot, after: StatementSnapshot, runs: number): SqlFloor {
  const statements: FloorStatement[] = [];
  for (const [key, now] of after) {
    const then = before.get(key) ?? { calls: 0, execMs: 0, planMs: 0 };
    statements.push({
      query: now.query,
      callsPerRun: (now.calls - then.calls) / runs,
      execMsPerRun: (now.execMs - then.execMs) / runs,
      planMsPerRun: (now.planMs - then.planMs) / runs,
    });
  }
  const sum = (f: (s: FloorStatement) => number) => statements.reduce((n, s) => n + f(s), 0);
  const cost = (s: FloorStatement) => s.execMsPerRun + s.planMsPerRun;
  return {
    statementsPerRun: round(sum((s) => s.callsPerRun)),
    execMsPerRun: round(sum((s) => s.execMsPerRun)),
    planMsPerRun: round(sum((s) => s.planMsPerRun)),
    totalMsPerRun: round(sum(cost)),
    top: statements
      .filter((s) => s.callsPerRun > 0)
      .sort((a, b) => cost(b) - cost(a))
      .slice(0, FLOOR_TOP_STATEMENTS)
      .map((s) => ({ ...s, execMsPerRun: round(s.execMsPerRun), planMsPerRun: round(s.planMsPerRun) })),
  };
}
