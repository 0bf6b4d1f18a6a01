/**
 * Read-only proof: 50 collection runs of the real collector handler (every collector, the
 * default configuration) against the demo database, connected as a SUPERUSER, so nothing
 * but the connection's read-only session stands between the collectors and the data. The
 * production fingerprint (contents, relfilenodes, schemas, sequences, roles, extensions
 * and the tables' write counters) is identical before and after.
 *
 * That the production connection refuses a write with SQLSTATE 25006, and that a collector
 * cannot escape its READ ONLY transaction (COMMIT, SET TRANSACTION READ WRITE), is proven
 * in test/integration/runtime.test.ts ("opens the production connection read-only, bounded
 * and named"; "isolates failing collectors: the others publish and the database is unchanged").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../lambdas/collector/runtime/run-result.js';
import { createDemoDatabase, runDemoWorkload } from '../../lambdas/local/demo/index.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';
import { localCollector } from './support/monitor-role.js';
import { productionFingerprint, settledWriteCounters } from './support/production-fingerprint.js';

const RUNS = 50;
const TENANTS = 5;
const APP_TABLES = 8;
const TABLES_PER_TENANT = 8;

describe.each(testedMajors())('read-only on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let url: string;
  let stateUrl: string;

  beforeAll(async () => {
    server = await startPostgres({ major });
    url = await server.createDatabase('payroll');
    stateUrl = await server.createDatabase('tenantwatch_state');
    await createDemoDatabase(url, { tenants: TENANTS });
    // Varied contents and statements for the collectors to read.
    await runDemoWorkload(url, { seed: 1 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`${RUNS} collection runs as a superuser change nothing in the production database`, async () => {
    // Prepare
    const superuser = await withAdmin(url, async (c) => (await c.query<{ s: boolean }>('SELECT rolsuper AS s FROM pg_roles WHERE rolname = current_user')).rows[0]!.s);
    await settledWriteCounters(url);
    const before = await productionFingerprint(url);
    const collector = localCollector(url, stateUrl);
    const runs: RunResult[] = [];
    // Act
    for (let i = 0; i < RUNS; i++) runs.push(await collector.run());
    await settledWriteCounters(url);
    const after = await productionFingerprint(url);
    // Assess
    expect(superuser).toBe(true);
    expect(Object.keys(before.tables)).toHaveLength(APP_TABLES + TENANTS * TABLES_PER_TENANT);
    expect(after).toEqual(before);
    expect(runs.map((r) => [r.databaseUp, r.errors.length])).toEqual(Array(RUNS).fill([true, 0]));
    expect(runs.every((r) => r.collectors.every((c) => c.status === 'ok'))).toBe(true);
    // The runs did read: every collector, every run.
    expect(new Set(runs.map((r) => r.collectors.length)).size).toBe(1);
    expect(runs.every((r) => r.statements > r.collectors.length)).toBe(true);
  });

  it('the fingerprint sees a write even when it was rolled back, and a table rewrite that keeps every row', async () => {
    // Prepare
    await settledWriteCounters(url);
    const before = await productionFingerprint(url);
    // Act
    await withAdmin(url, async (c) => {
      await c.query('BEGIN');
      await c.query("INSERT INTO app.feature_flags (key, description) VALUES ('rolled-back', 'never committed')");
      await c.query('ROLLBACK');
      await c.query('VACUUM FULL app.audit_log');
    });
    await settledWriteCounters(url);
    const after = await productionFingerprint(url);
    // Assess: same rows, but one insert counted and one relation rewritten.
    expect(after.tables).toEqual(before.tables);
    const changed = <T>(a: Readonly<Record<string, T>>, b: Readonly<Record<string, T>>) => Object.keys(a).filter((k) => a[k] !== b[k]);
    expect(changed(after.writeCounters, before.writeCounters)).toEqual(['app.feature_flags']);
    expect(after.relations.filter((r) => !before.relations.includes(r)).map((r) => r.split(' ')[0])).toEqual(['app.audit_log', 'app.audit_log_occurred_idx', 'app.audit_log_pkey']);
  });
});
