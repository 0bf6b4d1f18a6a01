/**
 * The state store in PostgreSQL: table monitoring.counter_samples of the SEPARATE state
 * database. Compare-and-set on `version` is the optimistic check that stops two
 * overlapping runs from both publishing deltas against one baseline.
 */
import type pg from 'pg';
import type { QueryRunner } from '../collector.js';
import type { ConnectionSettings } from '../runtime/connection-settings.js';
import { STATE_APPLICATION_NAME, connectPgClient } from '../runtime/pg-client.js';
import { COUNTER_SAMPLES_TABLE, migrateStateDatabase } from './migration.js';
import { decodeSample, encodeSample } from './sample-encoding.js';
import type { StateStore, VersionedSample } from './state-store.js';

interface Row {
  readonly epoch: string;
  /** As stored (sample-encoding.ts). */
  readonly sample: unknown;
  readonly sampled_at: Date;
  readonly version: string;
}

export function pgStateStore(client: Pick<pg.Client, 'query' | 'end'>): StateStore {
  return {
    async load(target, collector): Promise<VersionedSample | undefined> {
      const { rows } = await client.query<Row>(
        `SELECT epoch, sample, sampled_at, version FROM ${COUNTER_SAMPLES_TABLE} WHERE target = $1 AND collector = $2`,
        [target, collector],
      );
      const row = rows[0];
      if (!row) return undefined;
      return { epoch: row.epoch, sample: decodeSample(row.sample), sampledAt: row.sampled_at, version: Number(row.version) };
    },
    async save(target, collector, next, expectedVersion) {
      const values = [target, collector, next.epoch, JSON.stringify(encodeSample(next.sample)), next.sampledAt];
      const result = expectedVersion === undefined
        ? await client.query(
            `INSERT INTO ${COUNTER_SAMPLES_TABLE} (target, collector, epoch, sample, sampled_at)
             VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (target, collector) DO NOTHING`,
            values,
          )
        : await client.query(
            `UPDATE ${COUNTER_SAMPLES_TABLE}
                SET epoch = $3, sample = $4::jsonb, sampled_at = $5, version = version + 1, updated_at = now()
              WHERE target = $1 AND collector = $2 AND version = $6`,
            [...values, expectedVersion],
          );
      return result.rowCount === 1;
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

export interface StateDatabaseOptions {
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

/** Connects to the state database and makes sure the monitoring schema is there. */
export async function openPgStateStore(settings: ConnectionSettings, options: StateDatabaseOptions): Promise<StateStore> {
  const client = await connectPgClient(settings, {
    applicationName: STATE_APPLICATION_NAME,
    connectTimeoutMs: options.connectTimeoutMs,
    startupSettings: { statement_timeout: options.statementTimeoutMs },
  });
  try {
    const runner: QueryRunner = { query: async (text, params) => (await client.query(text, params ? [...params] : undefined)).rows };
    await migrateStateDatabase(runner);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return pgStateStore(client);
}
