/**
 * The collector Lambda's environment contract: validated collector settings, and where
 * the two connections' settings come from (a Secrets Manager secret in AWS, a URL
 * locally). Errors name the variable and, for settings, every invalid path.
 */
import { decodeEnvJson } from '../../core/config/env-json.js';
import { z } from 'zod';
import { type CollectorSettings, collectorSettingsSchema } from '../../core/config/collector-settings.js';
import type { ConnectionSettings, ConnectionSettingsProvider } from './connection-settings.js';
import { secretConnectionSettings } from './connection-settings-secret.js';
import { databaseUrlConnectionSettings } from './connection-settings-url.js';
import type { SecretReader } from './secrets.js';

export const CollectorEnvVar = {
  Settings: 'TENANTWATCH_SETTINGS',
  DatabaseSecretArn: 'DB_SECRET_ARN',
  DatabaseUrl: 'DATABASE_URL',
  StateDatabaseSecretArn: 'STATE_DB_SECRET_ARN',
  StateDatabaseUrl: 'STATE_DATABASE_URL',
  /** TLS of a secret-based connection, libpq-style: verify-full (default), require, disable. */
  DatabaseSslMode: 'DB_SSLMODE',
  StateDatabaseSslMode: 'STATE_DB_SSLMODE',
} as const;

const SECRET_SSL_MODES: Readonly<Record<string, ConnectionSettings['ssl']>> = {
  'verify-full': { rejectUnauthorized: true },
  require: { rejectUnauthorized: false },
  disable: false,
};

export type Environment = Readonly<Record<string, string | undefined>>;

export class CollectorEnvironmentError extends Error {
  override readonly name = 'CollectorEnvironmentError';
}

export function settingsFromEnvironment(env: Environment): CollectorSettings {
  const raw = env[CollectorEnvVar.Settings];
  if (raw === undefined || raw.trim() === '') {
    throw new CollectorEnvironmentError(`${CollectorEnvVar.Settings} is not set: expected the collector settings as JSON, e.g. {"target":"payroll-prod"}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(decodeEnvJson(raw));
  } catch (error) {
    throw new CollectorEnvironmentError(`${CollectorEnvVar.Settings} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = collectorSettingsSchema.safeParse(json);
  if (!parsed.success) throw new CollectorEnvironmentError(`${CollectorEnvVar.Settings} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A secret (preferred in AWS) or a URL (local use): exactly one of the two variables. */
function secretSsl(env: Environment, sslModeVar: string): ConnectionSettings['ssl'] {
  const mode = env[sslModeVar] ?? 'verify-full';
  const ssl = SECRET_SSL_MODES[mode];
  if (ssl === undefined) throw new CollectorEnvironmentError(`${sslModeVar} must be one of ${Object.keys(SECRET_SSL_MODES).join(', ')}, not ${mode}`);
  return ssl;
}

function connectionProvider(
  env: Environment,
  vars: { readonly secret: string; readonly url: string; readonly sslMode: string },
  what: string,
  reader: SecretReader | undefined,
): ConnectionSettingsProvider {
  const secretId = env[vars.secret];
  const url = env[vars.url];
  const { secret: secretVar, url: urlVar } = vars;
  if (secretId && url) throw new CollectorEnvironmentError(`set ${secretVar} or ${urlVar} for ${what}, not both`);
  if (secretId) return secretConnectionSettings({ secretId, ssl: secretSsl(env, vars.sslMode), ...(reader ? { reader } : {}) });
  if (url) return databaseUrlConnectionSettings(url);
  throw new CollectorEnvironmentError(`${what}: set ${secretVar} (a Secrets Manager secret in the RDS credentials format) or ${urlVar}`);
}

export interface ConnectionProviders {
  readonly production: ConnectionSettingsProvider;
  readonly state: ConnectionSettingsProvider;
}

export function connectionProvidersFromEnvironment(env: Environment, reader?: SecretReader): ConnectionProviders {
  return {
    production: connectionProvider(
      env, { secret: CollectorEnvVar.DatabaseSecretArn, url: CollectorEnvVar.DatabaseUrl, sslMode: CollectorEnvVar.DatabaseSslMode },
      'the monitored database', reader,
    ),
    state: connectionProvider(
      env, { secret: CollectorEnvVar.StateDatabaseSecretArn, url: CollectorEnvVar.StateDatabaseUrl, sslMode: CollectorEnvVar.StateDatabaseSslMode },
      'the state (monitoring) database', reader,
    ),
  };
}
