/**
 * TLS to the monitored database, against a real PostgreSQL with ssl=on and a self-signed
 * certificate for 127.0.0.1. The collector handler runs in a process of its own, configured
 * by its environment as the stack configures the Lambda (a Secrets Manager secret in the
 * RDS format, DB_SSLMODE only when it is not the default, NODE_EXTRA_CA_CERTS for the CAs):
 * - by default (verify-full) it refuses the unknown certificate: DatabaseUp 0 and a reason
 *   that says what to do;
 * - with the CA trusted (NODE_EXTRA_CA_CERTS, as the stack sets it to the Lambda runtime's
 *   Amazon CA file) it connects, and still refuses a host name the certificate does not name;
 * - with the explicit insecure setting (DB_SSLMODE=require) it connects and says, once, in
 *   a warning log line, that the server is not verified.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { TLS_WARNING_EVENT } from '../../lambdas/collector/runtime/tls-mode.js';
import { runDoctorCli } from '../../lambdas/local/doctor/cli.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/fake-cloudwatch.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { DEFAULT_POSTGRES_MAJOR } from '../support/pg-versions.js';
import { TEST_TARGET, withAdmin } from '../support/runtime-fixtures.js';
import { selfSignedCert } from '../support/self-signed-cert.js';
import { HANDLER_ONCE_OUTCOME, urlAs } from './support/monitor-role.js';

const HANDLER_ONCE = fileURLToPath(new URL('./support/handler-once.ts', import.meta.url));
const ROLE = 'tenantwatch_tls';
const PASSWORD = 'tls-test-password-1';
/** PostgreSQL refuses a private key that others may read. */
const KEY_MODE = 0o600;
const DIR_MODE = 0o755;

interface Outcome {
  readonly databaseUp: number;
  readonly connectionFailures: number;
  readonly errors: readonly string[];
  /** The handler's log lines (JSON on stdout, as in Lambda). */
  readonly logs: readonly Record<string, unknown>[];
}

/** PostgreSQL runs as the `postgres` OS user when the tests run as root: it must own its key. */
function giveToPostgres(path: string): void {
  if (process.getuid?.() !== 0) return;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  chownSync(path, id('-u'), id('-g'));
}

function runHandler(env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', HANDLER_ONCE], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const outcome = lines.find((l) => HANDLER_ONCE_OUTCOME in l)?.[HANDLER_ONCE_OUTCOME] as Omit<Outcome, 'logs'> | undefined;
      if (code !== 0 || !outcome) return reject(new Error(`handler-once exited ${code}: ${stderr}${stdout}`));
      resolve({ ...outcome, logs: lines.filter((l) => !(HANDLER_ONCE_OUTCOME in l)) });
    });
  });
}

