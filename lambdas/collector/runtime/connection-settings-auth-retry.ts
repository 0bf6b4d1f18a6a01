/**
 * Connect, and when the database refuses the credentials, re-read them once and try once
 * more: that is how a rotated password reaches a warm Lambda whose cache still holds the
 * old one. A second refusal is the caller's to report (DatabaseUp 0, ConnectionFailures).
 */
import type { Logger } from '../../core/log/logger.js';
import type { ConnectionSettings, ConnectionSettingsProvider } from './connection-settings.js';

/** SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification. */
export const AuthFailureSqlState = { InvalidPassword: '28P01', InvalidAuthorization: '28000' } as const;
const AUTH_FAILURE_CODES: ReadonlySet<string> = new Set(Object.values(AuthFailureSqlState));

export function isAuthenticationFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && AUTH_FAILURE_CODES.has(code);
}

function sameCredentials(a: ConnectionSettings, b: ConnectionSettings): boolean {
  return a.host === b.host && a.port === b.port && a.database === b.database && a.user === b.user && a.password === b.password;
}

/**
 * `connect(settings)` with the provider's cached settings; on an authentication failure,
 * refresh() once and connect once more, unless the re-read settings are the same as the
 * refused ones (another attempt would be refused again): then the first error is thrown.
 */
export async function withAuthRetry<T>(
  provider: ConnectionSettingsProvider,
  connect: (settings: ConnectionSettings) => Promise<T>,
  options: { readonly log?: Logger } = {},
): Promise<T> {
  const settings = await provider.get();
  try {
    return await connect(settings);
  } catch (error) {
    if (!isAuthenticationFailure(error)) throw error;
    const sqlstate = (error as { code: string }).code;
    const fresh = await provider.refresh();
    const changed = !sameCredentials(settings, fresh);
    options.log?.warn('database_auth_refused', { settings: provider.description, sqlstate, credentialsChanged: changed, retrying: changed });
    if (!changed) throw error;
    return connect(fresh);
  }
}
