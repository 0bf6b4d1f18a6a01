/**
 * What a collector run needs to know about its target, beyond credentials. The CDK app
 * passes it to each collector Lambda as JSON (TENANTWATCH_SETTINGS); `npm start` builds
 * it from the same config file. Validated by the same schema in both places.
 */
import { z } from 'zod';
import { healthChecksSchema } from './health-checks.js';
import { DEFAULT_TENANT_DISCOVERY, tenantDiscoverySchema } from './tenants.js';
import { DEFAULT_SOURCES, sourcesSchema } from './sources.js';

/** Lambda timeout is 60 s on a 1-minute schedule; the run must finish well before. */
export const DEFAULT_RUN_BUDGET_MS = 40_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 1_000;
export const DEFAULT_TOP_TENANTS = 25;
/**
 * Tenant schemas per statement of a perTenant source. The statement's text does not grow
 * with its tenants (the schemas travel as one array parameter, sources/compile.ts), so
 * the default takes every tenant up to the maximum in one statement: the statement count
 * of a run does not grow with the tenant count. Each tenant's query locks its table and
 * indexes until the transaction ends (about 5 lock slots per tenant with the demo
 * defaults; README "Cardinality and cost"); between two chunks the runtime ends the
 * transaction, so a smaller chunk bounds the lock slots held, at 4 statements per chunk.
 */
export const DEFAULT_TENANT_CHUNK_SIZE = 10_000;
/**
 * Connections beside the main one that read the perTenant SQL sources, in parallel with
 * the other collectors and with each other (lambdas/collector/sources/tenant-reads.ts).
 * Two: the tenants' reads then take about half as long as on one backend, and the run
 * holds three connections (the monitoring role's CONNECTION LIMIT leaves room for them).
 * 0: those sources run on the main connection, as before.
 */
export const DEFAULT_TENANT_CONNECTIONS = 2;
export const MAX_TENANT_CONNECTIONS = 8;
/** Tenant schemas whose SET search_path round trip is timed per run (plus the switch back). */
export const DEFAULT_SCHEMA_SWITCH_SAMPLES = 4;
/** How far behind the run's clock the SQL-source window ends (late commits, clock skew). */
export const DEFAULT_SOURCE_SETTLE_MS = 0;
/** Target names become alarm names, dimension values and resource ids. */
export const TARGET_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export const collectorSettingsSchema = z.strictObject({
  target: z.string().regex(TARGET_NAME_PATTERN, 'lowercase letters, digits and dashes, starting with a letter, at most 32 characters'),
  runBudgetMs: z.number().int().min(1_000).max(840_000).default(DEFAULT_RUN_BUDGET_MS),
  statementTimeoutMs: z.number().int().min(100).max(60_000).default(DEFAULT_STATEMENT_TIMEOUT_MS),
  lockTimeoutMs: z.number().int().min(10).max(60_000).default(DEFAULT_LOCK_TIMEOUT_MS),
  tenants: tenantDiscoverySchema.default(DEFAULT_TENANT_DISCOVERY),
  topTenants: z.number().int().min(0).max(500).default(DEFAULT_TOP_TENANTS),
  /** Business and security SQL sources (lambdas/core/config/sources.ts); default: the demo schema's. */
  sources: sourcesSchema.prefault([...DEFAULT_SOURCES]),
  tenantChunkSize: z.number().int().min(1).max(10_000).default(DEFAULT_TENANT_CHUNK_SIZE),
  tenantConnections: z.number().int().min(0).max(MAX_TENANT_CONNECTIONS).default(DEFAULT_TENANT_CONNECTIONS),
  schemaSwitchSamples: z.number().int().min(0).max(100).default(DEFAULT_SCHEMA_SWITCH_SAMPLES),
  sourceSettleMs: z.number().int().min(0).max(300_000).default(DEFAULT_SOURCE_SETTLE_MS),
  /**
   * Keep the production connection between the runs of a warm Lambda (runtime/kept-connection.ts).
   * Its server backend then keeps the catalog caches of what the run read: about 30 kB per
   * tenant schema the perTenant sources read (37 MB at 1,000 tenants, 310 MB at 10,000,
   * README "Benchmark"). false frees them after every run, at the price of cold caches.
   */
  keepConnection: z.boolean().default(true),
  /** Endpoints this target's collector probes; give them to one target only (they carry no Database dimension). */
  healthChecks: healthChecksSchema.default([]),
});
export type CollectorSettings = z.infer<typeof collectorSettingsSchema>;
export type CollectorSettingsInput = z.input<typeof collectorSettingsSchema>;
