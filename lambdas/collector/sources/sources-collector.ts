/** One collector per layer runs that layer's SQL sources (config key `sources`). */
import type { Layer } from '../../core/catalog/index.js';
import { sourceLayer } from '../../core/config/sources.js';
import { collector, type Collector } from '../collector.js';
import { runSources } from './run-sources.js';

/** Several sources, each bounded by its own statement_timeout, share this. */
export const SOURCES_COLLECTOR_TIMEOUT_MS = 15_000;

export function sourcesCollector(name: string, layer: Layer): Collector {
  return collector({
    name,
    layer,
    timeoutMs: SOURCES_COLLECTOR_TIMEOUT_MS,
    perTenantSources: (settings) => settings.sources.filter((s) => s.perTenant && sourceLayer(s) === layer),
    collect(ctx) {
      const deadline = Date.now() + SOURCES_COLLECTOR_TIMEOUT_MS;
      return runSources(ctx, ctx.settings.sources.filter((s) => sourceLayer(s) === layer), { collector: name, deadline });
    },
  });
}
