/**
 * The SQL that creates tenantwatch's monitoring role in a monitored database: login with a
 * connection limit, read-only and bounded by default, pg_monitor, and SELECT on exactly
 * the tables the configured SQL sources and tenant discovery read: the shared tables by
 * name, and in every tenant schema the tables the perTenant sources read (a DO block over
 * the schemas the configured discovery finds, so re-running it after a tenant is created
 * grants the new schema too). Idempotent. `npm run doctor -- --print-role-sql` prints it;
 * lambdas/core/sql/monitoring-role.sql is its output for the default configuration.
 */
import pg from 'pg';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import { quoteQualifiedName } from '../../collector/tenants/discovery.js';
import { DEFAULT_TENANT_CONNECTIONS } from '../../core/config/collector-settings.js';
import type { ConfiguredRelations, RelationName } from './source-relations.js';

/**
 * One collection run holds its main connection and, by default, two tenant connections
 * (reserved concurrency 1; setting `tenantConnections`), plus one reconnect after the old
 * socket is gone; one more for `npm run doctor` or psql, one spare. A target with more
 * tenant connections needs a higher limit; without room for them its perTenant sources
 * run on the main connection.
 */
export const MONITOR_CONNECTION_LIMIT = 1 + DEFAULT_TENANT_CONNECTIONS + 3;
/**
 * A collector never idles inside a transaction; a session that does (a frozen Lambda
 * execution environment) would hold its ACCESS SHARE locks and block the application's DDL.
 */
export const MONITOR_IDLE_IN_TRANSACTION_TIMEOUT = '60s';
/** GRANT SET ON PARAMETER exists from PostgreSQL 15. */
const PARAMETER_GRANTS_VERSION = 150000;
/** Dollar-quote tag of the DO blocks: a config's SQL fragments cannot close it by accident. */
const TAG = '$tenantwatch$';

const qualified = (r: RelationName): string => `${pg.escapeIdentifier(r.schema)}.${pg.escapeIdentifier(r.name)}`;

function sharedTables(relations: ConfiguredRelations): RelationName[] {
  const all = new Map<string, RelationName>();
  for (const r of [...relations.discovery, ...relations.sources.flatMap((s) => s.shared)]) all.set(qualified(r), r);
  return [...all.values()].sort((a, b) => qualified(a).localeCompare(qualified(b)));
}

/** The schemas tenant discovery finds, as a SQL predicate on `n.nspname` (the same rules as discovery.ts). */
function tenantSchemaPredicate(settings: CollectorSettings): string {
  const { schemaPattern, table } = settings.tenants;
  const conditions: string[] = [];
  if (table) {
    conditions.push(`n.nspname IN (SELECT (${pg.escapeIdentifier(table.schemaColumn)})::text FROM ${quoteQualifiedName(table.table)} WHERE (${table.where ?? 'true'}))`);
  }
  if (schemaPattern !== undefined) conditions.push(`n.nspname ~ ${pg.escapeLiteral(schemaPattern)}`);
  return conditions.join(' AND ');
}

function sourceComments(relations: ConfiguredRelations): string[] {
  const lines = relations.sources.map((s) => {
    const tables = [...s.shared.map(qualified), ...s.tenantTables.map((t) => `<tenant>.${pg.escapeIdentifier(t)}`)];
    return `--   ${s.source}: ${tables.length ? tables.join(', ') : '(no table)'}`;
  });
  if (relations.discovery.length) lines.push(`--   tenant discovery: ${relations.discovery.map(qualified).join(', ')}`);
  for (const u of relations.unresolved) lines.push(`--   ${u.source}: NOT ANALYSED (${u.reason.replace(/\s+/g, ' ')}): grant what it reads yourself`);
  return lines;
}

function sharedGrants(tables: readonly RelationName[], role: string): string[] {
  if (!tables.length) return ['-- (no shared table)'];
  const schemas = [...new Set(tables.map((t) => t.schema))].sort();
  return [
    ...schemas.map((s) => `GRANT USAGE ON SCHEMA ${pg.escapeIdentifier(s)} TO ${role};`),
    `GRANT SELECT ON TABLE ${tables.map(qualified).join(', ')} TO ${role};`,
  ];
}

/**
 * Each GRANT holds a lock on its table and on its schema until the transaction ends; the
 * server's lock table holds about max_locks_per_transaction x max_connections (6,400 with
 * the defaults). 10,000 tenants with two tables each need 30,000: the grants are
 * committed every so many tenant schemas, so that any tenant count fits.
 */
export const ROLE_GRANT_LOCKS_PER_COMMIT = 2_000;

