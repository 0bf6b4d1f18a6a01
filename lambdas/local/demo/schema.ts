/**
 * The demo payroll SaaS: shared tables in schema `app`, one schema per tenant
 * (`tenant_<slug>`) with eight tables each. Realistic enough that every default SQL source
 * and every collector has something true to measure; deterministic so tests can assert
 * exact values. Tenant schema names are always quoted: tests create hostile ones too.
 */
import pg from 'pg';

export const SHARED_SCHEMA = 'app';
export const TENANT_SCHEMA_PREFIX = 'tenant_';
/** The demo application's database role: owns the demo objects; the workload runs as it. */
export const DEMO_APP_ROLE = 'payroll_api';

/** Shared tables: tenants, users, auth, security events, audit log, feature flags, request log. */
export const sharedSchemaSql = `
CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE app.tenants (
  id           serial PRIMARY KEY,
  slug         text NOT NULL UNIQUE,
  schema_name  text NOT NULL UNIQUE,
  display_name text NOT NULL,
  plan         text NOT NULL DEFAULT 'standard',
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.users (
  id           bigserial PRIMARY KEY,
  tenant_id    int NOT NULL REFERENCES app.tenants(id),
  email        text NOT NULL UNIQUE,
  role         text NOT NULL DEFAULT 'employee',
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz
);
CREATE INDEX users_last_seen_idx ON app.users (last_seen_at);

CREATE TABLE app.login_events (
  id          bigserial PRIMARY KEY,
  tenant_id   int REFERENCES app.tenants(id),
  user_id     bigint REFERENCES app.users(id),
  email       text NOT NULL,
  success     boolean NOT NULL,
  source_ip   inet,
  user_agent  text,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_events_occurred_idx ON app.login_events (occurred_at);

CREATE TABLE app.security_events (
  id          bigserial PRIMARY KEY,
  tenant_id   int REFERENCES app.tenants(id),
  user_id     bigint REFERENCES app.users(id),
  event_type  text NOT NULL CHECK (event_type IN
                ('idor_rejected', 'tenant_isolation_violation', 'suspicious_activity', 'permission_denied')),
  severity    text NOT NULL DEFAULT 'medium',
  detail      jsonb NOT NULL DEFAULT '{}',
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_events_occurred_idx ON app.security_events (occurred_at);

CREATE TABLE app.audit_log (
  id            bigserial PRIMARY KEY,
  tenant_id     int REFERENCES app.tenants(id),
  actor_user_id bigint REFERENCES app.users(id),
  action        text NOT NULL,
  entity        text NOT NULL,
  entity_id     text,
  payload       jsonb NOT NULL DEFAULT '{}',
  occurred_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_occurred_idx ON app.audit_log (occurred_at);

CREATE TABLE app.feature_flags (
  key         text PRIMARY KEY,
  description text NOT NULL
);

CREATE TABLE app.tenant_feature_flags (
  tenant_id  int NOT NULL REFERENCES app.tenants(id),
  flag_key   text NOT NULL REFERENCES app.feature_flags(key),
  enabled    boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, flag_key)
);

CREATE TABLE app.request_log (
  id          bigserial PRIMARY KEY,
  tenant_id   int REFERENCES app.tenants(id),
  method      text NOT NULL,
  endpoint    text NOT NULL,
  status      int NOT NULL,
  duration_ms int NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_log_occurred_idx ON app.request_log (occurred_at);
`;

/** The eight tables of one tenant schema. `schema` must already be a quoted identifier. */
export function tenantSchemaSql(quotedSchema: string): string {
  const s = quotedSchema;
  return `
CREATE SCHEMA ${s};
CREATE TABLE ${s}.departments (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE ${s}.employees (
  id serial PRIMARY KEY, department_id int REFERENCES ${s}.departments(id),
  first_name text NOT NULL, last_name text NOT NULL, email text NOT NULL,
  salary_cents bigint NOT NULL, hired_at date NOT NULL, active boolean NOT NULL DEFAULT true);
CREATE TABLE ${s}.pay_schedules (id serial PRIMARY KEY, frequency text NOT NULL, next_run_date date NOT NULL);
CREATE TABLE ${s}.payroll_runs (
  id serial PRIMARY KEY, period_start date NOT NULL, period_end date NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'in_progress', 'completed', 'failed')),
  started_at timestamptz, completed_at timestamptz,
  employee_count int NOT NULL DEFAULT 0, total_gross_cents bigint NOT NULL DEFAULT 0);
CREATE INDEX ON ${s}.payroll_runs (completed_at);
CREATE TABLE ${s}.payslips (
  id serial PRIMARY KEY, payroll_run_id int NOT NULL REFERENCES ${s}.payroll_runs(id),
  employee_id int NOT NULL REFERENCES ${s}.employees(id),
  gross_cents bigint NOT NULL, tax_cents bigint NOT NULL, net_cents bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE ${s}.time_entries (
  id serial PRIMARY KEY, employee_id int NOT NULL REFERENCES ${s}.employees(id),
  work_date date NOT NULL, hours numeric(4,2) NOT NULL);
CREATE TABLE ${s}.sessions (
  id serial PRIMARY KEY, user_id bigint NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(), last_seen_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz);
CREATE TABLE ${s}.documents (
  id serial PRIMARY KEY, employee_id int REFERENCES ${s}.employees(id),
  kind text NOT NULL, storage_key text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
`;
}

export const quoteIdent = (name: string): string => pg.escapeIdentifier(name);
