/**
 * Whether pg_stat_statements can be read, checked once per run for the collectors that
 * declare `requires: ['pg_stat_statements']`, so each of them fails with the fix instead
 * of a server error. It needs two things: the library in shared_preload_libraries (a
 * server restart) and the extension created in this database. A loaded library defines
 * its settings (pg_stat_statements.max), which any role may read; shared_preload_libraries
 * itself is hidden from roles without pg_read_all_settings.
 */
import type { QueryRunner } from '../collector.js';

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
