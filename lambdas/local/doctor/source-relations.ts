/**
 * Which tables each configured SQL source (and tenant discovery by table) reads, as
 * PostgreSQL itself resolves them: the plan of the source's real statement
 * (EXPLAIN (VERBOSE, FORMAT JSON), never executed), which names every scanned relation
 * with its schema, however the SQL is written (CTEs, subqueries, joins, aliases). A
 * perTenant source is planned for one tenant: relations in that tenant's schema are the
 * tenant tables every tenant schema needs granted.
 *
 * Limits: EXPLAIN needs the privileges the query needs (connect as an administrator), and
 * a view is planned as the tables under it: a source reading a view needs SELECT on the
 * view instead (the doctor's source checks report the missing grant).
 */
import pg from 'pg';
import type { QueryRunner, Tenant } from '../../collector/collector.js';
import { compileSource } from '../../collector/sources/compile.js';
import { tenantTableSql } from '../../collector/tenants/discovery.js';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import { Placeholder, type Source } from '../../core/config/sources.js';
import { messageOf } from './check.js';

export interface RelationName {
  readonly schema: string;
  readonly name: string;
}

export interface SourceRelations {
  readonly source: string;
  readonly perTenant: boolean;
  /** Relations outside the tenant schemas. */
  readonly shared: readonly RelationName[];
  /** Relation names inside each tenant schema (perTenant sources). */
  readonly tenantTables: readonly string[];
}

export interface ConfiguredRelations {
  readonly sources: readonly SourceRelations[];
  /** The tenants table, when discovery reads one. */
  readonly discovery: readonly RelationName[];
  /** Sources that could not be planned (broken SQL, no tenant to plan a perTenant source for). */
  readonly unresolved: readonly { readonly source: string; readonly reason: string }[];
}

const SYSTEM_SCHEMA = /^(pg_catalog|information_schema|pg_toast.*)$/;
/** Any window: a plan does not depend on the timestamps. */
const PLAN_WINDOW_MS = 60_000;

/** Every `Relation Name` (with its `Schema`) anywhere in an EXPLAIN (VERBOSE, FORMAT JSON) plan. */
export function planRelations(plan: unknown): RelationName[] {
  const found = new Map<string, RelationName>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const name = record['Relation Name'];
    const schema = record.Schema;
    if (typeof name === 'string' && typeof schema === 'string' && !SYSTEM_SCHEMA.test(schema)) found.set(`${schema}\u0000${name}`, { schema, name });
    Object.values(record).forEach(visit);
  };
  visit(plan);
  return [...found.values()].sort((a, b) => a.schema.localeCompare(b.schema) || a.name.localeCompare(b.name));
}

export async function explainRelations(db: QueryRunner, text: string, params: readonly unknown[]): Promise<RelationName[]> {
  const rows = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (VERBOSE, FORMAT JSON) ${text}`, params);
  return planRelations(rows.map((r) => r['QUERY PLAN']));
}

/**
 * The source's statement as it runs for one tenant: the tenant's schema put in as the
 * engine does (a quoted identifier), the window placeholders bound by the engine. Planned
 * as a plain statement, whatever wrapper the engine runs perTenant statements in.
 */
function statementFor(source: Source, tenant: Tenant | undefined): { text: string; params: readonly unknown[] } {
  if (source.perTenant && !tenant) throw new Error('no tenant schema was discovered to plan this perTenant source for');
  // A replacer function: `$&` and friends in a schema name stay literal.
  const sql = source.perTenant ? source.sql.replaceAll(Placeholder.Tenant, () => pg.escapeIdentifier(tenant!.schema)) : source.sql;
  const end = new Date();
  const [statement] = compileSource({ ...source, sql, perTenant: false }, { start: new Date(end.getTime() - PLAN_WINDOW_MS), end }, [], 1);
  return statement!;
}

async function sourceRelations(db: QueryRunner, source: Source, tenant: Tenant | undefined): Promise<SourceRelations> {
  const statement = statementFor(source, tenant);
  const relations = await explainRelations(db, statement.text, statement.params);
  const inTenant = (r: RelationName) => source.perTenant && r.schema === tenant?.schema;
  return {
    source: source.name,
    perTenant: source.perTenant,
    shared: relations.filter((r) => !inTenant(r)),
    tenantTables: relations.filter(inTenant).map((r) => r.name),
  };
}

export async function configuredRelations(db: QueryRunner, settings: CollectorSettings, tenants: readonly Tenant[]): Promise<ConfiguredRelations> {
  const sources: SourceRelations[] = [];
  const unresolved: { source: string; reason: string }[] = [];
  for (const source of settings.sources) {
    try {
      sources.push(await sourceRelations(db, source, tenants[0]));
    } catch (error) {
      unresolved.push({ source: source.name, reason: messageOf(error) });
    }
  }
  const table = settings.tenants.table;
  const discovery = table ? await explainRelations(db, tenantTableSql(table), [settings.tenants.schemaPattern ?? null]) : [];
  return { sources, discovery, unresolved };
}
