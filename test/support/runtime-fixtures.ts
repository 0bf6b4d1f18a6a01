/**
 * Helpers for the collector-runtime tests: connection settings from a local URL, parsed
 * collector settings, a production connection opener and datum lookups.
 */
import pg from 'pg';
import type { Datum } from '../../lambdas/core/metrics/datum.js';
import { type CollectorSettings, type CollectorSettingsInput, collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import type { ConnectionSettings } from '../../lambdas/collector/runtime/connection-settings.js';
import { openProductionConnection } from '../../lambdas/collector/runtime/production-connection.js';
import type { QueryStats } from '../../lambdas/collector/runtime/query-stats.js';

export const TEST_TARGET = 'demo';

export function connectionSettingsFromUrl(url: string): ConnectionSettings {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port),
    database: decodeURIComponent(u.pathname.slice(1)),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    ssl: false,
  };
}

export function testSettings(overrides: Partial<CollectorSettingsInput> = {}): CollectorSettings {
  return collectorSettingsSchema.parse({ target: TEST_TARGET, ...overrides });
}

export function productionConnector(url: string, settings: CollectorSettings = testSettings()) {
  return (stats: QueryStats) =>
    openProductionConnection(connectionSettingsFromUrl(url), {
      statementTimeoutMs: settings.statementTimeoutMs,
      lockTimeoutMs: settings.lockTimeoutMs,
      connectTimeoutMs: 2_000,
      stats,
    });
}

/** A URL nothing listens on: a closed port on 127.0.0.1. */
export function unreachableUrl(port: number): string {
  return `postgres://tenantwatch:never-used-password@127.0.0.1:${port}/nowhere`;
}

export function find(datums: readonly Datum[], metric: string, dimensions?: Readonly<Record<string, string>>): Datum[] {
  return datums.filter(
    (d) => d.metric.name === metric && (dimensions === undefined || JSON.stringify(Object.entries(d.dimensions).sort()) === JSON.stringify(Object.entries(dimensions).sort())),
  );
}

/** The single value of a metric with exactly these dimensions (undefined when absent). */
export function valueOf(datums: readonly Datum[], metric: string, dimensions: Readonly<Record<string, string>> = { Database: TEST_TARGET }): number | undefined {
  const found = find(datums, metric, dimensions);
  if (found.length > 1) throw new Error(`${metric}: ${found.length} datums with the same dimensions`);
  return found[0]?.value;
}

export async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A checksum of every user table's content: proves a run changed nothing. */
export async function databaseChecksum(url: string): Promise<string> {
  return withAdmin(url, async (client) => {
    const { rows: tables } = await client.query<{ t: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const parts: string[] = [];
    for (const { t } of tables) {
      const { rows } = await client.query<{ md5: string | null; n: string }>(
        `SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS md5, count(*) AS n FROM ${t} x`,
      );
      parts.push(`${t}:${rows[0]?.n}:${rows[0]?.md5}`);
    }
    return parts.join('\n');
  });
}
