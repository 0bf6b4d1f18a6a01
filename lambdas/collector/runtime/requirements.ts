/**
 * Why pg_stat_statements cannot be read, found out only when a collector that declares
 * `requires: ['pg_stat_statements']` failed the way a missing one fails (SQLSTATE 42P01,
 * 42883, 55000): a normal run sends no extra statement for it. It needs two things: the
 * library in shared_preload_libraries (a server restart) and the extension created in this
 * database. A loaded library defines its settings (pg_stat_statements.max), which any role
 * may read; shared_preload_libraries itself is hidden from roles without pg_read_all_settings.
 */
import type { QueryRunner } from '../collector.js';
import { MissingRequirementError, sqlState } from './collector-failure.js';

/** SQLSTATEs of a missing or unloaded pg_stat_statements: undefined table, undefined function, library not preloaded. */
const MISSING_PG_STAT_STATEMENTS_STATES: ReadonlySet<string> = new Set(['42P01', '42883', '55000']);

/** Did reading pg_stat_statements fail the way a missing one fails? Also seen through an explaining error's cause. */
export function isPgStatStatementsMissing(error: unknown): boolean {
  const code = sqlState(error) ?? sqlState((error as { cause?: unknown } | null | undefined)?.cause);
  return typeof code === 'string' && MISSING_PG_STAT_STATEMENTS_STATES.has(code);
}

export const PG_STAT_STATEMENTS_STATE_SQL = `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed,
       current_setting('pg_stat_statements.max', true) IS NOT NULL AS loaded`;

export interface PgStatStatementsState {
  /** CREATE EXTENSION pg_stat_statements was run in this database. */
  readonly installed: boolean;
  /** The library is in shared_preload_libraries. */
  readonly loaded: boolean;
}

export async function pgStatStatementsState(db: QueryRunner): Promise<PgStatStatementsState> {
  const [row] = await db.query<{ installed: boolean; loaded: boolean }>(PG_STAT_STATEMENTS_STATE_SQL);
  return { installed: row?.installed === true, loaded: row?.loaded === true };
}

const PRELOAD = 'add pg_stat_statements to shared_preload_libraries (RDS and Aurora: the DB parameter group) and restart the server';

/** What is missing and how to fix it, or undefined when pg_stat_statements is usable. */
export function pgStatStatementsProblem(state: PgStatStatementsState): string | undefined {
  if (state.installed && state.loaded) return undefined;
  if (!state.installed && !state.loaded) {
    return `pg_stat_statements is neither loaded nor installed: ${PRELOAD}, then CREATE EXTENSION pg_stat_statements in this database`;
  }
  if (!state.loaded) return `pg_stat_statements is installed in this database but its library is not loaded: ${PRELOAD}`;
  return 'pg_stat_statements is not installed in this database: CREATE EXTENSION pg_stat_statements (the library must be in shared_preload_libraries)';
}

/**
 * A collector's failure, with exactly what is missing where pg_stat_statements is not
 * loaded or not installed. Unchanged where the failure is of another kind, where both are
 * in place (e.g. an extension older than 1.9: the collector's own message says so), or
 * where the state cannot be read.
 */
export async function explainPgStatStatementsFailure(error: unknown, state: () => Promise<PgStatStatementsState>): Promise<unknown> {
  if (!isPgStatStatementsMissing(error)) return error;
  let problem: string | undefined;
  try {
    problem = pgStatStatementsProblem(await state());
  } catch {
    return error;
  }
  return problem === undefined ? error : new MissingRequirementError(problem, { cause: error });
}
