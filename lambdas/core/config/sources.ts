/**
 * SQL sources: business and security metrics are configuration, not code. A source is a
 * read-only query whose columns feed catalog metrics. Placeholders, substituted by the
 * source engine (lambdas/collector/sources/):
 *   {{window_start}}, {{window_end}}  the run's interval [previous window end, this one),
 *                                     sent as timestamptz bind parameters, so counts per
 *                                     interval are exact and never overlap;
 *   {{tenant}}                        (perTenant sources) a tenant schema, as a quoted
 *                                     identifier; the engine runs the query for every tenant
 *                                     in batched UNION ALL statements.
 * Rows with equal dimension values are summed (or, for `aggregate: 'distribution'`, every
 * value, including each element of an array column, is one observation). A NULL value
 * means "nothing to publish" (e.g. a rate when there were no attempts).
 */
import { z } from 'zod';
import {
  ActiveTenants, CrossTenantQueries, Dimension, HealthCheckLatency, HealthCheckUp, Layer, SchemaSwitchTime,
  TenantCount, TenantTuplesRead, TenantTuplesWritten, catalogMetrics, type CatalogMetric,
} from '../catalog/index.js';
import { REQUEST_LOG_SOURCE } from './request-log-source.js';

export const Placeholder = {
  Tenant: '{{tenant}}',
  WindowStart: '{{window_start}}',
  WindowEnd: '{{window_end}}',
} as const;
export type Placeholder = (typeof Placeholder)[keyof typeof Placeholder];
const placeholders: readonly string[] = Object.values(Placeholder);

export const SourceAggregate = { Sum: 'sum', Distribution: 'distribution' } as const;
export type SourceAggregate = (typeof SourceAggregate)[keyof typeof SourceAggregate];

/** Layers whose metrics may come from SQL sources (the database layer has its own collectors). */
const sourceLayers: readonly Layer[] = [Layer.Tenants, Layer.Security, Layer.Api];
/** Metrics tenantwatch computes itself: a source publishing them would double-count. */
const computedMetrics: readonly CatalogMetric[] = [
  TenantCount, ActiveTenants, TenantTuplesRead, TenantTuplesWritten, SchemaSwitchTime, CrossTenantQueries,
  HealthCheckUp, HealthCheckLatency,
];

/** Catalog metrics a source may publish, by name. */
export const sourceMetrics: ReadonlyMap<string, CatalogMetric> = new Map(
  catalogMetrics
    .filter((m) => sourceLayers.includes(m.layer) && !computedMetrics.includes(m))
    .map((m) => [m.name, m]),
);
const sourceMetricNames = [...sourceMetrics.keys()] as [string, ...string[]];

/** Dimensions a source can fill from a column (Database is always the target's name). */
export const sourceDimensions = [Dimension.Tenant, Dimension.Flag, Dimension.Endpoint, Dimension.State] as const;
export type SourceDimension = (typeof sourceDimensions)[number];

export const SOURCE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,47}$/;
export const MIN_SOURCE_TIMEOUT_MS = 100;
export const MAX_SOURCE_TIMEOUT_MS = 60_000;
/**
 * A source without its own timeoutMs gets this statement_timeout (per statement, per
 * chunk): the default statementTimeoutMs, so the default sources need no change of the
 * run's statement_timeout (each change is a statement).
 */
export const DEFAULT_SOURCE_TIMEOUT_MS = 5_000;
const PLACEHOLDER_LIKE = /\{\{[^}]*\}\}/g;
const POSITIONAL_PARAMETER = /\$\d/;
const column = z.string().min(1).max(63);

/** The dimensions a source's rows carry: Database always, Tenant for perTenant sources, and its dimension columns. */
export function suppliedDimensions(source: Pick<Source, 'dimensions' | 'perTenant'>): Set<string> {
  const supplied = new Set<string>([Dimension.Database, ...Object.keys(source.dimensions ?? {})]);
  if (source.perTenant) supplied.add(Dimension.Tenant);
  return supplied;
}

/** The metric's catalog dimension sets the source can fill: each is published (Tenant sets for the top N only). */
export function publishedDimensionSets(source: Pick<Source, 'dimensions' | 'perTenant'>, metric: CatalogMetric): readonly (readonly string[])[] {
  const supplied = suppliedDimensions(source);
  return (metric.dimensionSets as readonly (readonly string[])[]).filter((set) => set.every((d) => supplied.has(d)));
}

