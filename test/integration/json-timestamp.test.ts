/**
 * The state-store keys of the statements collector hold stats_since as toISOString()
 * printed the Date node-postgres parsed from a timestamptz. The shared read now gets JSON
 * timestamps instead: the text made of them must be exactly the same, in any session
 * time zone.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoMillisFromJsonTimestamp } from '../../lambdas/collector/collectors/shared/json-timestamp.js';
import { type PostgresServer, startPostgres } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';

/** Microsecond steps that walk over every millisecond boundary, fraction digits of every length, and historical offsets with seconds. */
const TIMESTAMPS_SQL = `SELECT json_agg(ts) AS json, array_agg(ts) AS dates FROM (
  SELECT timestamptz '2026-03-29 00:59:59.990001+00' + i * interval '1 microsecond' * 997 AS ts FROM generate_series(0, 20000) i
  UNION ALL SELECT timestamptz '1883-11-18 12:00:00.5+00' + i * interval '1 hour' FROM generate_series(-3, 3) i
  UNION ALL SELECT timestamptz '2026-01-02 03:04:05+00'
) t`;

describe.each(testedMajors())('JSON timestamps as the keys print Dates, PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let client: pg.Client;

  beforeAll(async () => {
    server = await startPostgres({ major });
    client = new pg.Client({ connectionString: server.url() });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await server?.stop();
  });

  it.each(['UTC', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kathmandu', 'America/New_York'])('session TimeZone %s', async (zone) => {
    // Prepare
    await client.query(`SET TimeZone = '${zone}'`);
    // Act
    const { rows: [row] } = await client.query<{ json: string[]; dates: Date[] }>(TIMESTAMPS_SQL);
    // Assess
    expect(row!.json).toHaveLength(20009);
    expect(row!.json.map(isoMillisFromJsonTimestamp)).toEqual(row!.dates.map((d) => d.toISOString()));
  });
});