describe('TLS to the monitored database', () => {
  let dir: string;
  let caFile: string;
  let server: PostgresServer;
  let secrets: FakeSecretsManager;
  const lambdaEnv = (host: string, extra: Record<string, string> = {}): Record<string, string> => ({
    [CollectorEnvVar.Settings]: JSON.stringify({ target: TEST_TARGET }),
    [CollectorEnvVar.DatabaseSecretArn]: secrets.setSecret(`tenantwatch/tls/${host}`, JSON.stringify({ username: ROLE, password: PASSWORD, host, port: server.port, dbname: 'postgres' })),
    // Never opened: no collector runs.
    [CollectorEnvVar.StateDatabaseUrl]: server.url(),
    AWS_REGION: FAKE_AWS_REGION,
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    ...extra,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tenantwatch-tls-'));
    chmodSync(dir, DIR_MODE);
    const { key, cert } = selfSignedCert();
    const keyFile = join(dir, 'server.key');
    caFile = join(dir, 'server.crt');
    writeFileSync(keyFile, key, { mode: KEY_MODE });
    writeFileSync(caFile, cert);
    giveToPostgres(keyFile);
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR, settings: { ssl: 'on', ssl_cert_file: caFile, ssl_key_file: keyFile } });
    await withAdmin(server.url(), (c) => c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD ${pg.escapeLiteral(PASSWORD)} IN ROLE pg_monitor`));
    secrets = await startFakeSecretsManager(FAKE_AWS_REGION);
  });
  afterAll(async () => {
    await secrets?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies by default: an unknown certificate is refused with DatabaseUp 0 and a reason that says what to do', async () => {
    // Act
    const outcome = await runHandler(lambdaEnv('127.0.0.1'));
    // Assess
    expect([outcome.databaseUp, outcome.connectionFailures]).toEqual([0, 1]);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]).toMatch(/^TLS: the server certificate of 127\.0\.0\.1 was rejected \(DEPTH_ZERO_SELF_SIGNED_CERT: self[- ]signed certificate\); tenantwatch verifies it by default\. Trust the CA that signed it/);
    expect(outcome.logs.filter((l) => l.event === 'database_unreachable').map((l) => (l.error as { code?: string }).code)).toEqual(['DEPTH_ZERO_SELF_SIGNED_CERT']);
    expect(outcome.logs.filter((l) => l.event === TLS_WARNING_EVENT)).toEqual([]);
  });

  it('connects once the CA is trusted (NODE_EXTRA_CA_CERTS, as the stack sets it), with no warning', async () => {
    // Act
    const outcome = await runHandler(lambdaEnv('127.0.0.1', { NODE_EXTRA_CA_CERTS: caFile }));
    // Assess
    expect(outcome).toMatchObject({ databaseUp: 1, connectionFailures: 0, errors: [] });
    expect(outcome.logs.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('checks the host name too: a trusted certificate that does not name the host is refused', async () => {
    // Act: the certificate names 127.0.0.1 only.
    const outcome = await runHandler(lambdaEnv('localhost', { NODE_EXTRA_CA_CERTS: caFile }));
    // Assess
    expect(outcome.databaseUp).toBe(0);
    expect(outcome.errors[0]).toMatch(/^TLS: the server certificate of localhost was rejected \(ERR_TLS_CERT_ALTNAME_INVALID: /);
  });

  it('connects without verification only when told so explicitly (DB_SSLMODE=require), and warns once', async () => {
    // Act
    const outcome = await runHandler(lambdaEnv('127.0.0.1', { [CollectorEnvVar.DatabaseSslMode]: 'require' }));
    // Assess
    expect(outcome).toMatchObject({ databaseUp: 1, connectionFailures: 0, errors: [] });
    expect(outcome.logs.filter((l) => l.event === TLS_WARNING_EVENT).map(({ level, database, host, tls }) => ({ level, database, host, tls }))).toEqual([
      { level: 'warn', database: 'production', host: '127.0.0.1', tls: 'unverified' },
    ]);
  });

  it('the doctor shows the same: verify-full refused with the fix, require connected with a TLS warning', async () => {
    // Prepare
    const url = urlAs(server.url(), ROLE, PASSWORD);
    const doctor = async (sslmode: string) => {
      let out = '';
      const code = await runDoctorCli(['--database-url', `${url}?sslmode=${sslmode}`], { out: (t) => (out += t), err: (t) => (out += t) }, {});
      return { code, lines: out.split('\n') };
    };
    // Act
    const verified = await doctor('verify-full');
    const unverified = await doctor('require');
    // Assess
    expect(verified.code).toBe(1);
    expect(verified.lines.find((l) => l.includes('[FAIL]'))).toMatch(/connection as the collector connects\s+database URL postgres:\/\/tenantwatch_tls@127\.0\.0\.1:\d+\/postgres: TLS: the server certificate of 127\.0\.0\.1 was rejected/);
    expect(unverified.lines.filter((l) => /^\s+\[WARN\]\s+TLS verifies the server/.test(l))).toHaveLength(1);
    expect(unverified.lines.join('\n')).not.toContain(PASSWORD);
  });
});