function tenantGrants(relations: ConfiguredRelations, settings: CollectorSettings, role: string): string[] {
  const names = [...new Set(relations.sources.flatMap((s) => s.tenantTables))].sort();
  if (!names.length) return ['-- (no perTenant source reads a tenant table)'];
  // One lock for the schema and one per table.
  const schemasPerCommit = Math.max(1, Math.floor(ROLE_GRANT_LOCKS_PER_COMMIT / (1 + names.length)));
  return [
    'DO ' + TAG,
    'DECLARE',
    '  t record;',
    '  previous text;',
    '  schemas int := 0;',
    'BEGIN',
    '  FOR t IN',
    '    SELECT n.nspname AS schema_name, c.relname AS table_name',
    '    FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid',
    `    WHERE ${tenantSchemaPredicate(settings)}`,
    `      AND c.relname IN (${names.map((n) => pg.escapeLiteral(n)).join(', ')}) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    '    ORDER BY 1, 2',
    '  LOOP',
    '    IF t.schema_name IS DISTINCT FROM previous THEN',
    `      IF schemas > 0 AND schemas % ${schemasPerCommit} = 0 THEN`,
    '        COMMIT;',
    '      END IF;',
    '      schemas := schemas + 1;',
    '      previous := t.schema_name;',
    `      EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${role}', t.schema_name);`,
    '    END IF;',
    `    EXECUTE format('GRANT SELECT ON TABLE %I.%I TO ${role}', t.schema_name, t.table_name);`,
    '  END LOOP;',
    `END ${TAG};`,
  ];
}

/** `role` must match ROLE_NAME_PATTERN (args.ts): it is written into SQL text as is. */
export function monitoringRoleSql(relations: ConfiguredRelations, settings: CollectorSettings, role: string): string {
  const tenantNames = [...new Set(relations.sources.flatMap((s) => s.tenantTables))].sort();
  return [
    `-- tenantwatch monitoring role ${role}: read-only, pg_monitor, and SELECT on exactly the tables`,
    '-- the configured SQL sources and tenant discovery read. Generated by',
    '-- `npm run doctor -- --print-role-sql` (lambdas/local/doctor/role-sql.ts) from the collector settings.',
    '--',
    '-- Run it as a superuser (RDS and Aurora: the master user) in the monitored database, one',
    '-- statement at a time as `psql -f` does (not `psql -1`: section 5 commits every few hundred',
    '-- tenant schemas, so that thousands of them fit the lock table), then give',
    `-- the role a password (psql: \\password ${role}) and store it in the target's Secrets Manager`,
    '-- secret. Idempotent: run it again after a tenant schema is created (section 5 grants every',
    '-- tenant schema that exists then), or after the sources change.',
    `-- Remove: DROP OWNED BY ${role}; (revokes its grants in this database) DROP ROLE ${role};`,
    '',
    '-- 1. The role: may log in, a few connections, read-only and bounded by default (the collector',
    '--    also sets these on every session; the role defaults cover any other client).',
    `DO ${TAG}`,
    'BEGIN',
    `  CREATE ROLE ${role} LOGIN;`,
    'EXCEPTION WHEN duplicate_object THEN NULL;',
    `END ${TAG};`,
    // A new role has no other attribute; changing SUPERUSER, REPLICATION or BYPASSRLS would need a real superuser (not RDS's master user).
    `ALTER ROLE ${role} LOGIN CONNECTION LIMIT ${MONITOR_CONNECTION_LIMIT};`,
    `ALTER ROLE ${role} SET default_transaction_read_only = on;`,
    `ALTER ROLE ${role} SET statement_timeout = '${settings.statementTimeoutMs}ms';`,
    `ALTER ROLE ${role} SET lock_timeout = '${settings.lockTimeoutMs}ms';`,
    `ALTER ROLE ${role} SET idle_in_transaction_session_timeout = '${MONITOR_IDLE_IN_TRANSACTION_TIMEOUT}';`,
    '',
    '-- 2. Every session\'s activity and every statement\'s statistics (pg_stat_activity,',
    '--    pg_stat_statements, pg_stat_replication): pg_monitor, read-only by design.',
    `GRANT pg_monitor TO ${role};`,
    '',
    '-- 3. This database (PUBLIC may have lost CONNECT in a hardened database).',
    `DO ${TAG}`,
    'BEGIN',
    `  EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${role}', current_database());`,
    `END ${TAG};`,
    '',
    '-- 4. Shared tables. What each source reads, as PostgreSQL plans it:',
    ...sourceComments(relations),
    ...sharedGrants(sharedTables(relations), role),
    '',
    `-- 5. In every tenant schema the configured discovery finds: ${tenantNames.length ? tenantNames.join(', ') : 'nothing'}.`,
    '--    Nothing else of a tenant (employees, payslips, ...) is readable.',
    ...tenantGrants(relations, settings, role),
    '',
    '-- 6. PostgreSQL 15+: let the perTenant sources leave their own reads out of the tenant',
    '--    activity statistics (track_counts = off for its own session only).',
    `DO ${TAG}`,
    'BEGIN',
    `  IF current_setting('server_version_num')::int >= ${PARAMETER_GRANTS_VERSION} THEN`,
    `    EXECUTE 'GRANT SET ON PARAMETER track_counts TO ${role}';`,
    '  END IF;',
    'EXCEPTION WHEN insufficient_privilege THEN',
    "  RAISE NOTICE 'track_counts: only a superuser may grant it; the monitor''s reads then count as tenant activity';",
    `END ${TAG};`,
    '',
  ].join('\n');
}
