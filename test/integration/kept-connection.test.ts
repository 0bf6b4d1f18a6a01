/**
 * The deployed handler keeps its production connection from one invocation to the next
 * (runtime/kept-connection.ts), through the real handler, on real PostgreSQL: the same
 * backend serves the next run, it waits idle (never idle in a transaction) between runs,
 * and a kept connection that died in between is replaced without a failure to report.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collector } from '../../lambdas/collector/collector.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { createCollectorHandler } from '../../lambdas/collector/runtime/handler.js';
import { APPLICATION_NAME, DEFAULT_CONNECT_TIMEOUT_MS } from '../../lambdas/collector/runtime/pg-client.js';
import { Connections } from '../../lambdas/core/catalog/index.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { datum } from '../../lambdas/core/metrics/datum.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { DEFAULT_STATEMENT_TIMEOUT_MS } from '../../lambdas/core/config/collector-settings.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-tcp-proxy.js';
import { DEFAULT_POSTGRES_MAJOR } from '../support/pg-versions.js';
import { TEST_TARGET, valueOf, withAdmin } from '../support/runtime-fixtures.js';

const LAMBDA_TIMEOUT_MS = 60_000;

function lambdaContext(): Context {
  const started = Date.now();
  return { awsRequestId: 'req', functionName: 'tenantwatch-demo-collector', getRemainingTimeInMillis: () => LAMBDA_TIMEOUT_MS - (Date.now() - started) } as Context;
}

/** Publishes its backend's pid, so the test can tell which session served the run. */
const backend = collector({
  // The default statement timeout: the run's first transaction suits it as it is.
  name: 'backend', layer: 'database', timeoutMs: DEFAULT_STATEMENT_TIMEOUT_MS,
  async collect(ctx) {
    const [row] = await ctx.db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { datums: [datum(Connections, { Database: ctx.target }, row!.pid)] };
  },
});

describe('the production connection kept between invocations', () => {
  let server: PostgresServer;
  let prodUrl: string;
  let stateUrl: string;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
    prodUrl = await server.createDatabase('production');
    stateUrl = await server.createDatabase('tenantwatch_state');
    proxy = await startFaultProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  const keepingHandler = (databaseUrl = prodUrl, settings: Record<string, unknown> = {}) => {
    const log = createMemoryLogger();
    const handler = createCollectorHandler({
      env: { [CollectorEnvVar.Settings]: JSON.stringify({ target: TEST_TARGET, ...settings }), [CollectorEnvVar.DatabaseUrl]: databaseUrl, [CollectorEnvVar.StateDatabaseUrl]: stateUrl },
      collectors: [backend], sink: () => createLocalSink(), log, keepConnection: true,
    });
    return { handler, log };
  };
  const sessions = () => withAdmin(prodUrl, async (c) => (await c.query<{ pid: number; state: string }>(
    'SELECT pid, state FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid', [APPLICATION_NAME])).rows);

  it('serves the next run from the same backend, which waits idle in between', async () => {
    // Prepare
    const { handler } = keepingHandler();
    try {
      // Act
      const first = await handler({}, lambdaContext());
      const between = await sessions();
      const second = await handler({}, lambdaContext());
      // Assess
      const pid = valueOf(first.datums, 'Connections');
      expect(valueOf(second.datums, 'Connections')).toBe(pid);
      expect(between).toEqual([{ pid, state: 'idle' }]);
      // The kept connection's run sends no connect queries: its transaction, the collector's query, COMMIT.
      expect([first.statements, second.statements]).toEqual([2 + 2 + 1 + 1, 2 + 1 + 1]);
      expect(second.connectionFailures).toBe(0);
    } finally {
      await handler.closeConnection();
    }
    expect(await sessions()).toEqual([]);
  });

  it('keeps nothing when the settings say keepConnection: false', async () => {
    // Prepare
    const { handler } = keepingHandler(prodUrl, { keepConnection: false });
    try {
      // Act
      const first = await handler({}, lambdaContext());
      const between = await sessions();
      const second = await handler({}, lambdaContext());
      // Assess
      expect(between).toEqual([]);
      expect(valueOf(second.datums, 'Connections')).not.toBe(valueOf(first.datums, 'Connections'));
      expect([first.statements, second.statements]).toEqual([2 + 2 + 1 + 1, 2 + 2 + 1 + 1]);
    } finally {
      await handler.closeConnection();
    }
  });

  it('replaces a kept connection the server ended between two runs, with nothing to report', async () => {
    // Prepare
    const { handler } = keepingHandler();
    try {
      const first = await handler({}, lambdaContext());
      const pid = valueOf(first.datums, 'Connections')!;
      await withAdmin(prodUrl, (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
      // Act
      const second = await handler({}, lambdaContext());
      // Assess
      expect([second.databaseUp, second.connectionFailures, second.errors]).toEqual([true, 0, []]);
      expect(valueOf(second.datums, 'Connections')).not.toBe(pid);
      expect(valueOf(second.datums, 'ConnectionFailures')).toBe(0);
    } finally {
      await handler.closeConnection();
    }
  });

  it('replaces a kept connection that went silent while the Lambda was frozen, after the connect timeout', async () => {
    // Prepare
    const { handler, log } = keepingHandler(proxy.via(prodUrl));
    try {
      const first = await handler({}, lambdaContext());
      const pid = valueOf(first.datums, 'Connections')!;
      proxy.freeze();
      // Act
      const second = await handler({}, lambdaContext());
      // Assess
      expect([second.databaseUp, second.connectionFailures, second.errors]).toEqual([true, 0, []]);
      expect(valueOf(second.datums, 'Connections')).not.toBe(pid);
      expect(log.records().filter((r) => r.event === 'kept_connection_dropped').map((r) => String((r.error as { message?: string })?.message)))
        .toEqual([`no answer within ${DEFAULT_CONNECT_TIMEOUT_MS} ms`]);
    } finally {
      await handler.closeConnection();
    }
  });
});
