/**
 * The shape of a collector that reads one summary row (pg_stat_activity, replication
 * status): one version-chosen statement, exactly one row, a pure mapping to the result.
 */
import { type CollectorContext, type CollectorResult, type VersionedSql, collector, sqlFor } from '../../collector.js';
import type { Layer } from '../../../core/catalog/index.js';

export interface RowCollectorDef<R extends Record<string, unknown>> {
  readonly name: string;
  readonly layer: Layer;
  readonly timeoutMs: number;
  readonly sql: readonly VersionedSql[];
  readonly publish: (row: R, ctx: CollectorContext) => CollectorResult;
}

export function rowCollector<R extends Record<string, unknown>>(def: RowCollectorDef<R>) {
  return collector({
    name: def.name,
    layer: def.layer,
    timeoutMs: def.timeoutMs,
    async collect(ctx) {
      const [row] = await ctx.db.query<R>(sqlFor(def.sql, ctx.serverVersion, def.name));
      if (!row) throw new Error(`collector ${def.name}: its statement returned no row`);
      return def.publish(row, ctx);
    },
  });
}
