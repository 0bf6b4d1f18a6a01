/**
 * The monitoring-schema migration. The text is kept here (not read from disk) so the
 * Lambda bundle carries it; `sql/001-monitoring-schema.sql` is the same text shipped for
 * DBAs, and a test keeps the two identical.
 */
import type { QueryRunner } from '../collector.js';

export const MONITORING_SCHEMA = 'monitoring';
export const COUNTER_SAMPLES_TABLE = `${MONITORING_SCHEMA}.counter_samples`;
export const MIGRATION_FILE = 'sql/001-monitoring-schema.sql';

export const MONITORING_SCHEMA_SQL = `-- tenantwatch state: the previous counter sample of each collector, so that the next run
-- can publish interval deltas. Lives in the schema \`monitoring\` of a SEPARATE database,
-- never in the monitored production database.
--
-- Idempotent: safe to run any number of times (the collector runs it on cold start; a DBA
-- may run it beforehand and grant the collector role only USAGE + SELECT/INSERT/UPDATE).
-- Rollback: DROP SCHEMA IF EXISTS monitoring CASCADE;
CREATE SCHEMA IF NOT EXISTS monitoring;

CREATE TABLE IF NOT EXISTS monitoring.counter_samples (
  target     text        NOT NULL,
  collector  text        NOT NULL,
  epoch      text        NOT NULL,
  sample     jsonb       NOT NULL,
  sampled_at timestamptz NOT NULL,
  -- Optimistic concurrency: a run saves its sample only if the version it read is still
  -- current, so two overlapping runs cannot both consume the same baseline.
  version    bigint      NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target, collector)
);

COMMENT ON SCHEMA monitoring IS 'tenantwatch collector state; remove with DROP SCHEMA monitoring CASCADE';
COMMENT ON TABLE monitoring.counter_samples IS 'Last counter sample per target and collector (tenantwatch)';
`;

/** Arbitrary but fixed: the advisory lock that serialises concurrent migrations. */
const MIGRATION_LOCK_KEY = 0x74776d31; // 'twm1'

export const ROLLBACK_SQL = `DROP SCHEMA IF EXISTS ${MONITORING_SCHEMA} CASCADE`;

/**
 * Applies the migration unless the table is already there: a role granted only DML on an
 * existing schema (the DBA ran the file) must not need CREATE on the database.
 */
export async function migrateStateDatabase(db: QueryRunner): Promise<'created' | 'present'> {
  const [row] = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [COUNTER_SAMPLES_TABLE]);
  if (row?.present) return 'present';
  // Two cold starts at once would race on CREATE SCHEMA IF NOT EXISTS (a unique violation
  // in pg_namespace): serialise them on a transaction-scoped advisory lock.
  await db.query('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await db.query(MONITORING_SCHEMA_SQL);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return 'created';
}
