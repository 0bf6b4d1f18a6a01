/** How tenants are discovered in the production database. */
import { z } from 'zod';

export const tenantDiscoverySchema = z.strictObject({
  /**
   * Tenant schemas by name: a POSIX regular expression matched against pg_namespace.nspname
   * (passed as a bind parameter, never interpolated).
   */
  schemaPattern: z.string().min(1).optional()
    .describe('POSIX regex on schema names, e.g. ^tenant_'),
  /**
   * Tenant schemas listed in a table: `SELECT <schemaColumn>, <nameColumn> FROM <table>`.
   * Identifiers are validated and quoted.
   */
  table: z.strictObject({
    table: z.string().min(1).describe('schema-qualified table, e.g. app.tenants'),
    schemaColumn: z.string().min(1).default('schema_name'),
    nameColumn: z.string().min(1).optional(),
    where: z.string().min(1).optional().describe('optional SQL predicate, e.g. status = \'active\''),
  }).optional(),
}).refine((d) => d.schemaPattern !== undefined || d.table !== undefined, {
  message: 'set schemaPattern, table, or both',
});
export type TenantDiscovery = z.infer<typeof tenantDiscoverySchema>;

export const DEFAULT_TENANT_DISCOVERY: TenantDiscovery = { schemaPattern: '^tenant_' };
