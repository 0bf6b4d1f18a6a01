/**
 * A fake Secrets Manager: a real HTTP server on 127.0.0.1 speaking the wire protocol of
 * @aws-sdk/client-secrets-manager (AWS JSON 1.1, `X-Amz-Target: secretsmanager.GetSecretValue`,
 * SigV4-signed requests, errors as `__type` + `message`). GetSecretValue only.
 *
 * ```ts
 * const sm = await startFakeSecretsManager();           // beforeAll
 * sm.setSecret('prod/db', JSON.stringify({ ... }));      // create, or rotate (new VersionId)
 * sm.getSecretValueCalls('prod/db')                       // how often it was read
 * sm.server.inject({ status: 500 })                       // any fault of local-http.ts
 * await sm.stop();                                        // afterAll
 * ```
 * A secret is found by its name or its ARN, as in Secrets Manager.
 */
import { randomUUID } from 'node:crypto';
import { awsJsonError, awsJsonOk, parseAwsJsonRequest, startLocalHttpServer, type LocalHttpServer, type RecordedRequest } from './local-http.js';

const JSON_VERSION = '1.1';
const TARGET_PREFIX = 'secretsmanager';
export const FAKE_ACCOUNT = '000000000000';
/** Secrets Manager appends six random characters to a secret's name in its ARN. */
const ARN_SUFFIX_LENGTH = 6;

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  value: string;
  versionId: string;
  createdAt: Date;
  reads: number;
}

export interface FakeSecretsManager {
  readonly url: string;
  /** The underlying server: its `requests` and `inject()` faults. */
  readonly server: LocalHttpServer;
  /** Creates the secret, or rotates it: a new value under a new VersionId. Returns the ARN. */
  setSecret(name: string, value: string): string;
  /** GetSecretValue calls answered for this secret (by name or ARN), or for all secrets. */
  getSecretValueCalls(nameOrArn?: string): number;
  stop(): Promise<void>;
}

export async function startFakeSecretsManager(region = 'eu-west-1'): Promise<FakeSecretsManager> {
  const secrets = new Map<string, StoredSecret>();
  const find = (id: string) => secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id);

  const handle = (request: RecordedRequest) => {
    const parsed = parseAwsJsonRequest(request, JSON_VERSION, TARGET_PREFIX);
    if ('error' in parsed) return parsed.error;
    if (parsed.operation !== 'GetSecretValue') {
      return awsJsonError(JSON_VERSION, 400, 'UnknownOperationException', `the fake implements GetSecretValue only, not ${parsed.operation}`);
    }
    const secretId = parsed.input.SecretId;
    if (typeof secretId !== 'string' || secretId === '') {
      return awsJsonError(JSON_VERSION, 400, 'InvalidParameterException', 'You must provide a SecretId.');
    }
    const secret = find(secretId);
    if (!secret) return awsJsonError(JSON_VERSION, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    secret.reads += 1;
    return awsJsonOk(JSON_VERSION, {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.createdAt.getTime() / 1000,
    });
  };

  const server = await startLocalHttpServer(handle);
  return {
    url: server.url,
    server,
    setSecret(name, value) {
      const existing = secrets.get(name);
      if (existing) {
        Object.assign(existing, { value, versionId: randomUUID(), createdAt: new Date() });
        return existing.arn;
      }
      const suffix = randomUUID().replace(/-/g, '').slice(0, ARN_SUFFIX_LENGTH);
      const arn = `arn:aws:secretsmanager:${region}:${FAKE_ACCOUNT}:secret:${name}-${suffix}`;
      secrets.set(name, { name, arn, value, versionId: randomUUID(), createdAt: new Date(), reads: 0 });
      return arn;
    },
    getSecretValueCalls(nameOrArn) {
      if (nameOrArn === undefined) return [...secrets.values()].reduce((sum, s) => sum + s.reads, 0);
      return find(nameOrArn)?.reads ?? 0;
    },
    stop: () => server.stop(),
  };
}
