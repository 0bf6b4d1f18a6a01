/** The api-layer collectors, in the order the runtime runs them. */
import type { Collector } from '../../collector.js';
import { healthChecksCollector } from './health-checks.js';

export const apiCollectors: readonly Collector[] = [healthChecksCollector];
