/**
 * The monitoring (state) database: reachable, not the production database, and migrated
 * (table monitoring.counter_samples with the privileges the collector uses) or at least
 * migratable by the collector on its first run. The doctor only reads: its session is
 * read-only too; the migration is the collector's (or the DBA's, from the shipped file).
 */
import type pg from 'pg';
import type { ConnectionSettings } from '../../collector/runtime/connection-settings.js';
import { APPLICATION_NAME, connectPgClient } from '../../collector/runtime/pg-client.js';
import { COUNTER_SAMPLES_TABLE, MIGRATION_FILE, MONITORING_SCHEMA } from '../../collector/state/migration.js';
import { type CheckResult, fail, messageOf, pass, skip, warn } from './check.js';

export const STATE_CHECK_ID = 'monitoring-database';
const TITLE = 'monitoring database reachable and migrated';
const MIGRATION_PATH = `lambdas/collector/state/${MIGRATION_FILE}`;
/** DML the state store sends (pg-state-store.ts). */
const REQUIRED_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE'] as const;
/** The table's name within the monitoring schema. */
const COUNTER_SAMPLES_RELATION = COUNTER_SAMPLES_TABLE.slice(MONITORING_SCHEMA.length + 1);

/** Which server and database a session is on, independent of how its URL spells the host. */
const IDENTITY_SQL = `SELECT pg_postmaster_start_time()::text || '/' || current_setting('port') || '/' || current_database() AS identity`;

/** By oid, not by name: a name lookup in a schema without USAGE would error instead of answering. */
const STATE_SQL = `
WITH t AS (
  SELECT c.oid AS rel, n.oid AS nsp FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = $2)
SELECT EXISTS (SELECT 1 FROM t) AS migrated,
       has_database_privilege(current_database(), 'CREATE') AS may_create,
       current_user AS role, current_database() AS database,
       ${REQUIRED_PRIVILEGES.map((p) => `coalesce((SELECT has_table_privilege(rel, '${p}') FROM t), false) AS may_${p.toLowerCase()}`).join(',\n       ')},
       coalesce((SELECT has_schema_privilege(nsp, 'USAGE') FROM t), false) AS schema_usage`;

interface StateRow extends Record<string, unknown> {
  readonly migrated: boolean;
  readonly may_create: boolean;
  readonly role: string;
  readonly database: string;
  readonly may_select: boolean;
  readonly may_insert: boolean;
  readonly may_update: boolean;
  readonly schema_usage: boolean;
}

export interface StateCheckOptions {
  readonly connectTimeoutMs: number;
  /** The production session's identity (IDENTITY_SQL), to refuse the production database as state. */
  readonly productionIdentity?: string;
}

export async function sessionIdentity(query: (sql: string) => Promise<readonly Record<string, unknown>[]>): Promise<string> {
  const [row] = await query(IDENTITY_SQL);
  return String(row?.identity);
}

function verdict(row: StateRow, where: string): CheckResult {
  if (!row.migrated) {
    if (row.may_create) return warn(STATE_CHECK_ID, TITLE, `${where}: reachable; ${COUNTER_SAMPLES_TABLE} does not exist yet`, `none needed: the collector creates it on its first run (or run ${MIGRATION_PATH} beforehand)`);
    return fail(STATE_CHECK_ID, TITLE, `${where}: reachable, but ${COUNTER_SAMPLES_TABLE} does not exist and ${row.role} may not create it`, `run ${MIGRATION_PATH} as the database owner, then GRANT USAGE ON SCHEMA ${MONITORING_SCHEMA} and SELECT, INSERT, UPDATE ON ${COUNTER_SAMPLES_TABLE} TO ${row.role}`);
  }
  const missing = REQUIRED_PRIVILEGES.filter((p) => !row[`may_${p.toLowerCase()}`]);
  if (!row.schema_usage || missing.length) {
    const lacking = [...(row.schema_usage ? [] : [`USAGE on schema ${MONITORING_SCHEMA}`]), ...(missing.length ? [`${missing.join(', ')} on ${COUNTER_SAMPLES_TABLE}`] : [])];
    return fail(STATE_CHECK_ID, TITLE, `${where}: migrated, but ${row.role} lacks ${lacking.join(' and ')}`, `GRANT USAGE ON SCHEMA ${MONITORING_SCHEMA} TO ${row.role}; GRANT SELECT, INSERT, UPDATE ON ${COUNTER_SAMPLES_TABLE} TO ${row.role};`);
  }
  return pass(STATE_CHECK_ID, TITLE, `${where}: ${COUNTER_SAMPLES_TABLE} present, ${row.role} may read and write it`);
}

export async function stateDatabaseCheck(settings: ConnectionSettings | undefined, description: string, options: StateCheckOptions): Promise<CheckResult> {
  if (!settings) return skip(STATE_CHECK_ID, TITLE, 'not checked: pass --state-database-url (or STATE_DATABASE_URL)');
  let client: pg.Client;
  try {
    client = await connectPgClient(settings, {
      applicationName: `${APPLICATION_NAME}-doctor`,
      connectTimeoutMs: options.connectTimeoutMs,
      startupSettings: { default_transaction_read_only: 'on' },
    });
  } catch (error) {
    return fail(STATE_CHECK_ID, TITLE, `${description}: cannot connect: ${messageOf(error)}`, 'check the host, port, network path, user and password of the monitoring database (its secret)');
  }
  try {
    const identity = await sessionIdentity(async (sql) => (await client.query(sql)).rows);
    if (identity === options.productionIdentity) {
      return fail(STATE_CHECK_ID, TITLE, `${description} is the monitored production database`, 'keep the collector state in a separate database: production is never written to');
    }
    const { rows } = await client.query<StateRow>(STATE_SQL, [MONITORING_SCHEMA, COUNTER_SAMPLES_RELATION]);
    return verdict(rows[0]!, `${description} (database ${rows[0]!.database})`);
  } catch (error) {
    return fail(STATE_CHECK_ID, TITLE, `${description}: ${messageOf(error)}`, `run ${MIGRATION_PATH} as the database owner`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
