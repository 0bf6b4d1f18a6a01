/**
 * Transaction-local settings a collector wants for its statements (SET LOCAL lasts until
 * the runtime's COMMIT). After a failed statement the runtime rolls back and opens a fresh
 * transaction, which forgets them: `lost()` says so and the next `apply` sends them again.
 * Only a change costs a statement.
 */
import type { QueryRunner, VersionedSql } from '../collector.js';
import { sqlFor } from '../collector.js';

/**
 * Before scanning every tenant schema, in one statement:
 * - do not count our own reads into the tenant tables' statistics (track_counts is
 *   superuser-only, or granted with GRANT SET ON PARAMETER from PostgreSQL 15): otherwise
 *   every tenant a perTenant source reads would look active to the tenant-activity
 *   collector. Where it is not allowed, nothing is changed and `excluded` is false;
 * - no JIT: one tenant's query over a large table can pass jit_above_cost, and compiling
 *   it again for each of thousands of tenants costs far more than running it.
 */
export const TENANT_SCAN_SETTINGS_SQL: readonly VersionedSql[] = [
  {
    minVersion: 140000,
    text: `SELECT set_config('jit', 'off', true) AS jit,
                  CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                   THEN set_config('track_counts', 'off', true) = 'off' ELSE false END AS excluded`,
  },
  {
    minVersion: 150000,
    text: `SELECT set_config('jit', 'off', true) AS jit,
                  CASE WHEN has_parameter_privilege('track_counts', 'SET')
                   THEN set_config('track_counts', 'off', true) = 'off' ELSE false END AS excluded`,
  },
];

export interface LocalSettings {
  statementTimeout(db: QueryRunner, ms: number): Promise<void>;
  /** Settings for scanning every tenant schema; true when our reads are now left out of the statistics. */
  prepareTenantScans(db: QueryRunner): Promise<boolean>;
  /** The transaction was rolled back: everything must be set again. */
  lost(): void;
}

export function localSettings(serverVersion: number, collector: string): LocalSettings {
  let timeoutMs: number | undefined;
  let ownReadsExcluded: boolean | undefined;
  return {
    async statementTimeout(db, ms) {
      const whole = Math.max(1, Math.floor(ms));
      if (timeoutMs === whole) return;
      await db.query(`SET LOCAL statement_timeout = ${whole}`);
      timeoutMs = whole;
    },
    async prepareTenantScans(db) {
      if (ownReadsExcluded === undefined) {
        const [row] = await db.query<{ excluded: boolean }>(sqlFor(TENANT_SCAN_SETTINGS_SQL, serverVersion, collector));
        ownReadsExcluded = row?.excluded === true;
      }
      return ownReadsExcluded;
    },
    lost() {
      timeoutMs = undefined;
      ownReadsExcluded = undefined;
    },
  };
}
