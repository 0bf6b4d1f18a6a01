import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collector } from '../../lambdas/collector/collector.js';
import { createCloudWatchSink } from '../../lambdas/collector/publishers/cloudwatch.js';
import { LAMBDA_SAFETY_MARGIN_MS, PUBLISH_RESERVE_MS } from '../../lambdas/collector/runtime/deadline.js';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { createCollectorHandler } from '../../lambdas/collector/runtime/handler.js';
import { createSecretReader } from '../../lambdas/collector/runtime/secrets.js';
import { IdleInTransaction } from '../../lambdas/core/catalog/index.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { datum } from '../../lambdas/core/metrics/datum.js';
import { freePort, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, startFakeCloudWatch, type FakeCloudWatch, type ReceivedDatum } from '../support/fake-cloudwatch.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { DEFAULT_POSTGRES_MAJOR } from '../support/pg-versions.js';
import { TEST_TARGET, unreachableUrl, withAdmin } from '../support/runtime-fixtures.js';

const LAMBDA_TIMEOUT_MS = 60_000;
const READER = 'tenantwatch_reader';
const FIRST_PASSWORD = 'reader-password-one';
const ROTATED_PASSWORD = 'reader-password-two';

function lambdaContext(timeoutMs = LAMBDA_TIMEOUT_MS): Context {
  const started = Date.now();
  return {
    awsRequestId: 'req-1', functionName: 'tenantwatch-demo-collector', getRemainingTimeInMillis: () => timeoutMs - (Date.now() - started),
  } as Context;
}

const idle = collector({
  name: 'idle', layer: 'database', timeoutMs: 2_000,
  async collect(ctx) {
    // tenantwatch's own state-database session (same server here) may sit between two
    // statements of its migration while this runs: count only other sessions.
    const [row] = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction' AND application_name NOT LIKE 'tenantwatch%'");
    return { datums: [datum(IdleInTransaction, { Database: ctx.target }, row!.n)] };
  },
});

function value(datums: readonly ReceivedDatum[], metric: string): number | undefined {
  return datums.find((d) => d.metricName === metric && Object.keys(d.dimensions).length === 1 && d.dimensions.Database === TEST_TARGET)?.value;
}

