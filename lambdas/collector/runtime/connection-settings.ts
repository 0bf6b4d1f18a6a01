/**
 * Where connection settings come from: a Secrets Manager secret in Lambda (cached; re-read
 * once after an authentication failure, which is how a rotated password is picked up), or
 * a URL for local use. The password never leaves this object except into pg.
 */
/** PostgreSQL's port when a secret or URL names none. */
export const DEFAULT_POSTGRES_PORT = 5432;

export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password?: string;
  /** TLS: verify against the RDS CA bundle unless explicitly disabled in config. */
  readonly ssl?: false | { readonly rejectUnauthorized: boolean; readonly ca?: string };
}

export interface ConnectionSettingsProvider {
  /** Cached settings (fetched on first use). */
  get(): Promise<ConnectionSettings>;
  /** Drop the cache and fetch again (after an authentication failure). */
  refresh(): Promise<ConnectionSettings>;
  /** A description safe to log (never the password). */
  readonly description: string;
}