export const sourceMetricSchema = z.strictObject({
  column: column.describe('result column holding the value'),
  metric: z.enum(sourceMetricNames, { error: `not a metric a SQL source can publish; one of: ${sourceMetricNames.join(', ')}` })
    .describe('catalog metric name'),
  unit: z.string().optional().describe('the catalog unit of the metric (checked, for readability)'),
  aggregate: z.enum([SourceAggregate.Sum, SourceAggregate.Distribution]).default(SourceAggregate.Sum)
    .describe('sum rows with equal dimensions, or publish every value as one distribution'),
});
export type SourceMetric = z.infer<typeof sourceMetricSchema>;

export const sourceSchema = z.strictObject({
  name: z.string().regex(SOURCE_NAME_PATTERN, 'lowercase letters, digits and dashes, starting with a letter, at most 48 characters'),
  sql: z.string().min(1),
  metrics: z.array(sourceMetricSchema).min(1),
  /** Dimension name -> result column, e.g. { Flag: 'flag' }. */
  dimensions: z.partialRecord(z.enum(sourceDimensions), column).optional(),
  perTenant: z.boolean().default(false),
  timeoutMs: z.number().int().min(MIN_SOURCE_TIMEOUT_MS).max(MAX_SOURCE_TIMEOUT_MS).optional()
    .describe(`statement_timeout for each of this source's statements; default ${DEFAULT_SOURCE_TIMEOUT_MS}`),
}).superRefine((source, ctx) => {
  const issue = (message: string, path: (string | number)[]) => ctx.addIssue({ code: 'custom', message: `source "${source.name}": ${message}`, path });
  const usesTenant = source.sql.includes(Placeholder.Tenant);
  if (source.perTenant && !usesTenant) issue(`perTenant sources must use ${Placeholder.Tenant} where the tenant schema goes`, ['sql']);
  if (!source.perTenant && usesTenant) issue(`${Placeholder.Tenant} is only substituted when perTenant is true`, ['sql']);
  for (const found of source.sql.match(PLACEHOLDER_LIKE) ?? []) {
    if (!placeholders.includes(found)) issue(`unknown placeholder ${found}; known: ${placeholders.join(', ')}`, ['sql']);
  }
  if (POSITIONAL_PARAMETER.test(source.sql)) {
    issue(`use ${Placeholder.WindowStart} and ${Placeholder.WindowEnd} instead of positional parameters ($1, $2)`, ['sql']);
  }
  if (source.perTenant && source.dimensions?.Tenant) issue('perTenant sources get the Tenant dimension from the schema; remove dimensions.Tenant', ['dimensions', 'Tenant']);

  const layers = new Set<Layer>();
  source.metrics.forEach((m, i) => {
    const def = sourceMetrics.get(m.metric);
    if (!def) return; // the enum already reported it
    layers.add(def.layer);
    if (m.unit !== undefined && m.unit !== def.unit) issue(`metric ${m.metric} has unit ${def.unit}, not ${m.unit}`, ['metrics', i, 'unit']);
    const sets: readonly (readonly string[])[] = def.dimensionSets;
    if (!publishedDimensionSets(source, def).length) {
      const needed = sets.map((set) => set.filter((d) => d !== Dimension.Database).join('+')).join(' or ');
      issue(`metric ${m.metric} needs dimension ${needed}: add it to dimensions`, ['metrics', i, 'metric']);
    }
  });
  if (layers.size > 1) issue(`all metrics of a source must belong to one layer (found ${[...layers].join(', ')}); split the source`, ['metrics']);
});
export type Source = z.infer<typeof sourceSchema>;
export type SourceInput = z.input<typeof sourceSchema>;

export const sourcesSchema = z.array(sourceSchema).superRefine((sources, ctx) => {
  const seen = new Set<string>();
  sources.forEach((s, i) => {
    if (seen.has(s.name)) ctx.addIssue({ code: 'custom', message: `source name "${s.name}" is used twice`, path: [i, 'name'] });
    seen.add(s.name);
  });
});

/** The layer a (validated) source publishes to. */
export function sourceLayer(source: Source): Layer {
  const first = source.metrics[0];
  const def = first && sourceMetrics.get(first.metric);
  if (!def) throw new Error(`source "${source.name}": no catalog metric`);
  return def.layer;
}

/** The default sources' interval condition on a timestamp column. */
const inWindow = (column: string): string => `${column} >= ${Placeholder.WindowStart} AND ${column} < ${Placeholder.WindowEnd}`;

