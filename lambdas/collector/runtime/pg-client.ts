/**
 * One place that turns ConnectionSettings into a pg.Client, for the production connection
 * and the state database alike: connect timeout, application_name, startup parameters,
 * and an 'error' listener so a dropped connection can never crash the process.
 */
import pg from 'pg';
import type { ConnectionSettings } from './connection-settings.js';
import { certificateRejected } from './tls-mode.js';
import { trustedCas } from './trusted-cas.js';

export const APPLICATION_NAME = 'tenantwatch';
/** The state database session's name; when that database shares the server, its session shows up there. */
export const STATE_APPLICATION_NAME = `${APPLICATION_NAME}-state`;
/** tenantwatch's own sessions: never counted as the application's idle, long or blocked transactions. */
export const OWN_APPLICATION_NAMES = [APPLICATION_NAME, STATE_APPLICATION_NAME] as const;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface PgClientOptions {
  readonly applicationName: string;
  readonly connectTimeoutMs: number;
  /** Server settings applied at session start (`-c name=value` in the startup packet). */
  readonly startupSettings?: Readonly<Record<string, string | number>>;
  /** Called once when the connection fails or ends unexpectedly. */
  onLost?(error: Error): void;
}

function startupOptions(settings: Readonly<Record<string, string | number>>): string | undefined {
  const flags = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
  return flags.length ? flags.join(' ') : undefined;
}

/** A verified connection without its own CA list trusts the shipped RDS bundle too (trusted-cas.ts). */
function pgSsl(ssl: ConnectionSettings['ssl']): pg.ClientConfig['ssl'] {
  if (ssl === undefined || ssl === false) return false;
  if (ssl.rejectUnauthorized && ssl.ca === undefined) return { ...ssl, ca: [...trustedCas()] };
  return { ...ssl };
}

/** Connects, or rejects (and releases the socket) on failure or timeout. */
export async function connectPgClient(settings: ConnectionSettings, options: PgClientOptions): Promise<pg.Client> {
  const client = new pg.Client({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.password,
    ssl: pgSsl(settings.ssl),
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
    options: startupOptions(options.startupSettings ?? {}),
  });
  let lost = false;
  const onLost = (error: Error) => {
    if (lost) return;
    lost = true;
    options.onLost?.(error);
  };
  client.on('error', onLost);
  client.on('end', () => onLost(new Error('connection ended')));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw certificateRejected(error, settings.host) ?? error;
  }
  return client;
}
