/** What a run cost the production database: the benchmark and the run result report it. */
export interface QueryStats {
  /** SQL statements sent (collector queries and the runtime's own BEGIN/SET/COMMIT). */
  statements: number;
  /** Rows returned to the collector. */
  rows: number;
}

export function emptyQueryStats(): QueryStats {
  return { statements: 0, rows: 0 };
}

export function addQueryStats(into: QueryStats, from: Readonly<QueryStats>): void {
  into.statements += from.statements;
  into.rows += from.rows;
}
