/**
 * Lock slots of a perTenant source, through the real runtime: each tenant table it reads
 * (and the table's index, which the planner opens) holds a lock until the transaction
 * ends. In one statement, 1,500 tenants overflow a small server's lock table; with
 * `tenantChunkSize` the runtime's transaction ends between chunks (ctx.endTransaction()),
 * so no more than one chunk's locks are ever held.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_SOURCES_COLLECTOR, tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import type { RunResult } from '../../lambdas/collector/runtime/run-result.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import { discoverTenants } from '../../lambdas/collector/tenants/discovery.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { DEFAULT_POSTGRES_MAJOR, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { connectionSettingsFromUrl, productionConnector, testSettings, valueOf, withAdmin } from '../support/runtime-fixtures.js';

const TENANTS = 1_500;
const CHUNK = 100;
const CREATE_BATCH = 250;
/** The smallest lock table PostgreSQL allows: max_locks_per_transaction 10 x about 35 backends. */
const SMALL_LOCK_TABLE = { max_locks_per_transaction: 10, max_connections: 10 };
/** The runtime's statements that end one chunk's transaction and open the next. */
const RENEW = 3;

describe('perTenant source lock slots with tenantChunkSize', () => {
  let server: PostgresServer;
  let prodUrl: string;
  let stateUrl: string;
  const collector = tenantsCollectors.find((c) => c.name === TENANT_SOURCES_COLLECTOR)!;

  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR, settings: SMALL_LOCK_TABLE });
    prodUrl = await server.createDatabase('production');
    stateUrl = await server.createDatabase('tenantwatch_state');
    await withAdmin(prodUrl, async (c) => {
      for (let i = 0; i < TENANTS; i += CREATE_BATCH) {
        const schemas = Array.from({ length: Math.min(CREATE_BATCH, TENANTS - i) }, (_, k) => pg.escapeIdentifier(`tenant_${String(i + k).padStart(4, '0')}`));
        // One transaction per batch: creating them holds locks too.
        await c.query(schemas.map((s) => `CREATE SCHEMA ${s}; CREATE TABLE ${s}.sessions (id int PRIMARY KEY); INSERT INTO ${s}.sessions VALUES (1);`).join('\n'));
      }
    });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  const run = (tenantChunkSize: number): Promise<RunResult> => {
    const settings = testSettings({
      tenants: { schemaPattern: '^tenant_' }, tenantChunkSize,
      sources: [{ name: 'sessions', perTenant: true, sql: 'SELECT count(*) AS n FROM {{tenant}}.sessions', metrics: [{ column: 'n', metric: 'ActiveSessions', unit: 'Count' }] }],
    });
    return runCollection({
      settings, collectors: [collector], sink: createLocalSink(), log: createMemoryLogger(), discover: discoverTenants,
      connect: productionConnector(prodUrl, settings),
      openStateStore: () => openPgStateStore(connectionSettingsFromUrl(stateUrl), { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 }),
    });
  };

  it('overflows the lock table with every tenant in one statement', async () => {
    // Act
    const result = await run(10_000);
    // Assess
    expect(result.errors).toEqual([{ collector: TENANT_SOURCES_COLLECTOR, reason: 'partial', message: expect.stringMatching(/^sources\/sessions: source "sessions": out of shared memory/) }]);
    expect(valueOf(result.datums, 'ActiveSessions')).toBeUndefined();
  });

  it('fits it in chunks of 100 tenants, one transaction each, and counts every tenant', async () => {
    // Act
    const result = await run(CHUNK);
    // Assess
    const chunks = TENANTS / CHUNK;
    expect(result.errors).toEqual([]);
    expect(valueOf(result.datums, 'ActiveSessions')).toBe(TENANTS);
    // The run's transaction (BEGIN + timeout), discovery, one statement per chunk and a renewal between two chunks.
    expect(result.collectors[0]!.statements).toBe(2 + 1 + chunks + (chunks - 1) * RENEW);
  });
});
