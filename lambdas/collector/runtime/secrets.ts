/**
 * Reads secrets from Secrets Manager (GetSecretValue only, so the bundle carries one
 * command). Values are cached per secret for SECRET_CACHE_TTL_MS: in Lambda the reader
 * lives in module scope, so a warm execution environment does not call Secrets Manager
 * every minute. refresh() reads again at once; a refresh already in flight is shared, so
 * collectors failing authentication together cost one read.
 *
 * Every value is registered with the log redactor the moment it is read: the whole
 * SecretString and, for a JSON secret, each field that is not a known non-secret
 * (username, host, port, dbname, ...).
 */
import { GetSecretValueCommand, SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { registerSecret } from '../../core/log/redact.js';

/** Long enough to spare Secrets Manager a call per run, short enough to follow a rotation (as the notifier's cache). */
export const SECRET_CACHE_TTL_MS = 15 * 60 * 1000;

/** JSON fields of RDS-style secrets that identify rather than authenticate: not redacted. */
const NON_SECRET_FIELDS: ReadonlySet<string> = new Set([
  'username', 'host', 'port', 'dbname', 'engine', 'dbInstanceIdentifier', 'dbClusterIdentifier', 'proxyHost',
]);

export interface SecretReader {
  /** The SecretString, from the cache while it is younger than the TTL. */
  read(secretId: string): Promise<string>;
  /** Reads the secret again now (after the secret was refused), updating the cache. */
  refresh(secretId: string): Promise<string>;
}

export interface SecretReaderOptions {
  /** Default: the SDK's (AWS_REGION in Lambda). */
  readonly region?: string;
  /** Default: the SDK's (AWS_ENDPOINT_URL_SECRETS_MANAGER, else the regional endpoint). */
  readonly endpoint?: string;
  readonly credentials?: SecretsManagerClientConfig['credentials'];
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/** Registers the secret and, for a JSON object, each of its secret fields. */
export function registerSecretValue(raw: string): void {
  registerSecret(raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return; // a plain string: registered whole above
  }
  if (typeof parsed !== 'object' || parsed === null) return;
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string' && !NON_SECRET_FIELDS.has(key)) registerSecret(value);
  }
}

interface CacheEntry {
  readonly value: Promise<string>;
  readonly readAt: number;
  pending: boolean;
}

export function createSecretReader(options: SecretReaderOptions = {}): SecretReader & { close(): void } {
  const ttlMs = options.ttlMs ?? SECRET_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  // Unset options stay undefined: the SDK then resolves them from the environment.
  const client = new SecretsManagerClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials });
  const cache = new Map<string, CacheEntry>();

  const fetchSecret = async (secretId: string): Promise<string> => {
    let output;
    try {
      output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new Error(`cannot read secret ${secretId}: ${reason}`, { cause: error });
    }
    if (output.SecretString === undefined) throw new Error(`secret ${secretId} has no SecretString (binary secrets are not supported)`);
    registerSecretValue(output.SecretString);
    return output.SecretString;
  };

  const load = (secretId: string): Promise<string> => {
    const entry: CacheEntry = { value: fetchSecret(secretId), readAt: now(), pending: true };
    cache.set(secretId, entry);
    entry.value.then(
      () => {
        entry.pending = false;
      },
      () => {
        // A failed read is not cached: the next call tries again.
        if (cache.get(secretId) === entry) cache.delete(secretId);
      },
    );
    return entry.value;
  };

  return {
    read(secretId) {
      const entry = cache.get(secretId);
      if (entry && (entry.pending || now() - entry.readAt < ttlMs)) return entry.value;
      return load(secretId);
    },
    refresh(secretId) {
      const entry = cache.get(secretId);
      if (entry?.pending) return entry.value;
      return load(secretId);
    },
    close() {
      client.destroy();
    },
  };
}

let lambdaReader: SecretReader | undefined;

/** The execution environment's reader: module scope, so its cache survives warm invocations. */
export function lambdaSecretReader(): SecretReader {
  lambdaReader ??= createSecretReader();
  return lambdaReader;
}
