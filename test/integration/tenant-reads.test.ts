/**
 * perTenant SQL sources read on the run's tenant connections (sources/tenant-reads.ts):
 * the same datums as on the main connection, one statement per part whatever the
 * sources, a broken source failing alone, read only even when a source turned the
 * session's default off, and the main connection as the fallback when no tenant
 * connection can be opened. Through the real runtime (runCollection), as the handler runs it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../lambdas/collector/collector.js';
import { TENANT_SOURCES_COLLECTOR, tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import type { Datum } from '../../lambdas/core/metrics/datum.js';
import { DEFAULT_SOURCES, type SourceInput } from '../../lambdas/core/config/sources.js';
import { payrollActivity } from '../../lambdas/local/demo/workload.js';
import type { DemoDatabase } from '../../lambdas/local/demo/create.js';
import type { PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-tcp-proxy.js';
import { testedMajors } from '../support/pg-versions.js';
import { TEST_TARGET, unreachableUrl, valueOf, withAdmin } from '../support/runtime-fixtures.js';
import { collectionRunner, logEvents, startDemoTarget } from '../support/tenant-fixtures.js';

const TENANTS = 7;
const Database = TEST_TARGET;
/** A closed port: every tenant connection is refused. */
const CLOSED_PORT = 9;
/** How long a kept tenant connection may stay silent in these tests before it is replaced. */
const CHECK_TIMEOUT_MS = 300;
const defaults = (name: string): SourceInput => DEFAULT_SOURCES.find((s) => s.name === name)!;
const perTenant = (name: string, sql: string, metric: string): SourceInput => ({ name, perTenant: true, sql, metrics: [{ column: 'n', metric }] });

/** The sources' datums in a stable order, without their timestamps (two runs never share one). */
const comparable = (datums: readonly Datum[]) =>
  datums.filter((d) => d.metric.namespace === 'TenantWatch/Tenants').map(({ timestamp: _t, ...d }) => d).sort((a, b) => JSON.stringify([a.metric.name, a.dimensions]).localeCompare(JSON.stringify([b.metric.name, b.dimensions])));

