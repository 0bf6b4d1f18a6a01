/**
 * Connection settings from a PostgreSQL URL (DATABASE_URL or `--database-url`, local use):
 * `postgres://user:password@host:port/database?sslmode=...`. The password is registered
 * with the log redactor as soon as the URL is parsed, and no error message repeats the URL.
 */
import { registerSecret } from '../../core/log/redact.js';
import { DEFAULT_POSTGRES_PORT, type ConnectionSettings, type ConnectionSettingsProvider } from './connection-settings.js';

const URL_PROTOCOLS: ReadonlySet<string> = new Set(['postgres:', 'postgresql:']);

/** libpq sslmode to pg's ssl option. pg cannot fall back to plain text, so prefer/allow mean no TLS. */
const SSL_MODES: Readonly<Record<string, ConnectionSettings['ssl']>> = {
  disable: false,
  allow: false,
  prefer: false,
  require: { rejectUnauthorized: false },
  'verify-ca': { rejectUnauthorized: true },
  'verify-full': { rejectUnauthorized: true },
};

export function parseDatabaseUrl(text: string): ConnectionSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('the database URL is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (!URL_PROTOCOLS.has(url.protocol)) throw new Error(`the database URL must start with postgres:// or postgresql://, not ${url.protocol}//`);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  registerSecret(password);
  if (!url.hostname) throw new Error('the database URL has no host');
  if (!url.username) throw new Error('the database URL has no user name');
  const user = decodeURIComponent(url.username);
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  if (!(sslmode in SSL_MODES)) throw new Error(`the database URL has an unknown sslmode ${sslmode} (expected one of ${Object.keys(SSL_MODES).join(', ')})`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    // URL keeps the brackets of an IPv6 literal; pg wants the bare address.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : DEFAULT_POSTGRES_PORT,
    // libpq's default database is the user's name.
    database: database || user,
    user,
    ...(password === undefined ? {} : { password }),
    ssl: SSL_MODES[sslmode],
  };
}

export function databaseUrlConnectionSettings(text: string): ConnectionSettingsProvider {
  const settings = Object.freeze(parseDatabaseUrl(text));
  return {
    description: `database URL postgres://${settings.user}@${settings.host}:${settings.port}/${settings.database}`,
    get: async () => settings,
    // Nothing to re-read: a URL does not rotate.
    refresh: async () => settings,
  };
}
