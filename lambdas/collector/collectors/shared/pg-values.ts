/**
 * Row values as numbers. node-postgres returns bigint and numeric as strings (they may not
 * fit a double); the counters and gauges we read always do, so we convert at one place.
 */

export function toNumber(value: unknown, column: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' || typeof value === 'bigint' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new Error(`column ${column}: expected a number, got ${JSON.stringify(value)}`);
  return n;
}

export function toNumberOrNull(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : toNumber(value, column);
}

/** Rounds to `decimals` places (CloudWatch keeps about 3 significant digits of a distribution anyway). */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
