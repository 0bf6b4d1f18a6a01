/**
 * The connection to the monitored (production) database. Read-only is enforced by the
 * server from the first packet (default_transaction_read_only=on as a startup option),
 * every statement is bounded (statement_timeout, lock_timeout) and visible to the DBA as
 * application_name=tenantwatch. Collector statements always use the extended protocol,
 * so one call is exactly one statement: no piggy-backed `; COMMIT; ...` is possible.
 */
import type pg from 'pg';
import type { QueryRunner } from '../collector.js';
import type { ConnectionSettings } from './connection-settings.js';
import { APPLICATION_NAME, connectPgClient } from './pg-client.js';
import type { QueryStats } from './query-stats.js';
import { RunTransaction } from './run-transaction.js';
import { sqlFor } from '../collector.js';

/** pg supports queryMode; its type definitions do not know it yet. */
type ExtendedQuery = pg.QueryConfig & { readonly queryMode: 'extended' };

export interface ProductionConnectionOptions {
  readonly statementTimeoutMs: number;
  readonly lockTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Where statements and rows are counted (shared across reconnects of one run; `countInto` moves it). */
  readonly stats: QueryStats;
}

/**
 * Once per session, where the role may: our own reads are not counted into the tables'
 * statistics (track_counts is superuser-only, or granted with GRANT SET ON PARAMETER from
 * PostgreSQL 15). Otherwise every tenant a perTenant source reads would look active to the
 * tenant-activity collector, and our transactions would count as the application's.
 */
export const SESSION_SETTINGS_SQL = [
  {
    minVersion: 140000,
    text: `SELECT CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                   THEN set_config('track_counts', 'off', false) = 'off' ELSE false END AS own_reads_excluded`,
  },
  {
    minVersion: 150000,
    text: `SELECT CASE WHEN has_parameter_privilege('track_counts', 'SET')
                   THEN set_config('track_counts', 'off', false) = 'off' ELSE false END AS own_reads_excluded`,
  },
] as const;

export interface ProductionConnection {
  /** Counted, extended-protocol queries. */
  readonly db: QueryRunner;
  /** server_version_num, read once at connect (the query also proves the session works). */
  readonly serverVersion: number;
  /** True when this session's reads are left out of the statistics (SESSION_SETTINGS_SQL). */
  readonly ownReadsExcluded: boolean;
  /** The READ ONLY transaction the run's collectors share. */
  readonly transaction: RunTransaction;
  /** Count the following statements into another run's stats (a connection kept between runs). */
  countInto(stats: QueryStats): void;
  /** The runtime's own statements (transaction control), sent in one round trip. */
  control(statements: readonly string[]): Promise<void>;
  /**
   * A round trip that runs no statement (an empty query): proves a kept connection that
   * has no transaction to open is still alive.
   */
  ping(): Promise<void>;
  /** True once the connection failed or ended: it must not be used again. */
  readonly lost: boolean;
  close(): Promise<void>;
  /** Drop the socket now (a statement that will not finish in time). */
  destroy(): void;
}

export function productionStartupSettings(options: Pick<ProductionConnectionOptions, 'statementTimeoutMs' | 'lockTimeoutMs'>) {
  return {
    default_transaction_read_only: 'on',
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: options.lockTimeoutMs,
    // Monitoring queries are small and run once: compiling one (or one per tenant schema) costs far more than running it.
    jit: 'off',
  } as const;
}

export async function openProductionConnection(
  settings: ConnectionSettings,
  options: ProductionConnectionOptions,
): Promise<ProductionConnection> {
  let lost = false;
  let closing = false;
  const client: pg.Client = await connectPgClient(settings, {
    applicationName: APPLICATION_NAME,
    connectTimeoutMs: options.connectTimeoutMs,
    startupSettings: productionStartupSettings(options),
    onLost: () => {
      if (!closing) lost = true;
    },
  });
  let { stats } = options;

  const db: QueryRunner = {
    async query<R extends Record<string, unknown>>(text: string, params?: readonly unknown[]) {
      stats.statements += 1;
      const config: ExtendedQuery = { text, values: params ? [...params] : [], queryMode: 'extended' };
      const result = await client.query<R>(config);
      stats.rows += result.rows.length;
      return result.rows;
    },
  };

  let serverVersion: number;
  let ownReadsExcluded: boolean;
  try {
    const [row] = await db.query<{ server_version_num: string }>("SELECT current_setting('server_version_num') AS server_version_num");
    serverVersion = Number(row?.server_version_num);
    const [session] = await db.query<{ own_reads_excluded: boolean }>(sqlFor(SESSION_SETTINGS_SQL, serverVersion, 'connect'));
    ownReadsExcluded = session?.own_reads_excluded === true;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }

  const control = async (statements: readonly string[]) => {
    stats.statements += statements.length;
    // Simple protocol: the runtime's own constant statements in a single round trip.
    await client.query(statements.join('; '));
  };
  return {
    db,
    serverVersion,
    ownReadsExcluded,
    transaction: new RunTransaction({ control }),
    countInto(next) {
      stats = next;
    },
    get lost() {
      return lost;
    },
    control,
    async ping() {
      await client.query('');
    },
    async close() {
      closing = true;
      await client.end().catch(() => undefined);
    },
    destroy() {
      closing = true;
      lost = true;
      // pg has no public abort: end the socket; queued queries reject with "Connection terminated".
      client.connection.stream.destroy();
    },
  };
}