describe('collector Lambda handler', () => {
  let server: PostgresServer;
  let cloudwatch: FakeCloudWatch;
  let secrets: FakeSecretsManager;
  let prodUrl: string;
  let stateUrl: string;
  const settingsJson = JSON.stringify({ target: TEST_TARGET });

  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
    prodUrl = await server.createDatabase('production');
    stateUrl = await server.createDatabase('tenantwatch_state');
    await withAdmin(prodUrl, (c) => c.query(`CREATE ROLE ${READER} LOGIN PASSWORD '${FIRST_PASSWORD}' IN ROLE pg_monitor`));
    cloudwatch = await startFakeCloudWatch();
    secrets = await startFakeSecretsManager(FAKE_AWS_REGION);
  });
  afterAll(async () => {
    await cloudwatch?.stop();
    await secrets?.stop();
    await server?.stop();
  });

  const cloudWatchSink = () => createCloudWatchSink({ logger: createMemoryLogger(), endpoint: cloudwatch.url, region: FAKE_AWS_REGION, credentials: FAKE_AWS_CREDENTIALS });

  it('runs a collection end to end and publishes to CloudWatch over the wire', async () => {
    // Prepare
    cloudwatch.reset();
    const handler = createCollectorHandler({
      env: { [CollectorEnvVar.Settings]: settingsJson, [CollectorEnvVar.DatabaseUrl]: prodUrl, [CollectorEnvVar.StateDatabaseUrl]: stateUrl },
      collectors: [idle], sink: cloudWatchSink, log: createMemoryLogger(),
    });
    // Act
    const result = await handler({}, lambdaContext());
    // Assess
    const accepted = cloudwatch.accepted();
    expect(value(accepted, 'DatabaseUp')).toBe(1);
    expect(value(accepted, 'ConnectionFailures')).toBe(0);
    expect(value(accepted, 'CollectorRuns')).toBe(1);
    expect(value(accepted, 'IdleInTransaction')).toBe(0);
    expect(result.publish).toMatchObject({ datumsSent: accepted.length, datumsLost: 0 });
    expect(result.errors).toEqual([]);
  });

  it('reads the production credentials from Secrets Manager and picks up a rotated password', async () => {
    // Prepare
    const secretArn = secrets.setSecret('tenantwatch/demo/reader', JSON.stringify({
      username: READER, password: FIRST_PASSWORD, host: '127.0.0.1', port: server.port, dbname: 'production',
    }));
    const reader = createSecretReader({ endpoint: secrets.url, region: FAKE_AWS_REGION, credentials: FAKE_AWS_CREDENTIALS });
    const log = createMemoryLogger();
    const handler = createCollectorHandler({
      env: {
        [CollectorEnvVar.Settings]: settingsJson,
        [CollectorEnvVar.DatabaseSecretArn]: secretArn,
        // The embedded server speaks no TLS; in AWS the default verify-full applies.
        [CollectorEnvVar.DatabaseSslMode]: 'disable',
        [CollectorEnvVar.StateDatabaseUrl]: stateUrl,
      },
      collectors: [idle], secretReader: reader, sink: cloudWatchSink, log,
    });
    const secretsBefore = secrets.getSecretValueCalls(secretArn);
    const first = await handler({}, lambdaContext());
    // Secrets Manager rotates the password; the warm reader still caches the old one.
    await withAdmin(prodUrl, (c) => c.query(`ALTER ROLE ${READER} PASSWORD '${ROTATED_PASSWORD}'`));
    secrets.setSecret('tenantwatch/demo/reader', JSON.stringify({
      username: READER, password: ROTATED_PASSWORD, host: '127.0.0.1', port: server.port, dbname: 'production',
    }));
    // Act
    const second = await handler({}, lambdaContext());
    // Assess
    expect(first.errors).toEqual([]);
    expect([first.databaseUp, second.databaseUp]).toEqual([true, true]);
    expect(second.connectionFailures).toBe(0);
    expect(secrets.getSecretValueCalls(secretArn) - secretsBefore).toBe(2);
    expect(log.records().filter((r) => r.event === 'database_auth_refused')).toHaveLength(1);
    expect(log.lines.join('\n')).not.toContain(FIRST_PASSWORD);
    expect(log.lines.join('\n')).not.toContain(ROTATED_PASSWORD);
    reader.close();
  });

  it('does not throw when the database is down: DatabaseUp 0 and ConnectionFailures 1 reach CloudWatch', async () => {
    // Prepare
    cloudwatch.reset();
    const handler = createCollectorHandler({
      env: { [CollectorEnvVar.Settings]: settingsJson, [CollectorEnvVar.DatabaseUrl]: unreachableUrl(await freePort()), [CollectorEnvVar.StateDatabaseUrl]: stateUrl },
      collectors: [idle], sink: cloudWatchSink, log: createMemoryLogger(),
    });
    // Act
    const result = await handler({}, lambdaContext());
    // Assess
    const accepted = cloudwatch.accepted();
    expect([value(accepted, 'DatabaseUp'), value(accepted, 'ConnectionFailures'), value(accepted, 'CollectorRuns')]).toEqual([0, 1, 1]);
    expect(result.databaseUp).toBe(false);
  });

  it('takes the run deadline from the Lambda context: no collector starts without time to publish', async () => {
    // Prepare: the safety margin and the publish reserve leave no time for collectors.
    cloudwatch.reset();
    const handler = createCollectorHandler({
      env: { [CollectorEnvVar.Settings]: settingsJson, [CollectorEnvVar.DatabaseUrl]: prodUrl, [CollectorEnvVar.StateDatabaseUrl]: stateUrl },
      collectors: [idle], sink: cloudWatchSink, log: createMemoryLogger(),
    });
    // Act
    const result = await handler({}, lambdaContext(LAMBDA_SAFETY_MARGIN_MS + PUBLISH_RESERVE_MS));
    // Assess
    expect(result.collectors.map((c) => [c.name, c.status, c.failure?.reason])).toEqual([['idle', 'skipped', 'run-budget-exhausted']]);
    expect(value(cloudwatch.accepted(), 'CollectorRuns')).toBe(1);
    expect(value(cloudwatch.accepted(), 'CollectorErrors')).toBe(1);
  });

  it('rejects invalid settings with an error naming every invalid path', async () => {
    // Prepare
    const log = createMemoryLogger();
    const handler = createCollectorHandler({
      env: { [CollectorEnvVar.Settings]: JSON.stringify({ target: 'Not Valid', runBudgetMs: 'soon', extra: 1 }), [CollectorEnvVar.DatabaseUrl]: prodUrl, [CollectorEnvVar.StateDatabaseUrl]: stateUrl },
      collectors: [idle], sink: cloudWatchSink, log,
    });
    // Act
    const error = await handler({}, lambdaContext()).then(() => undefined, (e: Error) => e);
    // Assess
    expect(error?.message).toMatch(/^TENANTWATCH_SETTINGS is invalid:/);
    expect(error?.message).toMatch(/at target/);
    expect(error?.message).toMatch(/at runBudgetMs/);
    expect(error?.message).toMatch(/extra/);
    expect(log.records().find((r) => r.event === 'invocation_failed')?.level).toBe('error');
  });

  it('names the missing connection variables', async () => {
    // Prepare
    const handler = createCollectorHandler({ env: { [CollectorEnvVar.Settings]: settingsJson }, collectors: [idle], sink: cloudWatchSink, log: createMemoryLogger() });
    // Act
    const error = await handler({}, lambdaContext()).then(() => undefined, (e: Error) => e);
    // Assess
    expect(error?.message).toBe('the monitored database: set DB_SECRET_ARN (a Secrets Manager secret in the RDS credentials format) or DATABASE_URL');
  });

  it('bundles for Node.js 24 as the CDK does, without local-only code, and the bundle runs', async () => {
    // Prepare: bundle inside the repository so the external AWS SDK resolves from node_modules.
    const outdir = join(process.cwd(), 'node_modules', '.cache', 'tenantwatch-handler-bundle');
    await rm(outdir, { recursive: true, force: true });
    await mkdir(outdir, { recursive: true });
    const outfile = join(outdir, 'index.mjs');
    const bundle = await build({
      entryPoints: ['lambdas/collector/index.ts'], outfile, bundle: true, platform: 'node', target: 'node24', format: 'esm',
      mainFields: ['module', 'main'], external: ['@aws-sdk/*', 'pg-native'], metafile: true, logLevel: 'silent',
      banner: { js: "import { createRequire as __twCreateRequire } from 'node:module'; const require = __twCreateRequire(import.meta.url);" },
    });
    const inputs = Object.keys(bundle.metafile.inputs);
    Object.assign(process.env, {
      [CollectorEnvVar.Settings]: settingsJson, [CollectorEnvVar.DatabaseUrl]: prodUrl, [CollectorEnvVar.StateDatabaseUrl]: stateUrl,
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url, AWS_REGION: FAKE_AWS_REGION,
      AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    });
    cloudwatch.reset();
    // Act
    const { handler } = (await import(outfile)) as { handler: (event: unknown, context: Context) => Promise<{ databaseUp: boolean }> };
    const result = await handler({}, lambdaContext());
    // Assess
    expect(bundle.errors).toEqual([]);
    expect(inputs.filter((i) => /lambdas\/local|embedded-postgres|aws-cdk-lib|^lib\//.test(i))).toEqual([]);
    expect(result.databaseUp).toBe(true);
    expect(value(cloudwatch.accepted(), 'CollectorRuns')).toBe(1);
    expect(value(cloudwatch.accepted(), 'DatabaseUp')).toBe(1);
  });
});
