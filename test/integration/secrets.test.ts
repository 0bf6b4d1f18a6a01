/**
 * Secrets and connection settings against a local Secrets Manager endpoint (the real SDK
 * client, AWS JSON 1.1) and a real embedded PostgreSQL: caching, refresh, rotation with
 * an authentication failure, and redaction of every password read.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { redact } from '../../lambdas/core/log/redact.js';
import type { ConnectionSettings } from '../../lambdas/collector/runtime/connection-settings.js';
import { withAuthRetry } from '../../lambdas/collector/runtime/connection-settings-auth-retry.js';
import { parseRdsSecret, secretConnectionSettings } from '../../lambdas/collector/runtime/connection-settings-secret.js';
import { databaseUrlConnectionSettings, parseDatabaseUrl } from '../../lambdas/collector/runtime/connection-settings-url.js';
import { SECRET_CACHE_TTL_MS, createSecretReader } from '../../lambdas/collector/runtime/secrets.js';
import { DEFAULT_POSTGRES_MAJOR, freePort, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/fake-cloudwatch.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';

const MONITOR_ROLE = 'tw_monitor';
const FIRST_PASSWORD = 'first-Passw0rd-before-rotation';
const SECOND_PASSWORD = 'second-Passw0rd-after-rotation';

let sm: FakeSecretsManager;
let server: PostgresServer;
let admin: pg.Client;
const readers: { close(): void }[] = [];

function reader(options: { now?: () => number } = {}) {
  const r = createSecretReader({ endpoint: sm.url, region: FAKE_AWS_REGION, credentials: FAKE_AWS_CREDENTIALS, ...options });
  readers.push(r);
  return r;
}

function rdsSecret(password: string, port = server.port): string {
  return JSON.stringify({ engine: 'postgres', username: MONITOR_ROLE, password, host: '127.0.0.1', port, dbname: 'postgres' });
}

/** Connects as the settings say (without TLS: the embedded server has none) and asks who we are. */
async function connectAndCheck(settings: ConnectionSettings): Promise<string> {
  const client = new pg.Client({ ...settings, ssl: false, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
    return rows[0]!.user;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  sm = await startFakeSecretsManager(FAKE_AWS_REGION);
  server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
  admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  await admin.query(`CREATE ROLE ${MONITOR_ROLE} LOGIN PASSWORD '${FIRST_PASSWORD}'`);
});

afterAll(async () => {
  for (const r of readers) r.close();
  await admin?.end();
  await server?.stop();
  await sm?.stop();
});

describe('secret reader', () => {
  it('caches: two reads, one GetSecretValue call', async () => {
    // prepare
    sm.setSecret('cache/one', 'value-one-123');
    const r = reader();

    // act
    const first = await r.read('cache/one');
    const second = await r.read('cache/one');

    // assess
    expect([first, second]).toEqual(['value-one-123', 'value-one-123']);
    expect(sm.getSecretValueCalls('cache/one')).toBe(1);
  });

  it('reads again once the TTL has passed', async () => {
    // prepare
    sm.setSecret('cache/ttl', 'value-ttl-123');
    let now = 1_000_000;
    const r = reader({ now: () => now });

    // act
    await r.read('cache/ttl');
    now += SECRET_CACHE_TTL_MS - 1;
    await r.read('cache/ttl');
    const callsWithinTtl = sm.getSecretValueCalls('cache/ttl');
    now += 1;
    await r.read('cache/ttl');

    // assess
    expect(callsWithinTtl).toBe(1);
    expect(sm.getSecretValueCalls('cache/ttl')).toBe(2);
  });

  it('refresh() re-reads and returns the rotated value; concurrent refreshes share one read', async () => {
    // prepare
    sm.setSecret('cache/refresh', 'before-rotation-1');
    const r = reader();
    await r.read('cache/refresh');
    sm.setSecret('cache/refresh', 'after-rotation-22');

    // act
    const [a, b] = await Promise.all([r.refresh('cache/refresh'), r.refresh('cache/refresh')]);
    const cached = await r.read('cache/refresh');

    // assess
    expect([a, b, cached]).toEqual(['after-rotation-22', 'after-rotation-22', 'after-rotation-22']);
    expect(sm.getSecretValueCalls('cache/refresh')).toBe(2);
  });

  it('finds a secret by ARN, as Secrets Manager does', async () => {
    const arn = sm.setSecret('cache/by-arn', 'arn-value-123');
    expect(arn).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000000:secret:cache\/by-arn-[0-9a-f]{6}$/);
    expect(await reader().read(arn)).toBe('arn-value-123');
  });

  it('reports a missing secret clearly and does not cache the failure', async () => {
    // prepare
    const r = reader();

    // act
    const failure = await rejection(r.read('cache/missing'));
    sm.setSecret('cache/missing', 'now-it-exists');
    const later = await r.read('cache/missing');

    // assess
    expect(failure.message).toBe("cannot read secret cache/missing: ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    expect(later).toBe('now-it-exists');
  });

  it('takes region, endpoint and credentials from the environment when not given (the Lambda case)', async () => {
    // prepare
    sm.setSecret('cache/env', 'from-the-environment');
    vi.stubEnv('AWS_REGION', FAKE_AWS_REGION);
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', sm.url);
    vi.stubEnv('AWS_ACCESS_KEY_ID', FAKE_AWS_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', FAKE_AWS_CREDENTIALS.secretAccessKey);
    const r = createSecretReader();
    readers.push(r);

    // act
    let value;
    try {
      value = await r.read('cache/env');
    } finally {
      vi.unstubAllEnvs();
    }

    // assess
    expect(value).toBe('from-the-environment');
    expect(sm.getSecretValueCalls('cache/env')).toBe(1);
  });

  it('registers the secret and its secret fields with the redactor, not the identifying ones', async () => {
    // prepare
    sm.setSecret('cache/redact', JSON.stringify({ username: 'reporting_user', password: 'pw-only-in-secret-9', host: 'db.internal.example' }));

    // act
    await reader().read('cache/redact');

    // assess
    expect(redact('user reporting_user at db.internal.example with pw-only-in-secret-9')).toBe(
      'user reporting_user at db.internal.example with [REDACTED]',
    );
  });
});

describe('connection settings from an RDS secret', () => {
  it('parses the RDS credentials format, verifying TLS unless told otherwise', () => {
    expect(parseRdsSecret('s', rdsSecret('pw-123456', 6543))).toEqual({
      host: '127.0.0.1', port: 6543, database: 'postgres', user: MONITOR_ROLE, password: 'pw-123456', ssl: { rejectUnauthorized: true },
    });
    const portAsText = JSON.stringify({ username: 'u', password: 'p', host: 'h', port: '5433' });
    expect(parseRdsSecret('s', portAsText, { database: 'payroll', ssl: false })).toMatchObject({ port: 5433, database: 'payroll', ssl: false });
    expect(parseRdsSecret('s', JSON.stringify({ username: 'u', password: 'p', host: 'h' }))).toMatchObject({ port: 5432, database: 'postgres' });
  });

  it('names the missing fields and never echoes the secret', () => {
    const raw = JSON.stringify({ username: 'u', password: 'leaky-password-77', port: 'not-a-port' });
    let message = '';
    try {
      parseRdsSecret('prod/db', raw);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^secret prod\/db is not in the RDS credentials format \{username, password, host, port, dbname\}: /);
    expect(message).toContain('host: ');
    expect(message).toContain('port: ');
    expect(message).not.toContain('leaky-password-77');
    expect(() => parseRdsSecret('prod/db', 'leaky-password-77')).toThrow(/^secret prod\/db is not JSON: expected the RDS credentials format/);
  });

  it('picks up a rotated password: 28P01, one re-read, success; exactly 2 GetSecretValue calls; no password logged', async () => {
    // prepare: a warm Lambda has read and used the first password.
    const log = createMemoryLogger('rotation');
    const secretId = 'prod/payroll/monitor';
    sm.setSecret(secretId, rdsSecret(FIRST_PASSWORD));
    const provider = secretConnectionSettings({ secretId, reader: reader(), ssl: false });
    expect(await withAuthRetry(provider, connectAndCheck, { log })).toBe(MONITOR_ROLE);
    // ... then the password is rotated in the database and in the secret.
    await admin.query(`ALTER ROLE ${MONITOR_ROLE} PASSWORD '${SECOND_PASSWORD}'`);
    sm.setSecret(secretId, rdsSecret(SECOND_PASSWORD));
    const attempts: { password: string | undefined; outcome: string }[] = [];
    const observedConnect = async (settings: ConnectionSettings) => {
      try {
        const user = await connectAndCheck(settings);
        attempts.push({ password: settings.password, outcome: 'ok' });
        return user;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'none';
        attempts.push({ password: settings.password, outcome: code });
        // A careless log line with everything in it: the redactor must still hide the password.
        log.error('connect_failed', { error, settings });
        throw error;
      }
    };

    // act
    const user = await withAuthRetry(provider, observedConnect, { log });

    // assess
    expect(user).toBe(MONITOR_ROLE);
    expect(attempts).toEqual([
      { password: FIRST_PASSWORD, outcome: '28P01' },
      { password: SECOND_PASSWORD, outcome: 'ok' },
    ]);
    expect(sm.getSecretValueCalls(secretId)).toBe(2);
    expect(log.records().map((r) => r.event)).toEqual(['connect_failed', 'database_auth_refused']);
    expect(log.records()[1]).toMatchObject({ sqlstate: '28P01', settings: `Secrets Manager secret ${secretId}`, credentialsChanged: true });
    const text = log.lines.join('\n');
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(FIRST_PASSWORD);
    expect(text).not.toContain(SECOND_PASSWORD);
  });

  it('does not retry when the re-read secret still holds the refused password', async () => {
    // prepare: the secret is wrong and stays wrong.
    const secretId = 'prod/payroll/stale';
    sm.setSecret(secretId, rdsSecret('wrong-password-never-set'));
    const provider = secretConnectionSettings({ secretId, reader: reader(), ssl: false });
    let connects = 0;

    // act
    const error = await rejection(
      withAuthRetry(provider, (s) => {
        connects += 1;
        return connectAndCheck(s);
      }),
    );

    // assess
    expect(error.code).toBe('28P01');
    expect(connects).toBe(1);
    expect(sm.getSecretValueCalls(secretId)).toBe(2);
  });

  it('does not re-read the secret for a failure that is not about credentials', async () => {
    // prepare: nothing listens on the secret's port.
    const secretId = 'prod/payroll/down';
    sm.setSecret(secretId, rdsSecret(SECOND_PASSWORD, await freePort()));
    const provider = secretConnectionSettings({ secretId, reader: reader(), ssl: false });

    // act
    const error = await rejection(withAuthRetry(provider, connectAndCheck));

    // assess
    expect(error.code).toBe('ECONNREFUSED');
    expect(sm.getSecretValueCalls(secretId)).toBe(1);
  });
});

describe('connection settings from a database URL', () => {
  it('connects with a URL, describes it without the password and registers the password', async () => {
    // prepare
    const url = `postgres://${MONITOR_ROLE}:${encodeURIComponent(SECOND_PASSWORD)}@127.0.0.1:${server.port}/postgres?sslmode=disable`;

    // act
    const provider = databaseUrlConnectionSettings(url);
    const user = await withAuthRetry(provider, connectAndCheck);

    // assess
    expect(user).toBe(MONITOR_ROLE);
    expect(provider.description).toBe(`database URL postgres://${MONITOR_ROLE}@127.0.0.1:${server.port}/postgres`);
    expect(redact(`password=${SECOND_PASSWORD}`)).toBe('password=[REDACTED]');
  });

  it.each([
    ['postgres://u:p%40ss-word@db.example:6432/payroll', { host: 'db.example', port: 6432, database: 'payroll', user: 'u', password: 'p@ss-word', ssl: false }],
    ['postgresql://u@[::1]/', { host: '::1', port: 5432, database: 'u', user: 'u', ssl: false }],
    ['postgres://u:x@h/db?sslmode=require', { host: 'h', port: 5432, database: 'db', user: 'u', password: 'x', ssl: { rejectUnauthorized: false } }],
    ['postgres://u:x@h/db?sslmode=verify-full', { host: 'h', port: 5432, database: 'db', user: 'u', password: 'x', ssl: { rejectUnauthorized: true } }],
  ])('parses %s', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });

  it.each([
    ['not a url with secret-pw-1234', 'the database URL is not a valid URL (expected postgres://user:password@host:port/database)'],
    ['mysql://u:secret-pw-1234@h/db', 'the database URL must start with postgres:// or postgresql://, not mysql://'],
    ['postgres://u:secret-pw-1234@h/db?sslmode=sometimes', 'the database URL has an unknown sslmode sometimes (expected one of disable, allow, prefer, require, verify-ca, verify-full)'],
    ['postgres://:secret-pw-1234@h/db', 'the database URL has no user name'],
  ])('rejects %s with a message that does not repeat it', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });
});
