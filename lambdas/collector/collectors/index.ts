/** Every collector, by layer. The runtime runs them in this order, each isolated. */
import type { Collector } from '../collector.js';
import { apiCollectors } from './api/index.js';
import { databaseCollectors } from './database/index.js';
import { securityCollectors } from './security/index.js';
import { tenantsCollectors } from './tenants/index.js';

export const allCollectors: readonly Collector[] = [
  ...databaseCollectors,
  ...tenantsCollectors,
  ...securityCollectors,
  ...apiCollectors,
];
