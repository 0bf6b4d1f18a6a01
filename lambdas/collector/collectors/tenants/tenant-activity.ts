/**
 * Per-tenant activity for every tenant in one statement: tuples read and written per
 * schema, summed from pg_class with the pg_stat_get_* functions (no per-table view, no
 * query per tenant; the schema names travel as one array parameter). Interval deltas come
 * from the state store. TenantCount always; ActiveTenants, totals and the top-N tenants
 * once there is a baseline; the whole table goes to one `tenant_activity` log line.
 */
import { ActiveTenants, TenantCount, TenantTuplesRead, TenantTuplesWritten } from '../../../core/catalog/index.js';
import { datum, type Datum } from '../../../core/metrics/datum.js';
import { collector, type CollectorContext, type CollectorResult, type Tenant, type VersionedSql, sqlFor } from '../../collector.js';
import { counterEpoch } from '../../state/epoch.js';
import { dimensionValue } from '../../tenants/dimension-value.js';
import { tableLogLines } from '../../tenants/log-table.js';
import { topByScore } from '../../tenants/top-tenants.js';

export const TENANT_ACTIVITY_COLLECTOR = 'tenant-activity';
const TIMEOUT_MS = 5_000;

/**
 * Read = seq_tup_read + idx_tup_fetch of pg_stat_all_tables (heap tuples returned by
 * sequential scans, fetched by bitmap scans, and fetched through each index); written =
 * inserted + updated + deleted. One row, arrays aligned by schema.
 */
export const TENANT_ACTIVITY_SQL: readonly VersionedSql[] = [{
  minVersion: 140000,
  text: `WITH per_schema AS (
  SELECT n.nspname::text AS schema,
         coalesce(sum(CASE WHEN c.relkind = 'i' THEN pg_stat_get_tuples_fetched(c.oid)
                           ELSE pg_stat_get_tuples_returned(c.oid) + pg_stat_get_tuples_fetched(c.oid) END), 0)::int8 AS tuples_read,
         coalesce(sum(CASE WHEN c.relkind = 'i' THEN 0
                           ELSE pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_updated(c.oid)
                                + pg_stat_get_tuples_deleted(c.oid) END), 0)::int8 AS tuples_written
  FROM pg_namespace n
  LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm', 'i')
  WHERE n.nspname = ANY($1::text[])
  GROUP BY n.nspname)
SELECT pg_postmaster_start_time() AS server_started_at,
       (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
       coalesce(array_agg(schema), '{}') AS schemas,
       coalesce(array_agg(tuples_read), '{}') AS reads,
       coalesce(array_agg(tuples_written), '{}') AS writes
FROM per_schema`,
}];

interface ActivityRow extends Record<string, unknown> {
  server_started_at: Date;
  stats_reset: Date | null;
  schemas: string[];
  reads: string[];
  writes: string[];
}

export interface TenantActivity {
  readonly tenant: Tenant;
  readonly read: number;
  readonly written: number;
}

const total = (a: TenantActivity) => a.read + a.written;

function activityDatums(target: string, activity: readonly TenantActivity[], topTenants: number): Datum[] {
  const db = { Database: target };
  const top = topByScore(activity, topTenants, total, (a) => a.tenant.schema);
  return [
    datum(ActiveTenants, db, activity.filter((a) => total(a) > 0).length),
    datum(TenantTuplesRead, db, activity.reduce((n, a) => n + a.read, 0)),
    datum(TenantTuplesWritten, db, activity.reduce((n, a) => n + a.written, 0)),
    ...top.flatMap((a) => {
      const dims = { Database: target, Tenant: dimensionValue(a.tenant.name) };
      return [datum(TenantTuplesRead, dims, a.read), datum(TenantTuplesWritten, dims, a.written)];
    }),
  ];
}

async function collectActivity(ctx: CollectorContext): Promise<CollectorResult> {
  const tenants = await ctx.tenants();
  const [row] = await ctx.db.query<ActivityRow>(sqlFor(TENANT_ACTIVITY_SQL, ctx.serverVersion, TENANT_ACTIVITY_COLLECTOR), [tenants.map((t) => t.schema)]);
  if (!row) throw new Error('tenant activity query returned no row');
  const sample: Record<string, { read: number; written: number }> = {};
  row.schemas.forEach((schema, i) => (sample[schema] = { read: Number(row.reads[i]), written: Number(row.writes[i]) }));
  const deltas = await ctx.counters.deltas(sample, counterEpoch({ serverStartedAt: row.server_started_at, statsResetAt: row.stats_reset }));

  const count = datum(TenantCount, { Database: ctx.target }, tenants.length);
  const activity = tenants.flatMap((tenant): TenantActivity[] => {
    const d = deltas.entries.get(tenant.schema);
    return d ? [{ tenant, read: d.read ?? 0, written: d.written ?? 0 }] : [];
  });
  if (!deltas.entries.size) return { datums: [count] };

  const active = activity.filter((a) => total(a) > 0).sort((a, b) => total(b) - total(a));
  const logLines = tableLogLines(
    'tenant_activity',
    {
      intervalSeconds: deltas.intervalSeconds,
      tenants: tenants.length,
      measured: activity.length,
      active: active.length,
      idle: activity.length - active.length,
      topTenants: ctx.settings.topTenants,
    },
    ['tenant', 'schema', 'tuplesRead', 'tuplesWritten'],
    active.map((a) => [a.tenant.name, a.tenant.schema, a.read, a.written]),
  );
  return { datums: [count, ...activityDatums(ctx.target, activity, ctx.settings.topTenants)], logLines };
}

export const tenantActivity = collector({
  name: TENANT_ACTIVITY_COLLECTOR,
  layer: 'tenants',
  timeoutMs: TIMEOUT_MS,
  collect: collectActivity,
});
