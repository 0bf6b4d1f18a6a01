/** The security-layer collectors, in the order the runtime runs them. */
import { Layer } from '../../../core/catalog/index.js';
import type { Collector } from '../../collector.js';
import { sourcesCollector } from '../../sources/sources-collector.js';
import { crossTenantQueries } from './cross-tenant-queries.js';

export const SECURITY_SOURCES_COLLECTOR = 'security-sources';

export const securityCollectors: readonly Collector[] = [
  crossTenantQueries,
  sourcesCollector(SECURITY_SOURCES_COLLECTOR, Layer.Security),
];