describe.each(testedMajors())('tenant reads on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  let demo: DemoDatabase;
  let collectors: Collector[];
  let stateDatabases = 0;
  let proxy: FaultProxy;
  const runners: { closeTenantConnections(): Promise<void> }[] = [];
  /** A runner with its own state database (its windows and baselines are its own). */
  const runner = async (overrides: Parameters<typeof collectionRunner>[3] = {}, options: Parameters<typeof collectionRunner>[4] = {}) => {
    const stateUrl = await server.createDatabase(`state_${++stateDatabases}`);
    const run = collectionRunner(prodUrl, stateUrl, collectors, overrides, options);
    runners.push(run);
    return run;
  };

  beforeAll(async () => {
    const target = await startDemoTarget(major, TENANTS);
    ({ server, prodUrl, demo } = target);
    collectors = tenantsCollectors.filter((c) => c.name === TENANT_SOURCES_COLLECTOR);
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await Promise.all(runners.map((r) => r.closeTenantConnections()));
    await proxy?.stop();
    await server?.stop();
  });

  it('publishes exactly what the main connection publishes, in one statement per part', async () => {
    // Prepare
    const onMain = await runner({ tenantConnections: 0 });
    const onTenantConnections = await runner();
    await onMain();
    await onTenantConnections(); // baselines of the windows (and the tenant connection is opened, then kept)
    const tenant = demo.plan.tenants[3]!;
    await payrollActivity(prodUrl, { tenant: tenant.slug, completed: 2, failed: 1, durationSeconds: 60 });
    // Act
    const main = await onMain();
    const reads = await onTenantConnections();
    // Assess
    expect(reads.result.errors).toEqual([]);
    expect(comparable(reads.datums)).toEqual(comparable(main.datums));
    expect(valueOf(reads.datums, 'PayrollRunsCompleted', { Database, Tenant: tenant.schema })).toBe(2);
    expect(valueOf(reads.datums, 'PayrollRunsFailed')).toBe(1);
    expect(valueOf(reads.datums, 'ActiveSessions')).toBe(demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0));
    // Tenant discovery and two parts (one per configured connection, both on one kept connection at this size).
    expect(reads.result.tenantReads).toEqual({ statements: 3, rows: TENANTS + 2 * TENANTS });
    // The main connection sent neither the discovery nor the two perTenant statements.
    expect(main.result.collectors[0]!.statements - reads.result.collectors[0]!.statements).toBe(3);
  });

  it('a broken perTenant source fails alone: its part is read again source by source', async () => {
    // Prepare
    const run = await runner({ sources: [perTenant('broken', 'SELECT count(*) AS n FROM {{tenant}}.no_such_table', 'PayrollRunsInProgress'), defaults('active-sessions')], tenantConnections: 1 });
    // Act
    const { result, datums } = await run();
    // Assess
    expect(result.errors.map((e) => e.message.split(':')[0])).toEqual(['sources/broken']);
    expect(result.errors[0]!.message).toContain('no_such_table');
    expect(valueOf(datums, 'ActiveSessions')).toBe(demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0));
    expect(valueOf(datums, 'PayrollRunsInProgress')).toBeUndefined();
    // Opening the connection (2), discovery (1), the part with both sources (1), then each source alone (2).
    expect(result.tenantReads.statements).toBe(6);
  });

  it('stays read only when a source turned the session default off: its writes are refused, before and after', async () => {
    // Prepare
    const lastValues = () => withAdmin(prodUrl, (c) => Promise.all(demo.plan.tenants.map(async (t) =>
      (await c.query<{ v: string }>(`SELECT last_value::text AS v FROM ${pg.escapeIdentifier(t.schema)}.employees_id_seq`)).rows[0]!.v)));
    const before = await lastValues();
    const run = await runner({
      tenantConnections: 1,
      sources: [
        perTenant('tamper', "SELECT (set_config('default_transaction_read_only', 'off', false) = 'off')::int AS n FROM {{tenant}}.sessions LIMIT 1", 'PayrollRunsInProgress'),
        perTenant('check', "SELECT (current_setting('default_transaction_read_only') = 'off')::int AS n FROM {{tenant}}.sessions LIMIT 1", 'ActiveSessions'),
        perTenant('writer', "SELECT nextval('{{tenant}}.employees_id_seq') AS n", 'PayrollRunsCompleted'),
      ],
    });
    // Act: the second run is on the same kept connection, whose session default is off by then.
    const first = await run();
    const second = await run();
    // Assess
    for (const { result, datums } of [first, second]) {
      expect(result.errors.map((e) => e.message.split(':')[0])).toEqual(['sources/writer']);
      expect(result.errors[0]!.message).toContain('read-only transaction');
      expect(valueOf(datums, 'PayrollRunsInProgress')).toBe(TENANTS);
      expect(valueOf(datums, 'ActiveSessions')).toBe(TENANTS);
    }
    expect(second.result.tenantReads.statements).toBe(1 + 1 + 3); // discovery, the part, each source alone
    expect(await lastValues()).toEqual(before);
  });

  it('reads on the main connection when no tenant connection can be opened', async () => {
    // Prepare
    const run = await runner({}, { tenantConnectionUrl: unreachableUrl(CLOSED_PORT) });
    await run(); // baseline
    // Act
    const { result, datums, records } = await run();
    // Assess
    expect(result.errors).toEqual([]);
    expect(valueOf(datums, 'ActiveSessions')).toBe(demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0));
    expect(logEvents({ result, datums, records }, 'tenant_connections_unavailable').map((r) => r.source)).toEqual(['active-sessions', 'payroll-runs']);
    expect(result.tenantReads.statements).toBe(0);
  });

  it('replaces a kept tenant connection that went silent while the Lambda was frozen', async () => {
    // Prepare
    const run = await runner({ tenantConnections: 1 }, { tenantConnectionUrl: proxy.via(prodUrl), checkTimeoutMs: CHECK_TIMEOUT_MS });
    await run(); // opens the tenant connection, then keeps it
    proxy.freeze();
    // Act
    const { result, datums, records } = await run();
    // Assess
    expect(result.errors).toEqual([]);
    expect(valueOf(datums, 'ActiveSessions')).toBe(demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0));
    expect(logEvents({ result, datums, records }, 'tenant_connection_dropped').map((r) => String((r.error as { message?: string }).message)))
      .toEqual([`no answer within ${CHECK_TIMEOUT_MS} ms`]);
    // A new connection (2 statements to open it), then discovery and the part.
    expect(result.tenantReads.statements).toBe(2 + 1 + 1);
  });
});
