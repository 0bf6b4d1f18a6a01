/**
 * SQL that expands a demo plan into rows. Row counts come from the plan; row values are
 * generated in SQL from the row number and the tenant's salt, so a thousand tenants cost
 * a few dozen round trips instead of hundreds of thousands of INSERT parameters.
 *
 * Timestamps: seeded history is at least SEED_HISTORY_MIN_AGE old (so a collector's
 * "over the interval" counts see only the workload's events), except open sessions,
 * whose last_seen_at lies within the last OPEN_SESSION_RECENCY_MINUTES minutes.
 */
import pg from 'pg';
import { DEMO_FEATURE_FLAGS, DOCUMENT_EVERY, INACTIVE_EMPLOYEE_EVERY, TIME_ENTRY_DAYS, type DemoTenantPlan } from './plan.js';
import { quoteIdent, tenantSchemaSql } from './schema.js';

export const SEED_HISTORY_MIN_AGE = "interval '1 hour'";
/** Seeded events spread over this many minutes before SEED_HISTORY_MIN_AGE (one week). */
const HISTORY_SPREAD_MINUTES = 7 * 24 * 60;
export const OPEN_SESSION_RECENCY_MINUTES = 20;
/** Monthly payroll: completed runs lie whole months in the past. */
const DAYS_PER_PAY_PERIOD = 30;
const TAX_PERCENT = 22;

const lit = (s: string): string => pg.escapeLiteral(s);
const textArray = (items: readonly string[]): string => `ARRAY[${items.map(lit).join(', ')}]`;

const FIRST_NAMES = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Liam', 'Mei', 'Nora', 'Omar', 'Priya'];
const LAST_NAMES = ['Andersen', 'Brown', 'Costa', 'Dubois', 'Eze', 'Fischer', 'Garcia', 'Hansen', 'Ivanova', 'Jensen', 'Kowalski', 'Lopez', 'Moreau', 'Nakamura', 'Okafor', 'Patel'];
const DEPARTMENT_NAMES = ['Engineering', 'Sales', 'Finance', 'Operations', 'People', 'Support', 'Legal', 'Marketing'];
const DOCUMENT_KINDS = ['contract', 'tax_form', 'id_document', 'bank_details'];
const HISTORY_SECURITY_EVENTS = ['permission_denied', 'suspicious_activity', 'idor_rejected'];
const AUDIT_ACTIONS = ['create', 'update', 'delete', 'export', 'approve'];
const AUDIT_ENTITIES = ['employee', 'payroll_run', 'payslip', 'document'];
const ENDPOINTS = [
  ['GET', '/api/employees'], ['GET', '/api/employees/{id}'], ['POST', '/api/payroll-runs'],
  ['GET', '/api/payslips/{id}'], ['GET', '/api/reports/summary'], ['POST', '/api/auth/login'],
] as const;
/** request_log status mix, per 100 requests. */
const SERVER_ERRORS_PER_100 = 2;
const CLIENT_ERRORS_PER_100 = 6;

/**
 * A value in [0, modulus) that varies with the row number and the tenant's salt. Computed
 * in bigint: a salt near 2^31 plus row x multiplier overflows integer (one tenant in about
 * a thousand, e.g. tenant 5,462 of the default seed); the result fits an integer again.
 */
const spread = (row: string, multiplier: number, salt: string, modulus: number): string =>
  `((((${row})::bigint * ${multiplier} + ${salt}) % ${modulus})::int)`;

const historyTime = (row: string, salt: string): string =>
  `now() - ${SEED_HISTORY_MIN_AGE} - ${spread(row, 53, salt, HISTORY_SPREAD_MINUTES)} * interval '1 minute'`;

/** Shared tables that exist once: the feature-flag catalogue. */
export function featureFlagsSql(): string {
  const rows = DEMO_FEATURE_FLAGS.map((f) => `(${lit(f.key)}, ${lit(f.description)})`).join(',\n  ');
  return `INSERT INTO app.feature_flags (key, description) VALUES\n  ${rows};`;
}

/** A temporary per-batch table of tenant parameters that the set-based statements join. */
function batchTableSql(tenants: readonly DemoTenantPlan[]): string {
  const rows = tenants.map((t) =>
    `(${t.id}, ${lit(t.slug)}, ${t.salt}, NULL, ${t.users}, ${t.successfulLogins}, ${t.failedLogins}, ${t.securityEvents}, ${t.auditEvents}, ${t.requests})`);
  return `
CREATE TEMP TABLE demo_batch (id int, slug text, salt int, first_user bigint, users int, ok_logins int, failed_logins int, security_events int, audit_events int, requests int) ON COMMIT DROP;
INSERT INTO demo_batch VALUES
  ${rows.join(',\n  ')};`;
}

