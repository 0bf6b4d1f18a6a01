/** How tenants are discovered in the production database. */
import { z } from 'zod';

/**
 * Identifiers named in config (the tenants table and its columns). They are quoted when
 * used, so they are case-sensitive as stored in pg_class / pg_attribute; the pattern keeps
 * them to ordinary names so a typo gives a clear error rather than a strange query.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const QUALIFIED_NAME_PATTERN = /^([A-Za-z_][A-Za-z0-9_$]{0,62}\.)?[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const identifier = z.string().regex(IDENTIFIER_PATTERN, 'a plain identifier: letters, digits, _ or $, starting with a letter or _, at most 63 characters');

export const tenantTableSchema = z.strictObject({
  table: z.string().regex(QUALIFIED_NAME_PATTERN, 'a table name, optionally schema-qualified (e.g. app.tenants), made of plain identifiers')
    .describe('schema-qualified table, e.g. app.tenants'),
  schemaColumn: identifier.default('schema_name'),
  nameColumn: identifier.optional().describe('column with the tenant display name (the Tenant dimension); default: the schema name'),
  where: z.string().min(1).optional().describe('optional SQL predicate, e.g. status = \'active\''),
});
export type TenantTable = z.infer<typeof tenantTableSchema>;

export const tenantDiscoverySchema = z.strictObject({
  /**
   * Tenant schemas by name: a POSIX regular expression matched against pg_namespace.nspname
   * (passed as a bind parameter, never interpolated). With `table` too, it filters the
   * table's schemas.
   */
  schemaPattern: z.string().min(1).optional()
    .describe('POSIX regex on schema names, e.g. ^tenant_'),
  /**
   * Tenant schemas listed in a table: `SELECT <schemaColumn>, <nameColumn> FROM <table>`.
   * Identifiers are validated and quoted; schemas that do not exist are left out.
   */
  table: tenantTableSchema.optional(),
}).refine((d) => d.schemaPattern !== undefined || d.table !== undefined, {
  message: 'set schemaPattern, table, or both',
});
export type TenantDiscovery = z.infer<typeof tenantDiscoverySchema>;

export const DEFAULT_TENANT_DISCOVERY: TenantDiscovery = { schemaPattern: '^tenant_' };
