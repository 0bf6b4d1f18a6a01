/**
 * Test support for the tenant and security layers: collection runs through the real
 * runtime (runCollection: read-only connection, one READ ONLY transaction per collector,
 * counter state in a separate database) with a chosen set of collectors and settings, and
 * tenant schemas with any name (hostile ones included), always created as quoted identifiers.
 */
import pg from 'pg';
import type { Collector } from '../../lambdas/collector/collector.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import { type TenantConnectionKeeper, tenantConnectionKeeper } from '../../lambdas/collector/runtime/tenant-connections.js';
import { tenantReadTimeoutMs } from '../../lambdas/collector/sources/tenant-reads.js';
import type { RunResult } from '../../lambdas/collector/runtime/run-result.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import type { CollectorSettingsInput } from '../../lambdas/core/config/collector-settings.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import type { Datum } from '../../lambdas/core/metrics/datum.js';
import { createDemoDatabase, type DemoDatabase } from '../../lambdas/local/demo/create.js';
import { tenantSchemaSql } from '../../lambdas/local/demo/schema.js';
import { startPostgres, type PostgresMajor, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { connectionSettingsFromUrl, productionConnector, testSettings, withAdmin } from './runtime-fixtures.js';

const STATE_TIMEOUTS = { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 };

export interface TenantRun {
  readonly result: RunResult;
  readonly datums: readonly Datum[];
  /** The run's structured log lines, parsed. */
  readonly records: readonly Record<string, unknown>[];
}

export interface CollectionRunnerOptions {
  /** Where the tenant connections connect (default: prodUrl; e.g. a closed port to refuse them). */
  readonly tenantConnectionUrl?: string;
  /** How long a kept tenant connection may take to prove it is alive (default: the connect timeout). */
  readonly checkTimeoutMs?: number;
}

/**
 * A function that runs `collectors` once against `prodUrl`, keeping counter state in
 * `stateUrl`. As the deployed handler does, it reads the perTenant sources on
 * `tenantConnections` connections (default 2; 0: on the main one) kept from one run to the
 * next; `closeTenantConnections()` closes them (afterAll).
 */
export function collectionRunner(prodUrl: string, stateUrl: string, collectors: readonly Collector[], overrides: Partial<CollectorSettingsInput> = {}, options: CollectionRunnerOptions = {}) {
  const settings = testSettings(overrides);
  const keeper: TenantConnectionKeeper = tenantConnectionKeeper();
  const tenantUrl = options.tenantConnectionUrl ?? prodUrl;
  const run = async (): Promise<TenantRun> => {
    const sink = createLocalSink();
    const log = createMemoryLogger();
    const result = await runCollection({
      settings, collectors, sink, log,
      connect: productionConnector(prodUrl, settings),
      openStateStore: () => openPgStateStore(connectionSettingsFromUrl(stateUrl), STATE_TIMEOUTS),
      tenantConnections: {
        size: settings.tenantConnections,
        open: productionConnector(tenantUrl, { ...settings, statementTimeoutMs: tenantReadTimeoutMs(settings) }),
        keeper,
        ...(options.checkTimeoutMs === undefined ? {} : { checkTimeoutMs: options.checkTimeoutMs }),
      },
    });
    return { result, datums: sink.latest(), records: log.records() };
  };
  return Object.assign(run, { closeTenantConnections: () => keeper.close() });
}

export interface DemoTarget {
  readonly server: PostgresServer;
  /** The monitored (production) database: the demo payroll schema. */
  readonly prodUrl: string;
  /** The counter-state database, beside it. */
  readonly stateUrl: string;
  readonly demo: DemoDatabase;
}

/** A server with a demo database of `tenants` tenants and a state database: call in beforeAll, stop the server in afterAll. */
export async function startDemoTarget(major: PostgresMajor, tenants: number): Promise<DemoTarget> {
  const server = await startPostgres({ major });
  const prodUrl = await server.createDatabase('production');
  const stateUrl = await server.createDatabase('tenantwatch_state');
  return { server, prodUrl, stateUrl, demo: await createDemoDatabase(prodUrl, { tenants }) };
}

/** The log records of one event. */
export function logEvents(run: TenantRun, event: string): Record<string, unknown>[] {
  return run.records.filter((r) => r.event === event);
}

/** Creates tenant schemas with the demo's eight tables; names are quoted, never trusted. */
export async function createTenantSchemas(url: string, names: readonly string[], batch = 25): Promise<void> {
  await withAdmin(url, async (client) => {
    for (let i = 0; i < names.length; i += batch) {
      const sql = names.slice(i, i + batch).map((n) => tenantSchemaSql(pg.escapeIdentifier(n))).join('\n');
      await client.query(`BEGIN;\n${sql}\nCOMMIT;`);
    }
  });
}