function tenantsSql(tenants: readonly DemoTenantPlan[]): string {
  const rows = tenants.map((t) =>
    `(${t.id}, ${lit(t.slug)}, ${lit(t.schema)}, ${lit(t.displayName)}, ${lit(t.plan)}, ${lit(t.status)}, now() - interval '1 day' * (400 - ${t.id % 365}))`);
  return `
INSERT INTO app.tenants (id, slug, schema_name, display_name, plan, status, created_at) VALUES
  ${rows.join(',\n  ')};
INSERT INTO app.tenant_feature_flags (tenant_id, flag_key, enabled, updated_at) VALUES
  ${tenants.flatMap((t) => DEMO_FEATURE_FLAGS.map((f) => `(${t.id}, ${lit(f.key)}, ${t.flags[f.key]}, now() - interval '2 days')`)).join(',\n  ')};`;
}

function usersSql(): string {
  return `
INSERT INTO app.users (tenant_id, email, role, created_at, last_seen_at)
SELECT b.id, format('user%s@%s.example', i, b.slug),
       CASE WHEN i = 1 THEN 'admin' WHEN i % 5 = 0 THEN 'payroll_manager' ELSE 'employee' END,
       now() - interval '400 days' + i * interval '1 day',
       CASE WHEN ${spread('i', 1, 'b.salt', 4)} = 0 THEN NULL ELSE ${historyTime('i', 'b.salt')} END
FROM demo_batch b, generate_series(1, b.users) i;
-- Looked up once per tenant: per-row subqueries would rescan app.users for every event.
UPDATE demo_batch b SET first_user = (SELECT min(u.id) FROM app.users u WHERE u.tenant_id = b.id);`;
}

/** Shared event tables (login, security, audit, request log), all history. */
function sharedEventsSql(): string {
  const firstUser = 'b.first_user';
  const endpoints = ENDPOINTS.length;
  return `
INSERT INTO app.login_events (tenant_id, user_id, email, success, source_ip, user_agent, occurred_at)
SELECT b.id, ${firstUser} + (i % b.users), format('user%s@%s.example', 1 + i % b.users, b.slug),
       i <= b.ok_logins, ('10.' || (b.id % 250) || '.' || (i % 250) || '.' || (1 + b.salt % 250))::inet,
       'Mozilla/5.0 (demo)', ${historyTime('i', 'b.salt')}
FROM demo_batch b, generate_series(1, b.ok_logins + b.failed_logins) i;
INSERT INTO app.security_events (tenant_id, user_id, event_type, severity, detail, occurred_at)
SELECT b.id, ${firstUser} + (i % b.users), (${textArray(HISTORY_SECURITY_EVENTS)})[1 + ${spread('i', 1, 'b.salt', HISTORY_SECURITY_EVENTS.length)}],
       'medium', jsonb_build_object('source', 'seed', 'n', i), ${historyTime('i', 'b.salt')}
FROM demo_batch b, generate_series(1, b.security_events) i;
INSERT INTO app.audit_log (tenant_id, actor_user_id, action, entity, entity_id, payload, occurred_at)
SELECT b.id, ${firstUser} + (i % b.users), (${textArray(AUDIT_ACTIONS)})[1 + ${spread('i', 3, 'b.salt', AUDIT_ACTIONS.length)}],
       (${textArray(AUDIT_ENTITIES)})[1 + ${spread('i', 7, 'b.salt', AUDIT_ENTITIES.length)}], i::text,
       jsonb_build_object('source', 'seed'), ${historyTime('i', 'b.salt')}
FROM demo_batch b, generate_series(1, b.audit_events) i;
INSERT INTO app.request_log (tenant_id, method, endpoint, status, duration_ms, occurred_at)
SELECT b.id, (${textArray(ENDPOINTS.map((e) => e[0]))})[1 + ${spread('i', 1, 'b.salt', endpoints)}],
       (${textArray(ENDPOINTS.map((e) => e[1]))})[1 + ${spread('i', 1, 'b.salt', endpoints)}],
       CASE WHEN ${spread('i', 31, 'b.salt', 100)} < ${SERVER_ERRORS_PER_100} THEN 500
            WHEN ${spread('i', 31, 'b.salt', 100)} < ${SERVER_ERRORS_PER_100 + CLIENT_ERRORS_PER_100} THEN 404 ELSE 200 END,
       20 + ${spread('i', 37, 'b.salt', 300)}, ${historyTime('i', 'b.salt')}
FROM demo_batch b, generate_series(1, b.requests) i;`;
}

