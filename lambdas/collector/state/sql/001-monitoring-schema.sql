-- tenantwatch state: the previous counter sample of each collector, so that the next run
-- can publish interval deltas. Lives in the schema `monitoring` of a SEPARATE database,
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
