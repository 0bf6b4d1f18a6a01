/**
 * The cardinality cap: per-tenant dimension sets are published for the N busiest tenants
 * only (CloudWatch bills every distinct dimension set as a metric); totals always cover
 * every tenant, and the full table goes to the structured log.
 */

/** The n entries with the highest positive score; ties go to the lower key, so the choice is stable. */
export function topByScore<T>(entries: readonly T[], n: number, score: (e: T) => number, key: (e: T) => string): T[] {
  if (n <= 0) return [];
  return entries
    .filter((e) => score(e) > 0)
    .sort((a, b) => score(b) - score(a) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .slice(0, n);
}
