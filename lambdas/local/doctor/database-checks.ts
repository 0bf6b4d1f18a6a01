/**
 * Prerequisites of the monitored database, each a check over the collector's own
 * connection: read-only enforced, the monitoring role's privileges (pg_monitor, nothing
 * writable), pg_stat_statements loaded and created, track_io_timing, tenant discovery.
 */
import type { Tenant } from '../../collector/collector.js';
import { discoverTenants } from '../../collector/tenants/discovery.js';
import { type CheckResult, fail, messageOf, pass, skip, sqlStateOf, warn } from './check.js';
import { MONITOR_CONNECTION_LIMIT } from './role-sql.js';
import type { DoctorSession } from './session.js';

export const CheckId = {
  ReadOnly: 'read-only',
  MonitoringRole: 'monitoring-role',
  PgMonitor: 'pg-monitor',
  PgStatStatementsPreloaded: 'pg-stat-statements-preloaded',
  PgStatStatementsCreated: 'pg-stat-statements-created',
  TrackIoTiming: 'track-io-timing',
  Tenants: 'tenants',
} as const;

/** Names listed in a detail before "and N more". */
const LISTED = 5;
const READ_ONLY_SQLSTATE = '25006';
const ROLE_SQL_COMMAND = 'npm run doctor -- --print-role-sql --database-url <an administrator\'s URL> (README "Security")';
/** Role-level defaults the shipped role SQL sets (defence in depth behind the collector's own session settings). */
const ROLE_DEFAULTS = ['default_transaction_read_only', 'statement_timeout', 'lock_timeout'] as const;

/** The monitoring role and the server, in one round trip. */
const FACTS_SQL = `
SELECT current_user AS role,
       r.rolsuper AS superuser,
       r.rolconnlimit AS connection_limit,
       pg_has_role(current_user, 'pg_monitor', 'USAGE') AS pg_monitor,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
       current_setting('default_transaction_read_only') AS session_read_only,
       current_setting('track_io_timing') AS track_io_timing,
       current_database() AS database,
       current_setting('server_version') AS server_version,
       coalesce((SELECT array_agg(cfg ORDER BY cfg)
                 FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) AS cfg
                 WHERE s.setrole = r.oid
                   AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))), '{}') AS role_settings,
       -- The module defines its settings only when it is loaded (shared_preload_libraries):
       -- visible to every role, unlike shared_preload_libraries itself.
       EXISTS (SELECT 1 FROM pg_settings WHERE name = 'pg_stat_statements.max') AS pss_loaded,
       (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS pss_version
FROM pg_roles r WHERE r.rolname = current_user`;

/** Tables (outside the system schemas) this role may change, and schemas it may create objects in. */
const WRITE_PRIVILEGES_SQL = `
WITH tables AS (
  SELECT format('%I.%I', n.nspname, c.relname) AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
    AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
         OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))),
schemas AS (
  SELECT quote_ident(n.nspname) AS name FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
    AND has_schema_privilege(n.oid, 'CREATE'))
SELECT (SELECT count(*) FROM tables)::int AS writable_count,
       (SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM (SELECT name FROM tables ORDER BY name LIMIT ${LISTED}) t) AS writable,
       (SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM schemas) AS creatable_schemas,
       has_database_privilege(current_database(), 'CREATE') AS may_create_schemas`;

export interface DatabaseFacts {
  readonly role: string;
  readonly superuser: boolean;
  readonly connection_limit: number;
  readonly pg_monitor: boolean;
  readonly read_all_stats: boolean;
  readonly session_read_only: string;
  readonly track_io_timing: string;
  readonly database: string;
  readonly server_version: string;
  readonly role_settings: readonly string[];
  readonly pss_loaded: boolean;
  readonly pss_version: string | null;
}

interface WritePrivileges {
  readonly writable_count: number;
  readonly writable: readonly string[];
  readonly creatable_schemas: readonly string[];
  readonly may_create_schemas: boolean;
}

export async function databaseFacts(s: DoctorSession): Promise<DatabaseFacts> {
  const [row] = await s.db.query<DatabaseFacts & Record<string, unknown>>(FACTS_SQL);
  if (!row) throw new Error('the connected role is not in pg_roles');
  return row;
}

