/**
 * The production connection kept from one run to the next in a warm Lambda (and in
 * `npm start`). A run then costs no connect, TLS handshake or authentication, and the
 * server backend's catalog caches stay warm: at 1,000 tenant schemas a fresh backend
 * needs about three times as long for the perTenant sources as one that has seen those
 * tables before (README "Benchmark").
 *
 * A kept connection may have died while the Lambda was frozen (idle_session_timeout, a
 * failover, a NAT timeout). It is proven alive by opening the run's transaction before
 * the run uses it; if that fails, it is dropped and a fresh one opened, which is an
 * ordinary connect (counted and reported as such if it fails too).
 */
import type { Logger } from '../../core/log/logger.js';
import type { ProductionConnection } from './production-connection.js';
import type { QueryStats } from './query-stats.js';
import { within } from './within.js';

export interface AcquireOptions {
  /** The run's statement and row counters. */
  readonly stats: QueryStats;
  /** Opens a new connection (auth retry included). */
  readonly open: (stats: QueryStats) => Promise<ProductionConnection>;
  /** The run's statement_timeout: the transaction that proves a kept connection alive is the run's first. */
  readonly statementTimeoutMs: number;
  /** How long that proof may take: a half-open socket never answers (as long as a connect may take). */
  readonly checkTimeoutMs: number;
  readonly log: Logger;
}

class KeptConnectionSilentError extends Error {
  override readonly name = 'KeptConnectionSilentError';
}


export interface KeptConnection {
  /** The kept connection if it is alive, else a new one. */
  acquire(options: AcquireOptions): Promise<ProductionConnection>;
  /** After the run: kept if its transaction ended cleanly, closed otherwise. */
  release(conn: ProductionConnection): Promise<void>;
  /** Closes the kept connection (tests; a Lambda environment just ends). */
  close(): Promise<void>;
}

export function keptConnection(): KeptConnection {
  let kept: ProductionConnection | undefined;
  return {
    async acquire({ stats, open, statementTimeoutMs, checkTimeoutMs, log }) {
      const conn = kept;
      kept = undefined;
      if (conn && !conn.lost) {
        conn.countInto(stats);
        try {
          await within(conn.transaction.enter(statementTimeoutMs), checkTimeoutMs, () => new KeptConnectionSilentError(`no answer within ${checkTimeoutMs} ms`));
          return conn;
        } catch (error) {
          log.info('kept_connection_dropped', { error, effect: 'a new connection is opened' });
          conn.destroy();
        }
      } else if (conn) {
        await conn.close();
      }
      return open(stats);
    },
    async release(conn) {
      if (!conn.lost && !conn.transaction.open) {
        kept = conn;
        return;
      }
      await conn.close();
    },
    async close() {
      const conn = kept;
      kept = undefined;
      await conn?.close();
    },
  };
}
