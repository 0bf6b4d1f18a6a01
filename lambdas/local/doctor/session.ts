/**
 * The doctor's view of the monitored database: the collector's own production connection
 * (read-only from the startup packet, statement_timeout, lock_timeout,
 * application_name=tenantwatch), so every check sees exactly what a collection run sees.
 * Work that needs transaction-local settings runs in a transaction that is always rolled
 * back: the doctor changes nothing, not even by accident.
 */
import type { QueryRunner } from '../../collector/collector.js';
import type { ProductionConnection } from '../../collector/runtime/production-connection.js';
import type { ConnectionSettings } from '../../collector/runtime/connection-settings.js';
import type { CollectorSettings } from '../../core/config/collector-settings.js';

export interface DoctorSession {
  readonly db: QueryRunner;
  readonly serverVersion: number;
  /** Whether the session's own reads are left out of the statistics, as in a collection run. */
  readonly ownReadsExcluded: boolean;
  /** statement_timeout for the rest of the current transaction. */
  statementTimeout(ms: number): Promise<void>;
  /** Within transaction(): ends it (nothing to keep: rolled back) and opens the next, same timeout. */
  renewTransaction(): Promise<void>;
  readonly settings: CollectorSettings;
  /** How the connection was made (TLS mode, host): what the TLS check reads. */
  readonly connection: ConnectionSettings;
  /** `work` inside BEGIN (READ ONLY unless `readOnly` is false) ... ROLLBACK. */
  transaction<T>(work: () => Promise<T>, options?: { readonly readOnly?: boolean }): Promise<T>;
}

export function doctorSession(conn: ProductionConnection, settings: CollectorSettings, connection: ConnectionSettings): DoctorSession {
  let timeout: string[] = [];
  return {
    db: conn.db,
    serverVersion: conn.serverVersion,
    ownReadsExcluded: conn.ownReadsExcluded,
    async statementTimeout(ms) {
      timeout = [`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(ms))}`];
      await conn.control(timeout);
    },
    renewTransaction: () => conn.control(['ROLLBACK', 'BEGIN READ ONLY', ...timeout]),
    settings,
    connection,
    async transaction(work, options = {}) {
      // A plain BEGIN inherits the session's default_transaction_read_only: the read-only probe needs that.
      await conn.control([options.readOnly === false ? 'BEGIN' : 'BEGIN READ ONLY']);
      try {
        return await work();
      } finally {
        await conn.control(['ROLLBACK']);
      }
    },
  };
}
