/**
 * A realistic pg_stat_statements population, cheaply: the application's own kind of
 * statement (unqualified table names under the tenant's search_path), K shapes run once
 * per tenant schema, many statements per round trip, T x K entries.
 *
 * Up to PostgreSQL 17 an entry is keyed by the OIDs of the relations a statement read,
 * so the same text in two tenant schemas is two entries. PostgreSQL 18 keys it by the
 * relation's alias, or its name when there is no alias (schema left out): every tenant's
 * copy of a statement is then ONE entry, and so are two statements that differ only in
 * the aliased table. Each tenant's statements therefore carry an alias of their own,
 * made of the table and the tenant's position, which gives T x K entries on every major.
 */
import pg from 'pg';
import { connectWorkload } from '../../lambdas/local/demo/workload.js';
import { withAdmin } from '../support/runtime-fixtures.js';

/** Columns of the demo's eight tenant tables (lambdas/local/demo/schema.ts): one statement shape each. */
const TENANT_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  departments: ['id', 'name'],
  employees: ['id', 'department_id', 'first_name', 'last_name', 'email', 'salary_cents', 'hired_at', 'active'],
  pay_schedules: ['id', 'frequency', 'next_run_date'],
  payroll_runs: ['id', 'period_start', 'period_end', 'status', 'started_at', 'completed_at', 'employee_count', 'total_gross_cents'],
  payslips: ['id', 'payroll_run_id', 'employee_id', 'gross_cents', 'tax_cents', 'net_cents', 'created_at'],
  time_entries: ['id', 'employee_id', 'work_date', 'hours'],
  sessions: ['id', 'user_id', 'started_at', 'last_seen_at', 'ended_at'],
  documents: ['id', 'employee_id', 'kind', 'storage_key', 'created_at'],
};

/** A statement shape: its text for the tenant at this position in the plan. */
export type StatementShape = (tenantIndex: number) => string;

/** Interleaved by table, so a few shapes per tenant already touch several tables. */
export const STATEMENT_SHAPES: readonly StatementShape[] = (() => {
  const tables = Object.entries(TENANT_COLUMNS);
  const longest = Math.max(...tables.map(([, columns]) => columns.length));
  const shapes: StatementShape[] = [];
  for (let i = 0; i < longest; i++) {
    for (const [table, columns] of tables) {
      const column = columns[i];
      if (column) shapes.push((tenantIndex) => `SELECT count(${column}) FROM ${table} ${table}_${tenantIndex}`);
    }
  }
  return shapes;
})();

/** A tenant schema and its position in the demo plan (which names its statements' alias). */
export interface PopulationTenant {
  readonly schema: string;
  readonly index: number;
}

/** Tenants per round trip: a few hundred statements in one simple-protocol message. */
const TENANTS_PER_ROUND_TRIP = 50;

/** Shapes per tenant so that `tenants` schemas give at least `entries` entries (at most every shape). */
export function shapesPerTenant(entries: number, tenants: number): number {
  if (entries <= 0 || tenants <= 0) return 0;
  return Math.min(STATEMENT_SHAPES.length, Math.ceil(entries / tenants));
}

/**
 * One message: for each schema, switch search_path (set_config with a constant, so the
 * switch itself is a single entry however many tenants there are), then the shapes.
 */
export function populationSql(tenants: readonly PopulationTenant[], shapes: number): string {
  return tenants
    .flatMap((t) => [
      `SELECT set_config('search_path', ${pg.escapeLiteral(pg.escapeIdentifier(t.schema))}, false)`,
      ...STATEMENT_SHAPES.slice(0, shapes).map((shape) => shape(t.index)),
    ])
    .map((s) => `${s};`)
    .join('\n');
}

/** Runs the shapes in these tenant schemas as the application role (one connection). */
export async function runShapes(url: string, tenants: readonly PopulationTenant[], shapes: number, onBatch?: (done: number) => void): Promise<void> {
  if (shapes === 0 || tenants.length === 0) return;
  const client = await connectWorkload(url);
  try {
    for (let i = 0; i < tenants.length; i += TENANTS_PER_ROUND_TRIP) {
      await client.query(populationSql(tenants.slice(i, i + TENANTS_PER_ROUND_TRIP), shapes));
      onBatch?.(Math.min(tenants.length, i + TENANTS_PER_ROUND_TRIP));
    }
  } finally {
    await client.end();
  }
}

export async function countStatementEntries(adminUrl: string): Promise<number> {
  const { rows } = await withAdmin(adminUrl, (c) => c.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_statements'));
  return Number(rows[0]?.n ?? 0);
}

/** Empties pg_stat_statements (every database and role), so each benchmark starts from the same population. */
export async function resetStatements(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, (c) => c.query('SELECT pg_stat_statements_reset()'));
}
