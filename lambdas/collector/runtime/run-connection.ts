/**
 * The production connection as one run sees it: the connection opened at the start, and
 * one reconnect if it drops mid-run (a failover, an idle-session kill). More than one
 * would let a flapping database eat the whole time budget.
 */
import type { Logger } from '../../core/log/logger.js';
import type { ProductionConnection } from './production-connection.js';

export const MAX_RECONNECTS_PER_RUN = 1;

export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
}

export interface RunConnection {
  /** The live connection, reconnecting when the last one was lost (within the limit). */
  live(): Promise<ProductionConnection>;
  /** Failed reconnect attempts (the initial connect is counted by the run). */
  readonly reconnectFailures: number;
  close(): Promise<void>;
}

export function runConnection(
  first: ProductionConnection,
  reconnect: () => Promise<ProductionConnection>,
  log: Logger,
  /** Where the connection goes after the run (kept for the next one); default: closed. */
  release: (conn: ProductionConnection) => Promise<void> = (conn) => conn.close(),
): RunConnection {
  let connection = first;
  let reconnects = 0;
  let reconnectFailures = 0;
  return {
    async live() {
      if (!connection.lost) return connection;
      if (reconnects >= MAX_RECONNECTS_PER_RUN) throw new ConnectionLostError('the database connection was lost and the reconnect budget of this run is spent');
      reconnects += 1;
      await connection.close();
      try {
        connection = await reconnect();
        log.warn('database_reconnected', {});
        return connection;
      } catch (error) {
        reconnectFailures += 1;
        log.error('database_reconnect_failed', { error });
        throw new ConnectionLostError(`the database connection was lost and reconnecting failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    get reconnectFailures() {
      return reconnectFailures;
    },
    async close() {
      // The run's shared transaction ends with the run: a kept connection waits idle, not idle in a transaction.
      if (!connection.lost) await connection.transaction.end().catch(() => connection.destroy());
      await release(connection);
    },
  };
}

/** The run's connection when the database could not be reached at all. */
export function unavailableConnection(reason: string): RunConnection {
  return {
    live: () => Promise.reject(new ConnectionLostError(`the database is unreachable: ${reason}`)),
    reconnectFailures: 0,
    close: async () => undefined,
  };
}
