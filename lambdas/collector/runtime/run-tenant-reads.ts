/**
 * A run's tenant reads from start to end (sources/tenant-reads.ts): the connections'
 * slots, the reads started as the run begins (prefetch-tenant-reads.ts), and afterwards
 * the connections released, kept unless a statement is still running on them. Their
 * statements are counted apart from the collectors' (they run beside them).
 */
import type { Collector } from '../collector.js';
import type { Logger } from '../../core/log/logger.js';
import { createTenantReads, type TenantReads } from '../sources/tenant-reads.js';
import { prefetchTenantReads } from './prefetch-tenant-reads.js';
import { type QueryStats, emptyQueryStats } from './query-stats.js';
import type { RunEnvironment } from './run-collector.js';
import { type TenantConnectionOptions, tenantConnectionSlots } from './tenant-connections.js';
import { within } from './within.js';

export interface RunTenantReads {
  readonly reads: TenantReads;
  /** Starts the reads of these collectors' perTenant sources now (nothing is reported from here). */
  prefetch(env: RunEnvironment, collectors: readonly Collector[]): void;
  /** After the collectors: waits for the prefetch at most `waitMs`, releases the connections; what they cost. */
  finish(waitMs: number): Promise<QueryStats>;
}

export function runTenantReads(options: TenantConnectionOptions, chunkSize: number, log: Logger): RunTenantReads {
  const stats = emptyQueryStats();
  const slots = tenantConnectionSlots(options, stats, log);
  const reads = createTenantReads(slots, chunkSize);
  let started: Promise<void> | undefined;
  return {
    reads,
    prefetch(env, collectors) {
      started = prefetchTenantReads(env, collectors, reads).catch((error: unknown) => log.debug('tenant_reads_not_prefetched', { error }));
    },
    async finish(waitMs) {
      // A tenant connection that went silent mid-run must not hold up the publish.
      if (started) await within(started, waitMs, () => new Error('tenant reads still starting')).catch(() => undefined);
      // A read still running (its collector gave up on it) loses its connection: it is not kept.
      await slots.release(reads.busySlots());
      return stats;
    },
  };
}
