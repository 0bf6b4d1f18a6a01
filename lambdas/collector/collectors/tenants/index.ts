/** The tenants-layer collectors, in the order the runtime runs them. */
import type { Collector } from '../../collector.js';

export const tenantsCollectors: readonly Collector[] = [];
