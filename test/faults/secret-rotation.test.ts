/**
 * Passwords rotated between runs, through the Lambda handler with both connections read
 * from (fake) Secrets Manager and a warm, caching secret reader:
 * - the state database's secret rotated: one refused login, one re-read, the deltas go on;
 * - a rotation caught half-way (the database has the new password, the secret not yet):
 *   one re-read that changes nothing, DatabaseUp 0 and ConnectionFailures 1 for that run;
 *   the run after the secret is updated re-reads once and recovers.
 * (test/integration/handler.test.ts covers the production secret rotated between runs;
 * test/integration/secrets.test.ts the reader and withAuthRetry on their own.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { createSecretReader } from '../../lambdas/collector/runtime/secrets.js';
import { DEFAULT_POSTGRES_MAJOR } from '../../lambdas/local/embedded-postgres.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/fake-cloudwatch.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { type FaultBed, startFaultBed } from '../support/fault-bed.js';
import { type CollectorLambda, type Invocation, collectorLambda, eventsOf, receivedValue } from '../support/fault-lambda.js';
import { withAdmin } from '../support/runtime-fixtures.js';

const READER = 'tw_rotation_reader';
const STATE_OWNER = 'tw_rotation_state';
const PASSWORDS = ['first-secret-password', 'second-secret-password', 'third-secret-password', 'fourth-secret-password'] as const;

describe('secrets rotated between collection runs', () => {
  let bed: FaultBed;
  let secrets: FakeSecretsManager;
  let reader: ReturnType<typeof createSecretReader>;
  let lambda: CollectorLambda;
  let readerArn: string;
  let stateArn: string;

  const secretFor = (user: string, password: string, dbname: string) =>
    JSON.stringify({ username: user, password, host: '127.0.0.1', port: bed.server.port, dbname });
  const setPassword = (role: string, password: string) => withAdmin(bed.prodUrl, (c) => c.query(`ALTER ROLE ${role} PASSWORD '${password}'`));
  const health = (run: Invocation) => [receivedValue(run.received, 'DatabaseUp'), receivedValue(run.received, 'ConnectionFailures')];
  const callsDuring = async (arn: string, run: () => Promise<Invocation>) => {
    const before = secrets.getSecretValueCalls(arn);
    const result = await run();
    return { run: result, calls: secrets.getSecretValueCalls(arn) - before };
  };
  const noPasswordLogged = (run: Invocation) => {
    const text = JSON.stringify(run.records);
    for (const password of PASSWORDS) expect(text).not.toContain(password);
  };

  beforeAll(async () => {
    bed = await startFaultBed({ major: DEFAULT_POSTGRES_MAJOR });
    await withAdmin(bed.prodUrl, (c) => c.query(`
      CREATE ROLE ${READER} LOGIN SUPERUSER PASSWORD '${PASSWORDS[0]}';
      CREATE ROLE ${STATE_OWNER} LOGIN SUPERUSER PASSWORD '${PASSWORDS[0]}'`));
    secrets = await startFakeSecretsManager(FAKE_AWS_REGION);
    readerArn = secrets.setSecret('tenantwatch/demo/reader', secretFor(READER, PASSWORDS[0], 'production'));
    stateArn = secrets.setSecret('tenantwatch/state', secretFor(STATE_OWNER, PASSWORDS[0], 'tenantwatch_state'));
    reader = createSecretReader({ endpoint: secrets.url, region: FAKE_AWS_REGION, credentials: FAKE_AWS_CREDENTIALS });
    lambda = collectorLambda({
      cloudwatch: bed.cloudwatch, secretReader: reader,
      env: {
        [CollectorEnvVar.DatabaseSecretArn]: readerArn, [CollectorEnvVar.StateDatabaseSecretArn]: stateArn,
        // The embedded server speaks no TLS; in AWS the default verify-full applies.
        [CollectorEnvVar.DatabaseSslMode]: 'disable', [CollectorEnvVar.StateDatabaseSslMode]: 'disable',
      },
    });
    await lambda.invoke(); // warm: both secrets cached, counter baselines stored
  });
  afterAll(async () => {
    lambda?.close();
    reader?.close();
    await secrets?.stop();
    await bed?.stop();
  });

  it('the state database password rotated: one refused login, one re-read of its secret, the deltas go on', async () => {
    // Prepare
    await setPassword(STATE_OWNER, PASSWORDS[1]);
    secrets.setSecret('tenantwatch/state', secretFor(STATE_OWNER, PASSWORDS[1], 'tenantwatch_state'));
    // Act
    const productionCalls = secrets.getSecretValueCalls(readerArn);
    const { run, calls } = await callsDuring(stateArn, () => lambda.invoke());
    // Assess
    expect(calls).toBe(1);
    expect(secrets.getSecretValueCalls(readerArn)).toBe(productionCalls);
    expect(eventsOf(run.records, 'database_auth_refused')).toMatchObject([
      { settings: `Secrets Manager secret ${stateArn}`, sqlstate: '28P01', credentialsChanged: true, retrying: true },
    ]);
    expect(eventsOf(run.records, 'state_store_unavailable')).toEqual([]);
    expect(eventsOf(run.records, 'deltas_dropped')).toEqual([]);
    // Deltas against the previous run's samples: the state store answered.
    for (const metric of ['CacheHits', 'TransactionsPerSecond', 'ActiveTenants']) expect(receivedValue(run.received, metric), metric).toBeDefined();
    expect(health(run)).toEqual([1, 0]);
    noPasswordLogged(run);
  });

  it('caught half-way (database rotated, secret not yet): one useless re-read, DatabaseUp 0; the next run after the secret is updated recovers', async () => {
    // Prepare
    await setPassword(READER, PASSWORDS[2]);
    // Act
    const halfway = await callsDuring(readerArn, () => lambda.invoke());
    secrets.setSecret('tenantwatch/demo/reader', secretFor(READER, PASSWORDS[2], 'production'));
    const done = await callsDuring(readerArn, () => lambda.invoke());
    // Assess
    expect(halfway.calls).toBe(1);
    expect(eventsOf(halfway.run.records, 'database_auth_refused')).toMatchObject([
      { settings: `Secrets Manager secret ${readerArn}`, sqlstate: '28P01', credentialsChanged: false, retrying: false },
    ]);
    expect(health(halfway.run)).toEqual([0, 1]);
    expect(halfway.run.result.errors).toEqual([{ collector: 'connect', reason: 'connect', message: `password authentication failed for user "${READER}"` }]);

    expect(done.calls).toBe(1);
    expect(eventsOf(done.run.records, 'database_auth_refused')).toMatchObject([{ credentialsChanged: true, retrying: true }]);
    expect(health(done.run)).toEqual([1, 0]);
    expect(done.run.result.errors).toEqual([]);
    noPasswordLogged(halfway.run);
    noPasswordLogged(done.run);
  });
});
