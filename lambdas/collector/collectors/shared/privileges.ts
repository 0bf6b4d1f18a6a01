/**
 * Without pg_read_all_stats (part of pg_monitor), PostgreSQL hides other roles' sessions
 * (pg_stat_activity: no backend_type, state or application_name) and their statements'
 * query ids (pg_stat_statements). The numbers would silently cover tenantwatch's own
 * sessions only, so the collectors that depend on it check and fail with the fix instead.
 */
import { MissingRequirementError } from '../../runtime/collector-failure.js';

/** A boolean column: may the current role see every session and statement? (true for superusers) */
export const SEES_ALL_STATS_SQL = "pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')";

export function requireAllStats(seesAll: unknown, what: string): void {
  if (seesAll === true) return;
  throw new MissingRequirementError(
    `the monitoring role cannot see other roles' ${what}: GRANT pg_monitor TO <the role tenantwatch connects as>; (pg_read_all_stats is enough)`,
  );
}
