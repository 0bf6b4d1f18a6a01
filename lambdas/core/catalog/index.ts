/** The catalog: every metric and alarm rule, the single source of truth. */
import * as api from './api.js';
import * as collector from './collector.js';
import * as database from './database.js';
import * as security from './security.js';
import * as tenants from './tenants.js';
import type { OwnMetric } from './metric.js';

export * from './metric.js';
export * from './alarm.js';
export * from './alarms.js';
export * from './api.js';
export * from './aws.js';
export * from './collector.js';
export * from './database.js';
export * from './security.js';
export * from './tenants.js';

/** Every metric a collector may publish: anything else is a type error at the call site. */
export type CatalogMetric =
  | (typeof database)[keyof typeof database]
  | (typeof tenants)[keyof typeof tenants]
  | (typeof security)[keyof typeof security]
  | (typeof api)[keyof typeof api]
  | (typeof collector)[keyof typeof collector];

export const catalogMetrics: readonly CatalogMetric[] = [
  ...Object.values(database),
  ...Object.values(tenants),
  ...Object.values(security),
  ...Object.values(api),
  ...Object.values(collector),
];

export function isCatalogMetric(m: unknown): m is CatalogMetric {
  return catalogMetrics.includes(m as CatalogMetric);
}

export type { OwnMetric };
