/**
 * The connections a run reads tenant schemas on, beside its main connection
 * (setting `tenantConnections`). The perTenant SQL sources are most of a run's server time
 * and need nothing of the main connection's transaction, so they run here, in parallel
 * with the other collectors and with each other (sources/tenant-reads.ts).
 *
 * Like the main connection they are kept between the runs of a warm Lambda where
 * `keepConnection` is on: a backend that has read a tenant's tables before reads them
 * about three times as fast (its catalog caches are warm). A kept connection is proven
 * alive by an empty round trip (no statement) bounded by the connect timeout, as a
 * half-open socket after a freeze never answers; one that failed that is replaced, and
 * one that dies later is replaced at its first failure (tenant-reads.ts sends the
 * statement again once on a fresh one).
 */
import type { Logger } from '../../core/log/logger.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './pg-client.js';
import type { ProductionConnection } from './production-connection.js';
import type { QueryStats } from './query-stats.js';
import { within } from './within.js';

/** Idle tenant connections between runs. */
export interface TenantConnectionKeeper {
  take(): ProductionConnection | undefined;
  give(conn: ProductionConnection): void;
  close(): Promise<void>;
}

export function tenantConnectionKeeper(): TenantConnectionKeeper {
  const idle: ProductionConnection[] = [];
  return {
    take() {
      for (let conn = idle.pop(); conn; conn = idle.pop()) {
        if (!conn.lost) return conn;
        void conn.close();
      }
      return undefined;
    },
    give(conn) {
      idle.push(conn);
    },
    async close() {
      await Promise.all(idle.splice(0).map((c) => c.close()));
    },
  };
}

export interface TenantConnectionOptions {
  /** Connections a run may use at once. */
  readonly size: number;
  /** Opens a new one (read only, with the tenant reads' statement_timeout; auth retry included). */
  readonly open: (stats: QueryStats) => Promise<ProductionConnection>;
  /** Where idle connections wait for the next run; without one they are closed after each run. */
  readonly keeper?: TenantConnectionKeeper;
  /** How long a kept connection may take to answer its liveness round trip (default: the connect timeout). */
  readonly checkTimeoutMs?: number;
}

export interface TenantConnection {
  readonly conn: ProductionConnection;
  /** Kept from an earlier run: it may have died since. */
  readonly reused: boolean;
}

/** One run's tenant connections: slot i holds at most one connection at a time. */
export interface TenantConnectionSlots {
  readonly size: number;
  get(slot: number): Promise<TenantConnection>;
  /** Drops the slot's connection (it failed); the next get() opens a new one. */
  discard(slot: number): void;
  /**
   * After the run: idle, healthy connections go back to the keeper, the others are
   * closed; `busy` ones (a statement still running past the run's end) are dropped at once.
   */
  release(busy: ReadonlySet<number>): Promise<void>;
}

export function tenantConnectionSlots(options: TenantConnectionOptions, stats: QueryStats, log: Logger): TenantConnectionSlots {
  const slots = new Map<number, Promise<TenantConnection>>();
  const checkMs = options.checkTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const acquire = async (): Promise<TenantConnection> => {
    const kept = options.keeper?.take();
    if (kept) {
      try {
        await within(kept.ping(), checkMs, () => new Error(`no answer within ${checkMs} ms`));
        kept.countInto(stats);
        return { conn: kept, reused: true };
      } catch (error) {
        log.info('tenant_connection_dropped', { error, effect: 'a new connection is opened' });
        kept.destroy();
      }
    }
    return { conn: await options.open(stats), reused: false };
  };
  return {
    size: options.size,
    get(slot) {
      let held = slots.get(slot);
      if (!held) {
        held = acquire();
        slots.set(slot, held);
        // A failed open leaves the slot empty: the next get() tries again.
        held.catch(() => slots.get(slot) === held && slots.delete(slot));
      }
      return held;
    },
    discard(slot) {
      const held = slots.get(slot);
      slots.delete(slot);
      void held?.then(({ conn }) => conn.destroy(), () => undefined);
    },
    async release(busy) {
      const held = [...slots.entries()];
      slots.clear();
      await Promise.all(held.map(async ([slot, pending]) => {
        const { conn } = await pending.catch(() => ({ conn: undefined }));
        if (!conn) return;
        if (busy.has(slot)) return conn.destroy();
        if (options.keeper && !conn.lost) return options.keeper.give(conn);
        await conn.close();
      }));
    },
  };
}
