/**
 * No secret in any output of the collector: the deployed handler exactly as Lambda runs
 * it (settings and secret ARNs from the environment, the SDK's Secrets Manager and
 * CloudWatch clients pointed at local fakes by AWS_ENDPOINT_URL_*, the default JSON logger
 * on stdout) through a whole scenario with known passwords: collections, a rotated
 * password, a half-done rotation, the state database refusing its password, CloudWatch
 * failing, the database unreachable. Everything written to stdout, stderr and the console
 * is captured; no password appears, not even redacted (nothing tried to print one).
 *
 * The notifier's side (Slack webhook URLs, PagerDuty routing keys) is proven by the
 * notifier's own tests: test/integration/notifier-delivery.test.ts ("secrets never reach a
 * log line or an error", over every delivery scenario of that file, failures included) and
 * test/integration/notifier-routing.test.ts (the deployed handler's stdout). `npm start`
 * with a password in --database-url: test/integration/local.test.ts; `npm run doctor`:
 * test/integration/doctor.test.ts.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { createCollectorHandler } from '../../lambdas/collector/runtime/handler.js';
import type { RunResult } from '../../lambdas/collector/runtime/run-result.js';
import { createDemoDatabase, runDemoWorkload } from '../../lambdas/local/demo/index.js';
import { freePort, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, startFakeCloudWatch, type FakeCloudWatch } from '../support/fake-cloudwatch.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { DEFAULT_POSTGRES_MAJOR } from '../support/pg-versions.js';
import { TEST_TARGET, withAdmin } from '../support/runtime-fixtures.js';
import { MONITOR_ROLE, createMonitorRole, lambdaContext } from './support/monitor-role.js';

/** Characters that URL encoding and JSON escaping change, so an encoded leak would be caught too. */
const PASSWORDS = {
  first: 'Pr0d"pass/w%rd?#1',
  rotated: 'Pr0d:rotated@pass\\2',
  unannounced: 'Pr0d-changed-behind-the-secret-3',
  state: 'St4te"password/with?specials',
  stateChanged: 'St4te-changed-behind-the-secret',
} as const;
const STATE_ROLE = 'tenantwatch_state_writer';
const REDACTION_MARKER = '[REDACTED]';
const CAPTURED_STREAMS = ['stdout', 'stderr'] as const;
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/** Every form a secret could take in a line: as is, JSON-escaped, URL-encoded. */
function forms(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
}

/** Captures everything the process writes to stdout, stderr and the console, until restored. */
function captureOutput(): { readonly text: () => string; restore(): void } {
  const chunks: string[] = [];
  const restores: (() => void)[] = [];
  for (const name of CAPTURED_STREAMS) {
    const stream = process[name];
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    }) as typeof stream.write;
    restores.push(() => { stream.write = original; });
  }
  for (const method of CONSOLE_METHODS) {
    const original = console[method];
    console[method] = (...args: unknown[]) => { chunks.push(args.map(String).join(' ')); };
    restores.push(() => { console[method] = original; });
  }
  return { text: () => chunks.join('\n'), restore: () => restores.forEach((r) => r()) };
}

