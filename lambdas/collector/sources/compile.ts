/**
 * A source's SQL as the statements that run it. Window placeholders become typed bind
 * parameters; `{{tenant}}` becomes a quoted identifier (pg.escapeIdentifier), once per
 * tenant, in UNION ALL statements of at most `chunkSize` tenants. Each branch carries the
 * tenant's position as an integer literal we generate, so no tenant name is ever
 * interpolated as a value and the rows map back to tenants without trusting the data.
 */
import pg from 'pg';
import { Placeholder, type Source } from '../../core/config/sources.js';
import type { Tenant } from '../collector.js';

/**
 * The column that tags each row of a perTenant statement with its tenant. It also marks
 * the statement as tenantwatch's own in pg_stat_statements (which strips comments), so
 * the cross-tenant detector does not flag the monitor's own UNION ALL.
 */
export const TENANT_INDEX_COLUMN = 'tenantwatch_tenant';
const TRAILING_TERMINATORS = /[\s;]+$/;

export interface SourceWindow {
  /** Undefined until a previous run recorded where its window ended (the first run is a baseline). */
  readonly start?: Date;
  readonly end: Date;
}

export interface CompiledStatement {
  readonly text: string;
  readonly params: readonly string[];
  /** For perTenant statements: the tenant of each TENANT_INDEX_COLUMN value. */
  readonly tenants?: readonly Tenant[];
}

export const usesWindowStart = (source: Source): boolean => source.sql.includes(Placeholder.WindowStart);
export const usesWindowEnd = (source: Source): boolean => source.sql.includes(Placeholder.WindowEnd);

/** Placeholders -> `$n::timestamptz`, numbered by which of them the source uses. */
function bindWindow(sql: string, source: Source, window: SourceWindow): { sql: string; params: string[] } {
  const params: string[] = [];
  let text = sql;
  const bind = (placeholder: string, value: Date | undefined) => {
    if (!text.includes(placeholder)) return;
    if (!value) throw new Error(`source "${source.name}": ${placeholder} has no value yet (no previous run)`);
    params.push(value.toISOString());
    text = text.replaceAll(placeholder, `$${params.length}::timestamptz`);
  };
  bind(Placeholder.WindowStart, window.start);
  bind(Placeholder.WindowEnd, window.end);
  return { sql: text, params };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function compileSource(source: Source, window: SourceWindow, tenants: readonly Tenant[], chunkSize: number): CompiledStatement[] {
  const { sql, params } = bindWindow(source.sql.replace(TRAILING_TERMINATORS, ''), source, window);
  if (!source.perTenant) return [{ text: sql, params }];
  return chunks(tenants, chunkSize).map((chunk) => ({
    text: chunk
      // A replacer function, not a string: in a replacement string `$&`, `$'` and `$\``
      // are patterns, so a schema named `tenant_$'` would splice SQL text into the identifier.
      .map((t, i) => `SELECT ${i} AS ${TENANT_INDEX_COLUMN}, s.* FROM (${sql.replaceAll(Placeholder.Tenant, () => pg.escapeIdentifier(t.schema))}) AS s`)
      .join('\nUNION ALL\n'),
    params,
    tenants: chunk,
  }));
}
