/**
 * Tenant discovery, in one statement whatever the tenant count. The schema pattern is a
 * bind parameter; the tenants table and its columns are validated identifiers, quoted; a
 * schema name only ever travels as data (a bind parameter or a row value), so a hostile
 * schema name cannot inject SQL.
 */
import pg from 'pg';
import type { TenantDiscovery, TenantTable } from '../../core/config/tenants.js';
import type { Logger } from '../../core/log/logger.js';
import type { QueryRunner, Tenant } from '../collector.js';

/** Listed tenants without a schema are logged by name, up to this many. */
const MISSING_SCHEMAS_LOGGED = 10;

const BY_PATTERN = 'SELECT nspname AS schema, nspname AS name, true AS present FROM pg_namespace WHERE nspname ~ $1::text ORDER BY nspname';

/** `app.tenants` -> `"app"."tenants"`: every part quoted, so the name is taken literally. */
export function quoteQualifiedName(name: string): string {
  return name.split('.').map((part) => pg.escapeIdentifier(part)).join('.');
}

/**
 * Tenants listed in a table. The optional pattern ($1) filters them; a listed schema that
 * does not exist comes back with present = false (measuring it would fail every query).
 */
export function tenantTableSql(table: TenantTable): string {
  const schemaColumn = pg.escapeIdentifier(table.schemaColumn);
  const nameColumn = table.nameColumn ? pg.escapeIdentifier(table.nameColumn) : schemaColumn;
  return `SELECT DISTINCT ON (t.schema) t.schema, coalesce(t.name, t.schema) AS name, n.oid IS NOT NULL AS present
FROM (SELECT (${schemaColumn})::text AS schema, (${nameColumn})::text AS name
      FROM ${quoteQualifiedName(table.table)}
      WHERE (${table.where ?? 'true'})) t
LEFT JOIN pg_namespace n ON n.nspname = t.schema
WHERE t.schema IS NOT NULL AND ($1::text IS NULL OR t.schema ~ $1::text)
ORDER BY t.schema, t.name`;
}

interface DiscoveredRow extends Record<string, unknown> {
  schema: string;
  name: string;
  present: boolean;
}

export async function discoverTenants(db: QueryRunner, discovery: TenantDiscovery, log?: Logger): Promise<readonly Tenant[]> {
  const rows = discovery.table
    ? await db.query<DiscoveredRow>(tenantTableSql(discovery.table), [discovery.schemaPattern ?? null])
    : await db.query<DiscoveredRow>(BY_PATTERN, [discovery.schemaPattern]);
  const missing = rows.filter((r) => !r.present).map((r) => r.schema);
  if (missing.length) {
    log?.warn('tenants_without_schema', { count: missing.length, schemas: missing.slice(0, MISSING_SCHEMAS_LOGGED) });
  }
  return rows.filter((r) => r.present).map((r) => ({ schema: r.schema, name: r.name }));
}
