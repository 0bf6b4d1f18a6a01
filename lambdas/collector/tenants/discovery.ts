/**
 * Tenant discovery. The schema pattern is a bind parameter and schema names are only
 * ever used as quoted identifiers, so a hostile schema name cannot inject SQL.
 */
import type { TenantDiscovery } from '../../core/config/tenants.js';
import type { QueryRunner, Tenant } from '../collector.js';

export async function discoverTenants(db: QueryRunner, discovery: TenantDiscovery): Promise<readonly Tenant[]> {
  if (discovery.table) throw new Error('tenant discovery by table is not implemented yet');
  const rows = await db.query<{ schema: string }>(
    'SELECT nspname AS schema FROM pg_namespace WHERE nspname ~ $1 ORDER BY nspname',
    [discovery.schemaPattern],
  );
  return rows.map((r) => ({ schema: r.schema, name: r.schema }));
}
