/**
 * Connection settings from a Secrets Manager secret in the RDS credentials format
 * (`{"username","password","host","port","dbname", ...}`, as RDS-managed and rotated
 * secrets are). TLS defaults to verifying the server certificate: production traffic
 * leaves the VPC's trust boundary only over TLS unless the config disables it explicitly.
 */
import { z } from 'zod';
import { DEFAULT_POSTGRES_PORT, type ConnectionSettings, type ConnectionSettingsProvider } from './connection-settings.js';
import { lambdaSecretReader, type SecretReader } from './secrets.js';

/** RDS secrets may omit dbname; PostgreSQL's own default database. */
export const DEFAULT_DATABASE = 'postgres';
export const VERIFIED_TLS = { rejectUnauthorized: true } as const;

const rdsSecretSchema = z.looseObject({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1),
  port: z.union([z.number().int().min(1).max(65_535), z.string().regex(/^\d{1,5}$/).transform(Number)]).optional(),
  dbname: z.string().min(1).optional(),
});

export interface SecretConnectionOptions {
  readonly secretId: string;
  /** Default: the Lambda's module-scope reader. */
  readonly reader?: SecretReader;
  /** Overrides the secret's dbname (the target's database). */
  readonly database?: string;
  /** Default: verify the server certificate. */
  readonly ssl?: ConnectionSettings['ssl'];
}

/** Parses the secret; errors name the secret and the fields, never a value. */
export function parseRdsSecret(secretId: string, raw: string, options: Pick<SecretConnectionOptions, 'database' | 'ssl'> = {}): ConnectionSettings {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`secret ${secretId} is not JSON: expected the RDS credentials format {username, password, host, port, dbname}`);
  }
  const parsed = rdsSecretSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`secret ${secretId} is not in the RDS credentials format {username, password, host, port, dbname}: ${problems}`);
  }
  const s = parsed.data;
  return {
    host: s.host,
    port: s.port ?? DEFAULT_POSTGRES_PORT,
    database: options.database ?? s.dbname ?? DEFAULT_DATABASE,
    user: s.username,
    password: s.password,
    ssl: options.ssl ?? VERIFIED_TLS,
  };
}

export function secretConnectionSettings(options: SecretConnectionOptions): ConnectionSettingsProvider {
  const reader = options.reader ?? lambdaSecretReader();
  return {
    description: `Secrets Manager secret ${options.secretId}`,
    get: async () => parseRdsSecret(options.secretId, await reader.read(options.secretId), options),
    refresh: async () => parseRdsSecret(options.secretId, await reader.refresh(options.secretId), options),
  };
}
