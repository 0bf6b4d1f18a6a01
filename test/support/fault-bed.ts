/**
 * The test bed of the fault-injection tests: a real PostgreSQL server with the demo payroll
 * database (production) and a separate state database, and the fake CloudWatch endpoint.
 *
 * ```ts
 * let bed: FaultBed;
 * beforeAll(async () => { bed = await startFaultBed({ major, tenants: 3 }); });
 * afterAll(async () => { await bed?.stop(); });
 * const lambda = collectorLambda({ cloudwatch: bed.cloudwatch, env: bed.env });
 * bed.proxy.via(bed.prodUrl)   // the same database through a TCP proxy that can fail on demand
 * ```
 */
import { CollectorEnvVar, type Environment } from '../../lambdas/collector/runtime/environment.js';
import { createDemoDatabase, type DemoDatabase } from '../../lambdas/local/demo/create.js';
import { DEFAULT_POSTGRES_MAJOR, type PostgresMajor, type PostgresServer, startPostgres } from '../../lambdas/local/embedded-postgres.js';
import { startFakeCloudWatch, type FakeCloudWatch } from './fake-cloudwatch.js';
import { type FaultProxy, startFaultProxy } from './fault-tcp-proxy.js';

export interface FaultBedOptions {
  readonly major?: PostgresMajor;
  readonly tenants?: number;
  /** Preload pg_stat_statements (default true). */
  readonly preloadPgStatStatements?: boolean;
  /** CREATE EXTENSION pg_stat_statements in the demo database (default true). */
  readonly createPgStatStatements?: boolean;
}

export interface FaultBed {
  readonly server: PostgresServer;
  readonly prodUrl: string;
  readonly stateUrl: string;
  readonly demo: DemoDatabase;
  readonly cloudwatch: FakeCloudWatch;
  /** A fault proxy in front of the server (test/support/fault-tcp-proxy.ts). */
  readonly proxy: FaultProxy;
  /** DATABASE_URL and STATE_DATABASE_URL of the bed (superuser, as the demo's own runs). */
  readonly env: Environment;
  /** Open sessions of the demo's tenants: what ActiveSessions reports. */
  readonly openSessions: number;
  stop(): Promise<void>;
}

export async function startFaultBed(options: FaultBedOptions = {}): Promise<FaultBed> {
  const server = await startPostgres({ major: options.major ?? DEFAULT_POSTGRES_MAJOR, pgStatStatements: options.preloadPgStatStatements ?? true });
  let cloudwatch: FakeCloudWatch | undefined;
  let proxy: FaultProxy | undefined;
  try {
    const prodUrl = await server.createDatabase('production');
    const stateUrl = await server.createDatabase('tenantwatch_state');
    const demo = await createDemoDatabase(prodUrl, { tenants: options.tenants ?? 3, pgStatStatements: options.createPgStatStatements ?? true });
    cloudwatch = await startFakeCloudWatch();
    proxy = await startFaultProxy(server.port);
    const [cw, px] = [cloudwatch, proxy];
    return {
      server, prodUrl, stateUrl, demo, cloudwatch: cw, proxy: px,
      env: { [CollectorEnvVar.DatabaseUrl]: prodUrl, [CollectorEnvVar.StateDatabaseUrl]: stateUrl },
      openSessions: demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0),
      async stop() {
        await px.stop();
        await cw.stop();
        await server.stop();
      },
    };
  } catch (error) {
    await proxy?.stop();
    await cloudwatch?.stop();
    await server.stop();
    throw error;
  }
}
