/**
 * The shipped monitoring-role SQL at thousands of tenant schemas on a server with default
 * lock settings: every GRANT holds two lock slots (its table or schema, taken until the
 * transaction ends), so a single transaction for 10,000 tenants (30,000 locks) would run out
 * of the lock table ("out of shared memory"); section 5 commits in batches instead.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { DEFAULT_POSTGRES_MAJOR } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';
import { MONITOR_ROLE, createMonitorRole } from './support/monitor-role.js';

const TENANTS = 10_000;
const CREATE_BATCH = 250;
const PASSWORD = 'scale-monitor-password';

describe('the shipped monitoring role at 10,000 tenant schemas', () => {
  let server: PostgresServer;
  let adminUrl: string;

  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
    adminUrl = await server.createDatabase('payroll');
    await withAdmin(adminUrl, async (c) => {
      // The shared tables the default sources read, empty: the role SQL grants on them too.
      await c.query(`CREATE SCHEMA app;
        CREATE TABLE app.users (id int); CREATE TABLE app.feature_flags (key text); CREATE TABLE app.tenant_feature_flags (flag_key text);
        CREATE TABLE app.login_events (id int); CREATE TABLE app.security_events (id int); CREATE TABLE app.audit_log (id int);
        CREATE TABLE app.request_log (id int); CREATE TABLE app.tenants (id int);`);
      for (let i = 0; i < TENANTS; i += CREATE_BATCH) {
        const schemas = Array.from({ length: Math.min(CREATE_BATCH, TENANTS - i) }, (_, k) => pg.escapeIdentifier(`tenant_${String(i + k).padStart(5, '0')}`));
        await c.query(schemas.map((s) => `CREATE SCHEMA ${s}; CREATE TABLE ${s}.sessions (id int); CREATE TABLE ${s}.payroll_runs (id int);`).join('\n'));
      }
    });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('grants every tenant schema with the default max_locks_per_transaction', async () => {
    // Prepare
    const maxLocks = await withAdmin(adminUrl, async (c) => (await c.query<{ v: string }>("SELECT current_setting('max_locks_per_transaction') AS v")).rows[0]!.v);
    // Act
    await createMonitorRole(adminUrl, PASSWORD);
    // Assess
    const granted = await withAdmin(adminUrl, async (c) => (await c.query<{ schemas: string; tables: string }>(`
      SELECT count(*) FILTER (WHERE has_schema_privilege($1, n.oid, 'USAGE')) AS schemas,
             (SELECT count(*) FROM pg_class t JOIN pg_namespace tn ON tn.oid = t.relnamespace
               WHERE tn.nspname ~ '^tenant_' AND has_table_privilege($1, t.oid, 'SELECT')) AS tables
      FROM pg_namespace n WHERE n.nspname ~ '^tenant_'`, [MONITOR_ROLE])).rows[0]);
    expect(maxLocks).toBe('64');
    expect(granted).toEqual({ schemas: String(TENANTS), tables: String(2 * TENANTS) });
  }, 120_000);
});
