/** The tenants-layer collectors, in the order the runtime runs them. */
import { Layer } from '../../../core/catalog/index.js';
import type { Collector } from '../../collector.js';
import { sourcesCollector } from '../../sources/sources-collector.js';
import { schemaSwitch } from './schema-switch.js';
import { tenantActivity } from './tenant-activity.js';

export const TENANT_SOURCES_COLLECTOR = 'tenant-sources';

export const tenantsCollectors: readonly Collector[] = [
  // Activity first. The perTenant sources' reads run on the tenant connections from the
  // run's start; where the role may not turn track_counts off they count as tenant
  // activity whatever the order (tenant_reads_include_own says so once per run).
  tenantActivity,
  sourcesCollector(TENANT_SOURCES_COLLECTOR, Layer.Tenants),
  schemaSwitch,
];
