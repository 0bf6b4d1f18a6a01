/**
 * The shape shared by every collector of cumulative counters (pg_stat_database,
 * pg_stat_statements, per-schema tuple counters): one statement, a sample of counters per
 * entry (a row), an epoch naming the counters' lifetime (postmaster start + stats_reset),
 * then the state store's interval deltas and a mapping from deltas to datums. The first run, a restart, a stats reset or a
 * counter going backwards yield no delta (the tracker decides), never a wrong one.
 */
import { type Collector, type CollectorContext, type CollectorResult, type CounterSample, type Deltas, type VersionedSql, collector, sqlFor } from '../../collector.js';
import type { Layer } from '../../../core/catalog/index.js';
import { type EpochParts, counterEpoch } from '../../state/epoch.js';
import { toNumber } from './pg-values.js';

/** Builds a sample: one entry per row with a key, its named counters as numbers. */
export function counterSample<R extends Record<string, unknown>>(
  rows: readonly R[],
  key: (row: R) => string | undefined,
  counters: readonly (keyof R & string)[],
): CounterSample {
  const sample: Record<string, Record<string, number>> = {};
  for (const row of rows) {
    const k = key(row);
    if (k === undefined) continue;
    if (sample[k]) throw new Error(`counter sample: duplicate entry ${k}`);
    sample[k] = Object.fromEntries(counters.map((c) => [c, toNumber(row[c], c)]));
  }
  return sample;
}

export interface CounterCollectorDef<R extends Record<string, unknown>, Ctx extends CollectorContext> {
  readonly name: string;
  readonly layer: Layer;
  readonly timeoutMs: number;
  readonly requires?: Collector['requires'];
  readonly sql: readonly VersionedSql[];
  /** Bind parameters of the statement, if any. */
  readonly params?: (ctx: Ctx) => readonly unknown[];
  /** The entry a row samples (undefined: the row is no entry, e.g. the empty side of an outer join). */
  readonly key: (row: R) => string | undefined;
  /** Its counters: cumulative columns, deltas computed by the state store. */
  readonly counters: readonly (keyof R & string)[];
  /**
   * The counters' lifetime, from the first row: so the statement must always return a row
   * (e.g. an outer join from a one-row source of the epoch columns).
   */
  readonly epoch: (first: R) => EpochParts;
  /** Throws when the first row shows the counters cannot be trusted (e.g. missing privileges). */
  readonly precondition?: (first: R) => void;
  /** Turns the interval deltas (and, if needed, more queries) into the result. */
  readonly publish: (deltas: Deltas, ctx: Ctx, rows: readonly R[]) => CollectorResult | Promise<CollectorResult>;
}

export function counterCollector<R extends Record<string, unknown>, Ctx extends CollectorContext = CollectorContext>(
  def: CounterCollectorDef<R, Ctx>,
): Collector<Ctx> {
  return collector<Ctx>({
    name: def.name,
    layer: def.layer,
    timeoutMs: def.timeoutMs,
    ...(def.requires ? { requires: def.requires } : {}),
    async collect(ctx) {
      const rows = await ctx.db.query<R>(sqlFor(def.sql, ctx.serverVersion, def.name), def.params?.(ctx));
      const first = rows[0];
      if (!first) throw new Error(`collector ${def.name}: its statement returned no row to take the counter epoch from`);
      def.precondition?.(first);
      const deltas = await ctx.counters.deltas(counterSample(rows, def.key, def.counters), counterEpoch(def.epoch(first)));
      return def.publish(deltas, ctx, rows);
    },
  });
}
