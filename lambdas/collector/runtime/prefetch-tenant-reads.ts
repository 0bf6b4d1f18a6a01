/**
 * Starts the tenant reads (sources/tenant-reads.ts) when the run starts, not when the
 * collector that publishes them gets its turn: they then run on the tenant connections
 * while the main connection serves the collectors before it. The collector asks for the
 * same reads later and gets these promises, or, if its windows turned out different
 * (another run saved in between), reads again: its own windows are the ones it saves.
 *
 * Nothing here is reported: whatever fails (discovery, the state store), the collector
 * meets again on its own and reports it.
 */
import type { Collector } from '../collector.js';
import type { Logger } from '../../core/log/logger.js';
import { sourceWindows, tenantReadRequests } from '../sources/run-sources.js';
import type { TenantReads } from '../sources/tenant-reads.js';
import { createCounterTracker } from '../state/counter-tracker.js';
import { MIN_COLLECTOR_TIME_MS, type RunEnvironment, STATE_STORE_WAIT_SHARE } from './run-collector.js';

/** The collector logs what the prefetch would: one warning per problem, not two. */
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

export async function prefetchTenantReads(env: RunEnvironment, collectors: readonly Collector[], reads: TenantReads): Promise<void> {
  const readers = collectors.filter((c) => c.perTenantSources?.(env.settings).length);
  // Too late for any collector to start: nothing to read for.
  if (!readers.length || env.collectUntil - env.clock() < MIN_COLLECTOR_TIME_MS) return;
  // Called before any collector can ask: the run's discovery goes to the tenant connection
  // (where none opens, the collectors' own call runs it on the main one: run-collector.ts).
  const discovered = env.tenants(reads.db);
  discovered.catch(() => undefined);
  for (const c of readers) {
    const sources = c.perTenantSources!(env.settings);
    const counters = createCounterTracker({
      store: env.store, target: env.target, collector: c.name, now: env.now, log: quiet,
      storeWaitMs: () => (env.collectUntil - env.clock()) * STATE_STORE_WAIT_SHARE,
    });
    const windows = await sourceWindows({ counters, now: env.now, settings: env.settings }, sources);
    const tenants = await discovered;
    if (tenants.length) reads.read(tenantReadRequests(sources, windows), tenants);
  }
}