describe('no secret in any output of the collector', () => {
  let server: PostgresServer;
  let cloudwatch: FakeCloudWatch;
  let secrets: FakeSecretsManager;
  let adminUrl: string;
  const savedEnv: Record<string, string | undefined> = {};
  const awsEnv = (): Record<string, string> => ({
    AWS_REGION: FAKE_AWS_REGION,
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
  });
  const rdsSecret = (user: string, password: string, dbname: string, port = server.port) => JSON.stringify({ username: user, password, host: '127.0.0.1', port, dbname });

  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
    adminUrl = await server.createDatabase('payroll');
    await createDemoDatabase(adminUrl, { tenants: 3 });
    await createMonitorRole(adminUrl, PASSWORDS.first);
    await withAdmin(server.url(), async (c) => {
      await c.query(`CREATE ROLE ${STATE_ROLE} LOGIN PASSWORD ${pg.escapeLiteral(PASSWORDS.state)}`);
      await c.query(`CREATE DATABASE tenantwatch_state OWNER ${STATE_ROLE}`);
    });
    [cloudwatch, secrets] = await Promise.all([startFakeCloudWatch(), startFakeSecretsManager(FAKE_AWS_REGION)]);
    for (const [key, value] of Object.entries(awsEnv())) {
      savedEnv[key] = process.env[key];
      process.env[key] = value;
    }
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await Promise.all([cloudwatch?.stop(), secrets?.stop()]);
    await server?.stop();
  });

  it('a whole scenario of collections, rotations and failures prints no password, not even redacted', async () => {
    // Prepare: the Lambda's environment as the stack sets it, with the local fakes' secrets.
    const productionSecret = secrets.setSecret('tenantwatch/payroll/monitor', rdsSecret(MONITOR_ROLE, PASSWORDS.first, 'payroll'));
    const stateSecret = secrets.setSecret('tenantwatch/state', rdsSecret(STATE_ROLE, PASSWORDS.state, 'tenantwatch_state'));
    const closedPort = await freePort();
    const downSecret = secrets.setSecret('tenantwatch/payroll/down', rdsSecret(MONITOR_ROLE, PASSWORDS.first, 'payroll', closedPort));
    const env = (secretArn: string) => ({
      [CollectorEnvVar.Settings]: JSON.stringify({ target: TEST_TARGET }),
      [CollectorEnvVar.DatabaseSecretArn]: secretArn,
      [CollectorEnvVar.StateDatabaseSecretArn]: stateSecret,
      // The embedded server speaks no TLS (TLS: test/security/tls.test.ts).
      [CollectorEnvVar.DatabaseSslMode]: 'disable',
      [CollectorEnvVar.StateDatabaseSslMode]: 'disable',
    });
    const handler = createCollectorHandler({ env: env(productionSecret) });
    const downHandler = createCollectorHandler({ env: env(downSecret) });
    const alterRole = (role: string, password: string) => withAdmin(server.url(), (c) => c.query(`ALTER ROLE ${role} PASSWORD ${pg.escapeLiteral(password)}`));
    const runs: RunResult[] = [];
    const output = captureOutput();
    // Act
    try {
      runs.push(await handler({}, lambdaContext()));
      await runDemoWorkload(adminUrl, { seed: 1 });
      runs.push(await handler({}, lambdaContext()));
      // Rotation as Secrets Manager does it: database and secret change, the warm cache is stale.
      await alterRole(MONITOR_ROLE, PASSWORDS.rotated);
      secrets.setSecret('tenantwatch/payroll/monitor', rdsSecret(MONITOR_ROLE, PASSWORDS.rotated, 'payroll'));
      runs.push(await handler({}, lambdaContext()));
      // Half-done rotation: the database changed, the secret did not.
      await alterRole(MONITOR_ROLE, PASSWORDS.unannounced);
      runs.push(await handler({}, lambdaContext()));
      await alterRole(MONITOR_ROLE, PASSWORDS.rotated);
      // The state database refuses its password.
      await alterRole(STATE_ROLE, PASSWORDS.stateChanged);
      runs.push(await handler({}, lambdaContext()));
      await alterRole(STATE_ROLE, PASSWORDS.state);
      // CloudWatch fails every attempt of the next batches.
      cloudwatch.failNext(Number.POSITIVE_INFINITY);
      runs.push(await handler({}, lambdaContext()));
      cloudwatch.reset();
      // The database is unreachable.
      runs.push(await downHandler({}, lambdaContext()));
    } finally {
      output.restore();
    }
    // Assess: the scenario went where it was meant to.
    const text = output.text();
    const events = text.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { event: string }).event);
    expect(runs.map((r) => r.databaseUp)).toEqual([true, true, true, false, true, true, false]);
    expect(runs.map((r) => r.publish.datumsLost > 0)).toEqual([false, false, false, false, false, true, false]);
    expect(events.filter((e) => e === 'collection_run')).toHaveLength(runs.length);
    expect(events).toEqual(expect.arrayContaining(['database_auth_refused', 'database_unreachable', 'state_store_unavailable', 'publish_failed']));
    // No password in any form, and no redaction: nothing even tried to print one.
    for (const password of Object.values(PASSWORDS)) {
      for (const form of forms(password)) expect(text.includes(form), `${JSON.stringify(form)} was printed`).toBe(false);
    }
    expect(text.split('\n').filter((l) => l.includes(REDACTION_MARKER))).toEqual([]);
  });
});
