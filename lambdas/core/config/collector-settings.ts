/**
 * What a collector run needs to know about its target, beyond credentials. The CDK app
 * passes it to each collector Lambda as JSON (TENANTWATCH_SETTINGS); `npm start` builds
 * it from the same config file. Validated by the same schema in both places.
 */
import { z } from 'zod';
import { healthChecksSchema } from './health-checks.js';
import { DEFAULT_TENANT_DISCOVERY, tenantDiscoverySchema } from './tenants.js';

/** Lambda timeout is 60 s on a 1-minute schedule; the run must finish well before. */
export const DEFAULT_RUN_BUDGET_MS = 40_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 1_000;
export const DEFAULT_TOP_TENANTS = 25;
/** Target names become alarm names, dimension values and resource ids. */
export const TARGET_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export const collectorSettingsSchema = z.strictObject({
  target: z.string().regex(TARGET_NAME_PATTERN, 'lowercase letters, digits and dashes, starting with a letter, at most 32 characters'),
  runBudgetMs: z.number().int().min(1_000).max(840_000).default(DEFAULT_RUN_BUDGET_MS),
  statementTimeoutMs: z.number().int().min(100).max(60_000).default(DEFAULT_STATEMENT_TIMEOUT_MS),
  lockTimeoutMs: z.number().int().min(10).max(60_000).default(DEFAULT_LOCK_TIMEOUT_MS),
  tenants: tenantDiscoverySchema.default(DEFAULT_TENANT_DISCOVERY),
  topTenants: z.number().int().min(0).max(500).default(DEFAULT_TOP_TENANTS),
  /** Endpoints this target's collector probes; give them to one target only (they carry no Database dimension). */
  healthChecks: healthChecksSchema.default([]),
});
export type CollectorSettings = z.infer<typeof collectorSettingsSchema>;
export type CollectorSettingsInput = z.input<typeof collectorSettingsSchema>;
