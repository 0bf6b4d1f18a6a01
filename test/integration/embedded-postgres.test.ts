import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POSTGRES_MAJOR, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';

describe.each(testedMajors())('embedded PostgreSQL %i', (major) => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres({ major });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the requested major with pg_stat_statements preloaded', async () => {
    // Prepare
    const client = new pg.Client({ connectionString: server.url() });
    await client.connect();
    try {
      // Act
      const version = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const preload = await client.query<{ s: string }>("SELECT current_setting('shared_preload_libraries') AS s");
      const statements = await client.query('SELECT 1 FROM pg_stat_statements LIMIT 1');
      // Assess
      expect(Math.floor(Number(version.rows[0]!.v) / 10000)).toBe(major);
      expect(preload.rows[0]!.s).toBe('pg_stat_statements');
      expect(statements.rowCount).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('hands out a new database with its statistics epoch settled: stats_reset never changes afterwards by itself', async () => {
    // Prepare: on PostgreSQL 14 the entry (and stats_reset) appears only after a backend reports in.
    const expectedAtCreation = major <= 14 ? 'set' : 'null';
    // Act
    const url = await server.createDatabase('fresh_stats');
    const readStatsReset = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query<{ r: Date | null }>('SELECT stats_reset AS r FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.r;
      } finally {
        await client.end();
      }
    };
    const first = await readStatsReset();
    await new Promise((r) => setTimeout(r, 700)); // past PostgreSQL 14's 500 ms reporting interval
    const later = await readStatsReset();
    // Assess
    expect(first === null ? 'null' : 'set').toBe(expectedAtCreation);
    expect(later?.toISOString() ?? null).toBe(first?.toISOString() ?? null);
  });
});

describe('embedded PostgreSQL shutdown', () => {
  it('stops cleanly when the server process already died (Ctrl-C in a terminal reaches it first)', async () => {
    // Prepare
    const server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
    const pid = Number((await readFile(join(server.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGINT');
    await waitUntilGone(pid);
    // Act
    await server.stop();
    // Assess: stop() returned (it used to wait forever) and removed the data directory
    await expect(readFile(join(server.dataDir, 'PG_VERSION'))).rejects.toThrow(/ENOENT/);
  });
});

async function waitUntilGone(pid: number): Promise<void> {
  const POLL_MS = 50;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