function listed(names: readonly string[], total = names.length): string {
  const more = total - Math.min(names.length, LISTED);
  return names.slice(0, LISTED).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/**
 * Required: the session is read-only (the server accepted the collector's startup
 * setting) and a write is refused with SQLSTATE 25006. The probe is a temporary table in
 * a transaction that is rolled back, so even a session that were not read-only keeps nothing.
 */
export async function readOnlyCheck(s: DoctorSession, facts: DatabaseFacts): Promise<CheckResult> {
  const title = 'read-only enforced';
  const fix = 'the collector sends default_transaction_read_only=on when it connects; a connection pooler that drops startup '
    + 'parameters (RDS Proxy, PgBouncer in transaction mode) loses it: connect directly, and ALTER ROLE '
    + `${facts.role} SET default_transaction_read_only = on`;
  if (facts.session_read_only !== 'on') return fail(CheckId.ReadOnly, title, `default_transaction_read_only is ${facts.session_read_only} on the collector's connection`, fix);
  const refusal = await s.transaction(async () => {
    try {
      await s.db.query('CREATE TEMPORARY TABLE tenantwatch_doctor_write_probe (id int)');
      return undefined;
    } catch (error) {
      return error;
    }
  }, { readOnly: false });
  if (sqlStateOf(refusal) === READ_ONLY_SQLSTATE) {
    return pass(CheckId.ReadOnly, title, `default_transaction_read_only = on; a write was refused (SQLSTATE ${READ_ONLY_SQLSTATE})`);
  }
  const what = refusal === undefined ? 'a write was accepted (and rolled back)' : `a write failed for another reason: ${messageOf(refusal)}`;
  return fail(CheckId.ReadOnly, title, `default_transaction_read_only = on, but ${what}`, fix);
}

/**
 * Recommended: least privilege for the role itself, behind the read-only session (which a
 * leaked credential could switch off): not a superuser, nothing writable, no CREATE,
 * role-level defaults, a connection limit.
 */
export async function monitoringRoleCheck(s: DoctorSession, facts: DatabaseFacts): Promise<CheckResult> {
  const title = 'monitoring role least privilege';
  const problems: string[] = [];
  if (facts.superuser) {
    problems.push(`${facts.role} is a superuser: it may write anything once a session turns read-only off`);
  } else {
    const w = (await s.db.query<WritePrivileges & Record<string, unknown>>(WRITE_PRIVILEGES_SQL))[0];
    if (w && w.writable_count > 0) problems.push(`may INSERT, UPDATE, DELETE or TRUNCATE ${w.writable_count} table(s): ${listed(w.writable, w.writable_count)}`);
    if (w?.may_create_schemas) problems.push(`may create schemas in database ${facts.database}`);
    if (w && w.creatable_schemas.length) {
      problems.push(`may create objects in schema(s) ${listed(w.creatable_schemas)} (before PostgreSQL 15 every role may create in public: REVOKE CREATE ON SCHEMA public FROM PUBLIC, if your application allows)`);
    }
  }
  const configured = new Set(facts.role_settings.map((c) => c.split('=')[0]));
  const missing = ROLE_DEFAULTS.filter((name) => !configured.has(name));
  if (!facts.role_settings.includes('default_transaction_read_only=on') && !missing.includes('default_transaction_read_only')) {
    problems.push('its default_transaction_read_only default is not on');
  }
  if (missing.length) problems.push(`no role default for ${missing.join(', ')}`);
  if (facts.connection_limit < 0) problems.push('no CONNECTION LIMIT');
  else if (facts.connection_limit < MONITOR_CONNECTION_LIMIT) {
    problems.push(`CONNECTION LIMIT ${facts.connection_limit} leaves no room for the tenant connections (a run holds up to 1 + tenantConnections; the role SQL sets ${MONITOR_CONNECTION_LIMIT}), so the perTenant sources run on the main connection`);
  }
  if (!problems.length) {
    return pass(CheckId.MonitoringRole, title, `${facts.role}: not a superuser, nothing writable, read-only by default, connection limit ${facts.connection_limit}`);
  }
  return warn(CheckId.MonitoringRole, title, `${facts.role}: ${problems.join('; ')}`, `connect as a dedicated monitoring role: ${ROLE_SQL_COMMAND}`);
}

/** Required: without pg_read_all_stats (in pg_monitor) other roles' sessions and statements are hidden. */
export function pgMonitorCheck(facts: DatabaseFacts): CheckResult {
  const title = 'pg_monitor granted';
  if (facts.pg_monitor) return pass(CheckId.PgMonitor, title, facts.superuser ? `${facts.role} is a superuser` : `${facts.role} is a member of pg_monitor`);
  if (facts.read_all_stats) return pass(CheckId.PgMonitor, title, `${facts.role} is a member of pg_read_all_stats (enough; pg_monitor is the recommended grant)`);
  return fail(
    CheckId.PgMonitor, title,
    `${facts.role} is not a member of pg_monitor or pg_read_all_stats: the connection, activity and statement collectors would see only its own sessions`,
    `GRANT pg_monitor TO ${facts.role};`,
  );
}

const PRELOAD_FIX = 'add pg_stat_statements to shared_preload_libraries and restart the server '
  + '(RDS and Aurora: the DB parameter group, which includes it by default; then reboot)';

/** Required: the library must be loaded at server start, or the extension's view errors. */
export function pgStatStatementsPreloadedCheck(facts: DatabaseFacts): CheckResult {
  const title = 'pg_stat_statements preloaded';
  if (facts.pss_loaded) return pass(CheckId.PgStatStatementsPreloaded, title, 'the library is loaded (shared_preload_libraries)');
  return fail(
    CheckId.PgStatStatementsPreloaded, title,
    'the pg_stat_statements library is not loaded: QueryLatency, the top-10 statements and CrossTenantQueries cannot be collected',
    PRELOAD_FIX,
  );
}

/** Required: the extension in the monitored database itself (it is per database). */
export async function pgStatStatementsCreatedCheck(s: DoctorSession, facts: DatabaseFacts): Promise<CheckResult> {
  const title = 'pg_stat_statements created';
  const fix = `CREATE EXTENSION IF NOT EXISTS pg_stat_statements; (as a superuser or rds_superuser, in database ${facts.database})`;
  if (facts.pss_version === null) {
    return fail(CheckId.PgStatStatementsCreated, title, `the extension does not exist in database ${facts.database}`, fix);
  }
  if (!facts.pss_loaded) return skip(CheckId.PgStatStatementsCreated, title, `version ${facts.pss_version} exists, but its view cannot be read until the library is preloaded`);
  try {
    // showtext false: no read of the query-text file, which can be large (the collectors read it so too).
    await s.db.query('SELECT 1 FROM pg_stat_statements(false) LIMIT 1');
  } catch (error) {
    return fail(CheckId.PgStatStatementsCreated, title, `version ${facts.pss_version} exists, but reading it failed: ${messageOf(error)}`, fix);
  }
  return pass(CheckId.PgStatStatementsCreated, title, `version ${facts.pss_version} in database ${facts.database}`);
}

/** Recommended: I/O time per statement, what a DBA needs when Disk I/O Spike fires. */
export function trackIoTimingCheck(facts: DatabaseFacts): CheckResult {
  const title = 'track_io_timing';
  if (facts.track_io_timing === 'on') return pass(CheckId.TrackIoTiming, title, 'on');
  return warn(
    CheckId.TrackIoTiming, title,
    'off: pg_stat_statements records no time spent reading blocks (tenantwatch\'s metrics do not need it; diagnosing a Disk I/O Spike does)',
    'ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf(); (RDS and Aurora: the DB parameter group, no reboot)',
  );
}

/** Tenant discovery as the collector runs it; no tenant is a warning (the tenant metrics would all be 0). */
export async function tenantsCheck(s: DoctorSession): Promise<{ readonly result: CheckResult; readonly tenants: readonly Tenant[] }> {
  const title = 'tenants discovered';
  const how = s.settings.tenants.table
    ? `table ${s.settings.tenants.table.table}${s.settings.tenants.schemaPattern ? ` and pattern ${s.settings.tenants.schemaPattern}` : ''}`
    : `schema pattern ${s.settings.tenants.schemaPattern ?? ''}`;
  try {
    const tenants = await discoverTenants(s.db, s.settings.tenants);
    if (!tenants.length) {
      return {
        tenants,
        result: warn(CheckId.Tenants, title, `0 tenant schemas (${how})`, 'set collector.tenants.schemaPattern or collector.tenants.table to match your tenant schemas (README "Configuration")'),
      };
    }
    return { tenants, result: pass(CheckId.Tenants, title, `${tenants.length} tenant schema${tenants.length === 1 ? '' : 's'} (${how})`) };
  } catch (error) {
    return {
      tenants: [],
      result: fail(CheckId.Tenants, title, `discovery failed (${how}): ${messageOf(error)}`, 'fix collector.tenants, and GRANT SELECT on the tenants table to the monitoring role'),
    };
  }
}