/** Users seen this recently count as active. */
export const ACTIVE_USER_MINUTES = 15;

/**
 * Defaults for the demo payroll schema (lambdas/local/demo/schema.ts). Point them at your
 * own tables by replacing `sources` in the config (README: "SQL sources").
 */
export const DEFAULT_SOURCES: readonly SourceInput[] = [
  {
    name: 'active-users',
    sql: `SELECT count(*) AS active_users FROM app.users
          WHERE last_seen_at >= {{window_end}} - interval '${ACTIVE_USER_MINUTES} minutes' AND last_seen_at < {{window_end}}`,
    metrics: [{ column: 'active_users', metric: 'ActiveUsers', unit: 'Count' }],
  },
  {
    name: 'active-sessions',
    perTenant: true,
    sql: `SELECT count(*) AS active_sessions FROM {{tenant}}.sessions
          WHERE ended_at IS NULL AND started_at < {{window_end}}`,
    metrics: [{ column: 'active_sessions', metric: 'ActiveSessions', unit: 'Count' }],
  },
  {
    name: 'feature-flags',
    sql: `SELECT f.key AS flag, count(tf.tenant_id) AS tenants
          FROM app.feature_flags f LEFT JOIN app.tenant_feature_flags tf ON tf.flag_key = f.key AND tf.enabled
          GROUP BY f.key`,
    dimensions: { Flag: 'flag' },
    metrics: [{ column: 'tenants', metric: 'FeatureFlagUsage', unit: 'Count' }],
  },
  {
    name: 'payroll-runs',
    perTenant: true,
    sql: `SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
                 count(*) FILTER (WHERE status = 'failed') AS failed,
                 count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
                 array_agg(extract(epoch FROM completed_at - started_at)::float8)
                   FILTER (WHERE status IN ('completed', 'failed') AND started_at IS NOT NULL) AS duration_seconds
          FROM {{tenant}}.payroll_runs
          WHERE status = 'in_progress' OR (${inWindow('completed_at')})`,
    metrics: [
      { column: 'completed', metric: 'PayrollRunsCompleted', unit: 'Count' },
      { column: 'failed', metric: 'PayrollRunsFailed', unit: 'Count' },
      { column: 'in_progress', metric: 'PayrollRunsInProgress', unit: 'Count' },
      { column: 'duration_seconds', metric: 'PayrollRunDuration', unit: 'Seconds', aggregate: 'distribution' },
    ],
  },
  {
    name: 'logins',
    sql: `SELECT count(*) AS attempts,
                 count(*) FILTER (WHERE NOT success) AS failed,
                 CASE WHEN count(*) > 0 THEN (100 * count(*) FILTER (WHERE NOT success))::float8 / count(*) END AS failed_rate
          FROM app.login_events
          WHERE ${inWindow('occurred_at')}`,
    metrics: [
      { column: 'attempts', metric: 'LoginAttempts', unit: 'Count' },
      { column: 'failed', metric: 'FailedLogins', unit: 'Count' },
      { column: 'failed_rate', metric: 'FailedLoginRate', unit: 'Percent' },
    ],
  },
  {
    name: 'security-events',
    sql: `SELECT count(*) FILTER (WHERE event_type = 'idor_rejected') AS idor_rejections,
                 count(*) FILTER (WHERE event_type = 'tenant_isolation_violation') AS isolation_violations,
                 count(*) FILTER (WHERE event_type = 'suspicious_activity') AS suspicious
          FROM app.security_events
          WHERE ${inWindow('occurred_at')}`,
    metrics: [
      { column: 'idor_rejections', metric: 'IdorRejections', unit: 'Count' },
      { column: 'isolation_violations', metric: 'TenantIsolationViolations', unit: 'Count' },
      { column: 'suspicious', metric: 'SuspiciousEvents', unit: 'Count' },
    ],
  },
  {
    name: 'audit-log',
    // Row bytes written in the interval: exact per interval, unlike relation size, which
    // moves in 8 kB pages and shrinks on VACUUM FULL.
    sql: `SELECT count(*) AS events, coalesce(sum(pg_column_size(a.*)), 0) AS bytes
          FROM app.audit_log a
          WHERE ${inWindow('occurred_at')}`,
    metrics: [
      { column: 'events', metric: 'AuditLogEvents', unit: 'Count' },
      { column: 'bytes', metric: 'AuditLogGrowthBytes', unit: 'Bytes' },
    ],
  },
  REQUEST_LOG_SOURCE,
];
