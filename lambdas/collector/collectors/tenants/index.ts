/** The tenants-layer collectors, in the order the runtime runs them. */
import { Layer } from '../../../core/catalog/index.js';
import type { Collector } from '../../collector.js';
import { sourcesCollector } from '../../sources/sources-collector.js';
import { schemaSwitch } from './schema-switch.js';
import { tenantActivity } from './tenant-activity.js';

export const TENANT_SOURCES_COLLECTOR = 'tenant-sources';

export const tenantsCollectors: readonly Collector[] = [
  // Activity first: it samples the counters before this run's perTenant sources read the tenant tables.
  tenantActivity,
  sourcesCollector(TENANT_SOURCES_COLLECTOR, Layer.Tenants),
  schemaSwitch,
];
