/** The api-layer collectors, in the order the runtime runs them. */
import { Layer } from '../../../core/catalog/index.js';
import type { Collector } from '../../collector.js';
import { sourcesCollector } from '../../sources/sources-collector.js';
import { healthChecksCollector } from './health-checks.js';

/** Runs the API-layer SQL sources (the request log: ApiRequests, ApiRequestDuration). */
export const API_SOURCES_COLLECTOR = 'api-sources';

export const apiCollectors: readonly Collector[] = [
  sourcesCollector(API_SOURCES_COLLECTOR, Layer.Api),
  // Last: it needs no database, and its probes may take up to their timeout.
  healthChecksCollector,
];
