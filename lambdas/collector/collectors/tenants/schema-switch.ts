/**
 * SchemaSwitchTime: the round trip of `SET LOCAL search_path TO <tenant schema>` on the
 * collector's own connection, for a sample of tenants that rotates every minute so every
 * tenant is probed over time, and of the switch back to the session's search_path (what
 * a pooled connection does between two tenants' requests). Published as one distribution
 * (CloudWatch computes p50 and Maximum). The switch back is part of the sample, so the
 * run's shared transaction leaves with the search_path it came with (restoresSettings);
 * if the collector fails half way, the runtime rolls the transaction back.
 */
import pg from 'pg';
import { SchemaSwitchTime } from '../../../core/catalog/index.js';
import { distribution } from '../../../core/metrics/datum.js';
import { collector, type Tenant } from '../../collector.js';

export const SCHEMA_SWITCH_COLLECTOR = 'schema-switch';
const TIMEOUT_MS = 5_000;
/** The session's search_path again: the last switch of every sample. */
const SWITCH_BACK = 'SET LOCAL search_path TO DEFAULT';
const MS_PER_MINUTE = 60_000;
/** Microsecond resolution is plenty for a KPI of 10 ms. */
const DECIMALS = 3;

/** `size` tenants, starting at an offset that moves by `size` every minute. */
export function rotatingSample(tenants: readonly Tenant[], size: number, now: Date): Tenant[] {
  const n = Math.min(size, tenants.length);
  if (n === 0) return [];
  const offset = (Math.floor(now.getTime() / MS_PER_MINUTE) * size) % tenants.length;
  return Array.from({ length: n }, (_, i) => tenants[(offset + i) % tenants.length]!);
}

export const schemaSwitch = collector({
  name: SCHEMA_SWITCH_COLLECTOR,
  layer: 'tenants',
  timeoutMs: TIMEOUT_MS,
  restoresSettings: true,
  async collect(ctx) {
    const tenants = rotatingSample(await ctx.tenants(), ctx.settings.schemaSwitchSamples, ctx.now);
    if (!tenants.length) return { datums: [] };
    const switches = [...tenants.map((t) => `SET LOCAL search_path TO ${pg.escapeIdentifier(t.schema)}`), SWITCH_BACK];
    const counts = new Map<number, number>();
    for (const statement of switches) {
      const started = performance.now();
      await ctx.db.query(statement);
      const ms = Number((performance.now() - started).toFixed(DECIMALS));
      counts.set(ms, (counts.get(ms) ?? 0) + 1);
    }
    if (!counts.size) return { datums: [] };
    return { datums: [distribution(SchemaSwitchTime, { Database: ctx.target }, [...counts.keys()], [...counts.values()])] };
  },
});
