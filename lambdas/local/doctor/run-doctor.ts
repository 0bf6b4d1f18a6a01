/**
 * The doctor: connects to the monitored database exactly as the collector does and runs
 * every prerequisite check, then checks the monitoring (state) database. Never throws for
 * a finding: a check that cannot run is itself a result. Reads only.
 */
import type { ConnectionSettings, ConnectionSettingsProvider } from '../../collector/runtime/connection-settings.js';
import { isAuthenticationFailure } from '../../collector/runtime/connection-settings-auth-retry.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../collector/runtime/pg-client.js';
import { type ProductionConnection, openProductionConnection } from '../../collector/runtime/production-connection.js';
import { emptyQueryStats } from '../../collector/runtime/query-stats.js';
import { CertificateRejectedError } from '../../collector/runtime/tls-mode.js';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import { type CheckResult, fail, messageOf, pass, skip, sqlStateOf } from './check.js';
import {
  CheckId, databaseFacts, monitoringRoleCheck, pgMonitorCheck, pgStatStatementsCreatedCheck, pgStatStatementsPreloadedCheck,
  readOnlyCheck, tenantsCheck, trackIoTimingCheck,
} from './database-checks.js';
import { doctorSession } from './session.js';
import { sourceChecks } from './source-checks.js';
import { sessionIdentity, stateDatabaseCheck } from './state-check.js';
import { tlsCheck } from './tls-check.js';

export const CONNECTION_CHECK_ID = 'connection';
const CONNECTION_TITLE = 'connection as the collector connects';
const DATABASE_MISSING = '3D000';
const NETWORK_ERRORS = /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|timeout/i;

export interface DoctorOptions {
  readonly production: ConnectionSettingsProvider;
  readonly state?: ConnectionSettingsProvider;
  readonly settings: CollectorSettings;
  readonly connectTimeoutMs?: number;
  readonly clock?: () => number;
}

export interface DoctorReport {
  /** The monitored database, as safe to print (no password). */
  readonly database: string;
  readonly target: string;
  readonly results: readonly CheckResult[];
}

function connectionFix(error: unknown): string {
  if (error instanceof CertificateRejectedError) return 'trust the CA that signed the server certificate (NODE_EXTRA_CA_CERTS), or knowingly use sslmode=require';
  if (isAuthenticationFailure(error)) return 'check the user name and password (in AWS: the target\'s secret)';
  if (sqlStateOf(error) === DATABASE_MISSING) return 'check the database name';
  if (NETWORK_ERRORS.test(`${sqlStateOf(error) ?? ''} ${messageOf(error)}`)) return 'check the host, the port and the network path (security groups, subnets, VPC)';
  return 'check the connection settings';
}

/** A check that throws is a failed check, with the error's words. */
async function guarded(id: string, title: string, check: () => Promise<CheckResult> | CheckResult): Promise<CheckResult> {
  try {
    return await check();
  } catch (error) {
    return fail(id, title, `the check could not run: ${messageOf(error)}`, 'see the error; the monitoring role may lack a privilege');
  }
}

async function databaseChecks(conn: ProductionConnection, settings: CollectorSettings, connection: ConnectionSettings, clock: () => number): Promise<CheckResult[]> {
  const s = doctorSession(conn, settings, connection);
  let facts;
  try {
    facts = await databaseFacts(s);
  } catch (error) {
    return [fail(CONNECTION_CHECK_ID, CONNECTION_TITLE, `connected, but the role and server could not be read: ${messageOf(error)}`, 'see the error')];
  }
  const results: CheckResult[] = [
    pass(CONNECTION_CHECK_ID, CONNECTION_TITLE, `connected as ${facts.role} to database ${facts.database}, PostgreSQL ${facts.server_version}`),
    tlsCheck(connection),
    await guarded(CheckId.ReadOnly, 'read-only enforced', () => readOnlyCheck(s, facts)),
    await guarded(CheckId.MonitoringRole, 'monitoring role least privilege', () => monitoringRoleCheck(s, facts)),
    pgMonitorCheck(facts),
    pgStatStatementsPreloadedCheck(facts),
    await guarded(CheckId.PgStatStatementsCreated, 'pg_stat_statements created', () => pgStatStatementsCreatedCheck(s, facts)),
    trackIoTimingCheck(facts),
  ];
  const tenants = await tenantsCheck(s);
  results.push(tenants.result, ...(await sourceChecks(s, tenants.tenants, clock)));
  return results;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { settings } = options;
  const clock = options.clock ?? Date.now;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const report = (results: readonly CheckResult[]): DoctorReport => ({ database: options.production.description, target: settings.target, results });
  const connection = await options.production.get();
  let conn: ProductionConnection;
  try {
    conn = await openProductionConnection(connection, {
      statementTimeoutMs: settings.statementTimeoutMs,
      lockTimeoutMs: settings.lockTimeoutMs,
      connectTimeoutMs,
      stats: emptyQueryStats(),
    });
  } catch (error) {
    return report([
      fail(CONNECTION_CHECK_ID, CONNECTION_TITLE, `${options.production.description}: ${messageOf(error)}`, connectionFix(error)),
      tlsCheck(connection),
      skip('database', 'database prerequisites', 'not checked: no connection'),
      await stateCheck(options, connectTimeoutMs, undefined),
    ]);
  }
  try {
    const results = await databaseChecks(conn, settings, connection, clock);
    const identity = await sessionIdentity((sql) => conn.db.query(sql)).catch(() => undefined);
    results.push(await stateCheck(options, connectTimeoutMs, identity));
    return report(results);
  } finally {
    await conn.close();
  }
}

async function stateCheck(options: DoctorOptions, connectTimeoutMs: number, productionIdentity: string | undefined): Promise<CheckResult> {
  const state = options.state;
  return stateDatabaseCheck(state ? await state.get() : undefined, state?.description ?? '', {
    connectTimeoutMs, ...(productionIdentity === undefined ? {} : { productionIdentity }),
  });
}