/** One tenant schema's tables and rows. */
export function tenantDataSql(t: DemoTenantPlan): string {
  const s = quoteIdent(t.schema);
  const salt = String(t.salt);
  const r = t.payrollRuns;
  const firstUser = `(SELECT first_user FROM demo_batch WHERE id = ${t.id})`;
  const runDuration = (row: string) => `(20 + ${spread(row, 7, salt, 40)}) * interval '1 minute'`;
  return `${tenantSchemaSql(s)}
INSERT INTO ${s}.departments (name)
SELECT (${textArray(DEPARTMENT_NAMES)})[1 + ${spread('i', 1, salt, DEPARTMENT_NAMES.length)}] FROM generate_series(1, ${t.departments}) i;
INSERT INTO ${s}.employees (department_id, first_name, last_name, email, salary_cents, hired_at, active)
SELECT 1 + ${spread('i', 7, salt, t.departments)}, (${textArray(FIRST_NAMES)})[1 + ${spread('i', 13, salt, FIRST_NAMES.length)}],
       (${textArray(LAST_NAMES)})[1 + ${spread('i', 29, salt, LAST_NAMES.length)}], format('employee%s@%s.example', i, ${lit(t.slug)}),
       3000000 + ${spread('i', 7919, salt, 12_000_000)}, date '2016-01-01' + ${spread('i', 97, salt, 3000)}, i % ${INACTIVE_EMPLOYEE_EVERY} <> 0
FROM generate_series(1, ${t.employees}) i;
INSERT INTO ${s}.pay_schedules (frequency, next_run_date)
SELECT (ARRAY['monthly', 'biweekly'])[i], current_date + 7 * i FROM generate_series(1, ${t.paySchedules}) i;
INSERT INTO ${s}.payroll_runs (period_start, period_end, status, started_at, completed_at)
SELECT (now() - k * interval '${DAYS_PER_PAY_PERIOD} days')::date - ${DAYS_PER_PAY_PERIOD}, (now() - k * interval '${DAYS_PER_PAY_PERIOD} days')::date - 1,
       'completed', now() - k * interval '${DAYS_PER_PAY_PERIOD} days', now() - k * interval '${DAYS_PER_PAY_PERIOD} days' + ${runDuration('k')}
FROM generate_series(${r.completed}, 1, -1) k
UNION ALL
SELECT current_date - ${DAYS_PER_PAY_PERIOD} - 15, current_date - 16, 'failed', now() - k * interval '1 day' - interval '15 days', now() - k * interval '1 day' - interval '15 days' + ${runDuration('k')}
FROM generate_series(1, ${r.failed}) k
UNION ALL
SELECT current_date - ${DAYS_PER_PAY_PERIOD}, current_date - 1, 'in_progress', now() - ${SEED_HISTORY_MIN_AGE} - k * interval '1 hour', NULL
FROM generate_series(1, ${r.inProgress}) k
UNION ALL
SELECT current_date, current_date + ${DAYS_PER_PAY_PERIOD - 1}, 'pending', NULL, NULL FROM generate_series(1, ${r.pending}) k;
INSERT INTO ${s}.payslips (payroll_run_id, employee_id, gross_cents, tax_cents, net_cents, created_at)
SELECT r.id, e.id, e.salary_cents / 12, e.salary_cents / 12 * ${TAX_PERCENT} / 100,
       e.salary_cents / 12 - e.salary_cents / 12 * ${TAX_PERCENT} / 100, r.completed_at
FROM ${s}.payroll_runs r JOIN ${s}.employees e ON e.active WHERE r.status = 'completed';
UPDATE ${s}.payroll_runs r SET employee_count = p.n, total_gross_cents = p.gross
FROM (SELECT payroll_run_id, count(*) AS n, sum(gross_cents) AS gross FROM ${s}.payslips GROUP BY 1) p
WHERE p.payroll_run_id = r.id;
INSERT INTO ${s}.time_entries (employee_id, work_date, hours)
SELECT e, current_date - d, (12 + ${spread('e + d', 3, salt, 6)}) / 2.0
FROM generate_series(1, ${t.employees}) e, generate_series(1, ${TIME_ENTRY_DAYS}) d;
INSERT INTO ${s}.sessions (user_id, started_at, last_seen_at, ended_at)
SELECT ${firstUser} + (i % ${t.users}), now() - (30 + i) * interval '1 minute',
       now() - ${spread('i', 7, salt, OPEN_SESSION_RECENCY_MINUTES)} * interval '1 minute', NULL
FROM generate_series(1, ${t.openSessions}) i
UNION ALL
SELECT ${firstUser} + (i % ${t.users}), ${historyTime('i', salt)} - interval '25 minutes',
       ${historyTime('i', salt)} - interval '5 minutes', ${historyTime('i', salt)}
FROM generate_series(1, ${t.closedSessions}) i;
INSERT INTO ${s}.documents (employee_id, kind, storage_key, created_at)
SELECT e, (${textArray(DOCUMENT_KINDS)})[1 + ${spread('e', 1, salt, DOCUMENT_KINDS.length)}], format('%s/%s/%s', ${lit(t.slug)}, e, md5(e::text || ${lit(t.slug)})),
       ${historyTime('e', salt)}
FROM generate_series(${DOCUMENT_EVERY}, ${t.employees}, ${DOCUMENT_EVERY}) e;`;
}

/** Everything for one batch of tenants, sent as one multi-statement query (one transaction). */
export function tenantBatchSql(tenants: readonly DemoTenantPlan[]): string {
  return [
    batchTableSql(tenants),
    tenantsSql(tenants),
    usersSql(),
    ...tenants.map(tenantDataSql),
    sharedEventsSql(),
  ].join('\n');
}
