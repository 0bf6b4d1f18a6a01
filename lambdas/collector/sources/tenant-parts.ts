/**
 * How a run's tenants are split into the statements of its tenant reads
 * (sources/tenant-reads.ts). Pure.
 */

/**
 * The tenant positions of each part: at least one part per connection (so that every
 * connection works), never more than `chunkSize` tenants in one (each tenant's tables stay
 * locked until the statement ends), and no empty part. Tenants are dealt out in turn, so
 * neighbouring tenants (often created together, of similar size) land in different parts
 * and the parts take about as long. The part count depends on the tenant count only
 * through `chunkSize`: with the default chunk size a run sends one statement per connection.
 */
export function tenantParts(tenantCount: number, connections: number, chunkSize: number): number[][] {
  if (tenantCount <= 0) return [];
  const count = Math.min(tenantCount, Math.max(connections, Math.ceil(tenantCount / chunkSize)));
  const parts: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < tenantCount; i++) parts[i % count]!.push(i);
  return parts;
}
