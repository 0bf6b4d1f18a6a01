/**
 * The demo workload: small, deterministic functions that make the demo database do what a
 * payroll SaaS does (logins, payroll runs, API reads) and what monitoring must catch (an
 * IDOR rejection, a tenant-isolation violation, a cross-tenant query, a deadlock, sessions
 * idle in a transaction, a blocked session, a sort spilling to disk). Tests compose them to
 * produce exact metric values; `npm start` runs runDemoWorkload().
 *
 * Every function opens its own connections (application_name WORKLOAD_APPLICATION_NAME,
 * running as the application's role DEMO_APP_ROLE, like the real API; the URL must be a
 * superuser's, as the embedded server's is) and closes them before returning, except those returning a
 * SessionsHandle: those sessions stay open until release(), which always closes them.
 * Functions whose effect is a pg_stat_database counter return only once the counter shows
 * it, so a collector sampling right after sees it (stats are flushed asynchronously).
 */
import pg from 'pg';
import { createPrng } from './prng.js';
import { DEMO_APP_ROLE, quoteIdent } from './schema.js';

/** What the demo API's connections call themselves (pg_stat_activity.application_name). */
export const WORKLOAD_APPLICATION_NAME = 'payroll-api';
const STATS_VISIBLE_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 25;
/** A session-level deadlock_timeout for the second deadlock participant, so it is the victim. */
const VICTIM_DEADLOCK_TIMEOUT = '50ms';
/** Small enough that sorting SPILL_ROWS rows must write a temporary file. */
const SPILL_WORK_MEM = '64kB';
const SPILL_ROWS = 100_000;
const DEADLOCK_DETECTED = '40P01';

export interface WorkloadConnectionOptions {
  readonly applicationName?: string;
  /** Session settings in the startup packet (allowed by the URL's user, so superuser-only ones work). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Stay the URL's user instead of switching to DEMO_APP_ROLE (observers, not workload). */
  readonly asUrlUser?: boolean;
}

export async function connectWorkload(url: string, options: WorkloadConnectionOptions = {}): Promise<pg.Client> {
  // The role switch happens in the startup packet (not SET ROLE), so it adds no statement
  // to pg_stat_statements: tests can count the workload's statements exactly.
  const settings = { ...options.settings, ...(options.asUrlUser ? {} : { role: DEMO_APP_ROLE }) };
  const flags = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  const client = new pg.Client({ connectionString: url, application_name: options.applicationName ?? WORKLOAD_APPLICATION_NAME, ...(flags ? { options: flags } : {}) });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const message = (error as Error).message;
    throw new Error(options.asUrlUser ? message : `workload: cannot connect as the demo application role ${DEMO_APP_ROLE} (create the demo database first; the URL must be a superuser's): ${message}`);
  }
  return client;
}

/** A session that watches the others (pg_stat_activity, pg_stat_database) without being workload. */
const connectObserver = (url: string) => connectWorkload(url, { applicationName: `${WORKLOAD_APPLICATION_NAME}-monitor`, asUrlUser: true });

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectWorkload(url);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until check() is true; throws naming `what` if it never becomes true. */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = STATS_VISIBLE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`workload: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

export interface DemoTenantRef {
  readonly id: number;
  readonly slug: string;
  readonly schema: string;
}

/** A tenant by slug, or the first tenant (lowest id) when no slug is given. */
export async function findTenant(client: pg.ClientBase, slug?: string): Promise<DemoTenantRef> {
  const rows = await client.query<DemoTenantRef>(
    'SELECT id, slug, schema_name AS schema FROM app.tenants WHERE $1::text IS NULL OR slug = $1 ORDER BY id LIMIT 1',
    [slug ?? null],
  );
  const tenant = rows.rows[0];
  if (!tenant) throw new Error(slug ? `workload: no tenant with slug ${slug}` : 'workload: the database has no tenants (create the demo database first)');
  return tenant;
}

async function tenantsByOffset(client: pg.ClientBase, count: number, pick: (tenants: number) => number): Promise<DemoTenantRef[]> {
  const all = await client.query<DemoTenantRef>('SELECT id, slug, schema_name AS schema FROM app.tenants ORDER BY id');
  if (all.rows.length === 0) throw new Error('workload: the database has no tenants (create the demo database first)');
  return Array.from({ length: count }, () => all.rows[pick(all.rows.length)]!);
}

// ---------------------------------------------------------------------------------------
// Application activity

export interface LoginOptions {
  readonly attempts: number;
  readonly failures: number;
  /** Tenant slug; default the first tenant. */
  readonly tenant?: string;
}

/**
 * `attempts` rows in app.login_events, `failures` of them unsuccessful (spread evenly);
 * each successful login also sets app.users.last_seen_at = now() for its user.
 */
export async function logins(url: string, options: LoginOptions): Promise<{ attempts: number; failures: number; tenant: DemoTenantRef }> {
  const { attempts, failures } = options;
  if (!Number.isInteger(attempts) || !Number.isInteger(failures) || failures < 0 || failures > attempts) {
    throw new Error(`workload logins: need integers 0 <= failures <= attempts, got ${failures} of ${attempts}`);
  }
  return withClient(url, async (c) => {
    const tenant = await findTenant(c, options.tenant);
    // Attempt i fails when it crosses the next multiple of attempts/failures: evenly spread, exact count.
    const success = Array.from({ length: attempts }, (_, i) => Math.floor(((i + 1) * failures) / attempts) === Math.floor((i * failures) / attempts));
    await c.query(
      `WITH u AS (SELECT id, email, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS users FROM app.users WHERE tenant_id = $1),
            attempt AS (SELECT ok, i - 1 AS i FROM unnest($2::boolean[]) WITH ORDINALITY AS a(ok, i)),
            inserted AS (
              INSERT INTO app.login_events (tenant_id, user_id, email, success, source_ip, user_agent)
              SELECT $1, u.id, u.email, attempt.ok, '192.0.2.10'::inet, 'Mozilla/5.0 (demo workload)'
              FROM attempt JOIN u ON u.n = attempt.i % u.users
              RETURNING user_id, success)
       UPDATE app.users SET last_seen_at = now() WHERE id IN (SELECT user_id FROM inserted WHERE success)`,
      [tenant.id, success],
    );
    return { attempts, failures, tenant };
  });
}

export interface PayrollActivityOptions {
  readonly tenant?: string;
  /** Runs that start and complete now (with one payslip per active employee). */
  readonly completed?: number;
  /** Runs that start and fail now. */
  readonly failed?: number;
  /** Runs that start now and stay in progress. */
  readonly started?: number;
  /** How long the completed and failed runs took (started_at = now() - this). */
  readonly durationSeconds?: number;
}
const DEFAULT_RUN_SECONDS = 90;

export interface PayrollActivity {
  readonly tenant: DemoTenantRef;
  readonly completed: number;
  readonly failed: number;
  readonly started: number;
  readonly payslips: number;
}

export async function payrollActivity(url: string, options: PayrollActivityOptions = {}): Promise<PayrollActivity> {
  const completed = options.completed ?? 1;
  const failed = options.failed ?? 0;
  const started = options.started ?? 0;
  const seconds = options.durationSeconds ?? DEFAULT_RUN_SECONDS;
  return withClient(url, async (c) => {
    const tenant = await findTenant(c, options.tenant);
    const s = quoteIdent(tenant.schema);
    await c.query('BEGIN');
    try {
      const runs = await c.query<{ id: number; status: string }>(
        `INSERT INTO ${s}.payroll_runs (period_start, period_end, status, started_at, completed_at)
         SELECT current_date - 30, current_date - 1, status,
                CASE WHEN status = 'in_progress' THEN now() ELSE now() - $4 * interval '1 second' END,
                CASE WHEN status = 'in_progress' THEN NULL ELSE now() END
         FROM (SELECT 'completed' AS status FROM generate_series(1, $1)
               UNION ALL SELECT 'failed' FROM generate_series(1, $2)
               UNION ALL SELECT 'in_progress' FROM generate_series(1, $3)) r
         RETURNING id, status`,
        [completed, failed, started, seconds],
      );
      const completedIds = runs.rows.filter((r) => r.status === 'completed').map((r) => r.id);
      const payslips = await c.query(
        `INSERT INTO ${s}.payslips (payroll_run_id, employee_id, gross_cents, tax_cents, net_cents)
         SELECT r, e.id, e.salary_cents / 12, e.salary_cents / 12 / 5, e.salary_cents / 12 - e.salary_cents / 12 / 5
         FROM unnest($1::int[]) r, ${s}.employees e WHERE e.active`,
        [completedIds],
      );
      await c.query(
        `UPDATE ${s}.payroll_runs r SET employee_count = p.n, total_gross_cents = p.gross
         FROM (SELECT payroll_run_id, count(*) AS n, sum(gross_cents) AS gross FROM ${s}.payslips WHERE payroll_run_id = ANY($1) GROUP BY 1) p
         WHERE r.id = p.payroll_run_id`,
        [completedIds],
      );
      await c.query('COMMIT');
      return { tenant, completed, failed, started, payslips: payslips.rowCount ?? 0 };
    } catch (error) {
      await c.query('ROLLBACK');
      throw error;
    }
  });
}

/**
 * Typical API reads and writes for `requests` requests spread over the tenants (chosen by
 * the seed): each sets search_path to the tenant (as the application does), reads, and
 * appends to app.request_log. Gives pg_stat_statements realistic per-tenant entries.
 */
export async function apiTraffic(url: string, options: { requests: number; seed: number }): Promise<{ requests: number }> {
  const prng = createPrng(options.seed);
  return withClient(url, async (c) => {
    const tenants = await tenantsByOffset(c, options.requests, (n) => prng.int(0, n - 1));
    for (const tenant of tenants) {
      const kind = prng.int(0, 2);
      await c.query(`SET search_path TO ${quoteIdent(tenant.schema)}, public`);
      const started = performance.now();
      if (kind === 0) await c.query('SELECT id, first_name, last_name, email FROM employees WHERE active ORDER BY last_name LIMIT 50');
      else if (kind === 1) await c.query('SELECT p.* FROM payslips p JOIN employees e ON e.id = p.employee_id WHERE e.id = $1 ORDER BY p.created_at DESC LIMIT 12', [prng.int(1, 5)]);
      else await c.query('SELECT status, count(*) FROM payroll_runs GROUP BY status');
      const ms = Math.round(performance.now() - started);
      const endpoint = ['/api/employees', '/api/payslips/{id}', '/api/reports/summary'][kind]!;
      await c.query('INSERT INTO app.request_log (tenant_id, method, endpoint, status, duration_ms) VALUES ($1, $2, $3, 200, $4)', [tenant.id, 'GET', endpoint, ms]);
    }
    await c.query('RESET search_path');
    return { requests: tenants.length };
  });
}

// ---------------------------------------------------------------------------------------
// Security events

/**
 * The application rejects a request for another tenant's payslip: the ownership-checked
 * read finds nothing, and it records an `idor_rejected` security event.
 */
export async function idorRejection(url: string, options: { tenant?: string; count?: number } = {}): Promise<{ rejections: number; tenant: DemoTenantRef }> {
  const count = options.count ?? 1;
  return withClient(url, async (c) => {
    const tenant = await findTenant(c, options.tenant);
    for (let i = 0; i < count; i++) {
      const foreignId = -(i + 1); // no payslip has a negative id: the check always rejects
      await c.query(`SELECT id FROM ${quoteIdent(tenant.schema)}.payslips WHERE id = $1 AND employee_id = $2`, [foreignId, 1]);
      await c.query(
        `INSERT INTO app.security_events (tenant_id, event_type, severity, detail)
         VALUES ($1, 'idor_rejected', 'high', jsonb_build_object('resource', 'payslip', 'requested_id', $2::int))`,
        [tenant.id, foreignId],
      );
    }
    return { rejections: count, tenant };
  });
}

/** The application itself detects and records a tenant-isolation violation. */
export async function tenantIsolationViolation(url: string, options: { tenant?: string; count?: number } = {}): Promise<{ violations: number; tenant: DemoTenantRef }> {
  const count = options.count ?? 1;
  return withClient(url, async (c) => {
    const tenant = await findTenant(c, options.tenant);
    await c.query(
      `INSERT INTO app.security_events (tenant_id, event_type, severity, detail)
       SELECT $1, 'tenant_isolation_violation', 'critical', jsonb_build_object('source', 'demo workload', 'n', i)
       FROM generate_series(1, $2) i`,
      [tenant.id, count],
    );
    return { violations: count, tenant };
  });
}

/**
 * One statement that reads two tenant schemas at once (what CrossTenantQueries must catch).
 * Each distinct pair of schemas is a new pg_stat_statements entry before PostgreSQL 18; from
 * 18 on the query id ignores the schema, so `variant` (k repeated predicates) changes the
 * statement's shape to make it new again in every round of a long-running demo.
 */
export async function crossTenantQuery(
  url: string,
  options: { tenants?: readonly [string, string]; variant?: number } = {},
): Promise<{ text: string; schemas: readonly [string, string] }> {
  return withClient(url, async (c) => {
    const [a, b] = options.tenants
      ? [await findTenant(c, options.tenants[0]), await findTenant(c, options.tenants[1])]
      : await c.query<DemoTenantRef>('SELECT id, slug, schema_name AS schema FROM app.tenants ORDER BY id LIMIT 2').then((r) => r.rows);
    if (!a || !b || a.schema === b.schema) throw new Error('workload crossTenantQuery: needs two different tenants');
    const shape = ' AND a.id = a.id'.repeat(options.variant ?? 0);
    const text = `SELECT count(*) AS shared_emails FROM ${quoteIdent(a.schema)}.employees a JOIN ${quoteIdent(b.schema)}.employees b ON a.email = b.email${shape}`;
    await c.query(text);
    return { text, schemas: [a.schema, b.schema] };
  });
}

/** The application writes audit-log rows (payslip views, salary changes). */
export async function auditActivity(url: string, options: { entries: number }): Promise<{ entries: number }> {
  return withClient(url, async (c) => {
    await c.query(
      `INSERT INTO app.audit_log (tenant_id, action, entity, entity_id, payload)
       SELECT t.id, 'view', 'payslip', i::text, jsonb_build_object('via', 'demo workload', 'n', i)
         FROM generate_series(1, $1::int) AS i
         JOIN LATERAL (SELECT id FROM app.tenants ORDER BY id OFFSET (i % (SELECT count(*) FROM app.tenants)) LIMIT 1) t ON true`,
      [options.entries],
    );
    return { entries: options.entries };
  });
}

// ---------------------------------------------------------------------------------------
// Database-level events

const DATABASE_COUNTERS_SQL = 'SELECT deadlocks, temp_bytes FROM pg_stat_database WHERE datname = current_database()';

async function databaseCounters(c: pg.ClientBase): Promise<{ deadlocks: number; tempBytes: number }> {
  const row = (await c.query<{ deadlocks: string; temp_bytes: string }>(DATABASE_COUNTERS_SQL)).rows[0];
  return { deadlocks: Number(row?.deadlocks ?? 0), tempBytes: Number(row?.temp_bytes ?? 0) };
}

async function isWaitingOnLock(monitor: pg.ClientBase, pid: number): Promise<boolean> {
  const r = await monitor.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [pid]);
  return r.rowCount === 1;
}

async function backendPid(c: pg.ClientBase): Promise<number> {
  return (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

/**
 * Exactly one deadlock: two sessions lock two employee rows in opposite order. The second
 * session gets a short deadlock_timeout, so it detects the cycle first and is the victim.
 * Returns once pg_stat_database.deadlocks shows it.
 */
export async function deadlock(url: string, options: { tenant?: string } = {}): Promise<{ victim: 'first' | 'second' }> {
  const monitor = await connectObserver(url);
  const first = await connectWorkload(url);
  // A superuser-only setting: in the startup packet, before the switch to the application role.
  const second = await connectWorkload(url, { settings: { deadlock_timeout: VICTIM_DEADLOCK_TIMEOUT } });
  try {
    const tenant = await findTenant(monitor, options.tenant);
    const lockRow = `SELECT id FROM ${quoteIdent(tenant.schema)}.employees WHERE id = $1 FOR UPDATE`;
    const before = await databaseCounters(monitor);
    const firstPid = await backendPid(first);
    await first.query('BEGIN');
    await second.query('BEGIN');
    await first.query(lockRow, [1]);
    await second.query(lockRow, [2]);
    const firstWaits = first.query(lockRow, [2]).then(() => 'ok' as const, (e: { code?: string }) => e);
    await waitUntil(() => isWaitingOnLock(monitor, firstPid), 'the first session to wait for the second one\'s row lock');
    const secondWaits = await second.query(lockRow, [1]).then(() => 'ok' as const, (e: { code?: string }) => e);
    const firstOutcome = await firstWaits;
    await first.query(firstOutcome === 'ok' ? 'COMMIT' : 'ROLLBACK');
    await second.query(secondWaits === 'ok' ? 'COMMIT' : 'ROLLBACK');
    const victims = [firstOutcome, secondWaits].filter((o) => o !== 'ok');
    if (victims.length !== 1 || (victims[0] as { code?: string }).code !== DEADLOCK_DETECTED) {
      throw new Error(`workload deadlock: expected exactly one deadlock victim, got ${JSON.stringify(victims)}`);
    }
    await first.end();
    await second.end();
    await waitUntil(async () => (await databaseCounters(monitor)).deadlocks > before.deadlocks, 'pg_stat_database.deadlocks to count the deadlock');
    return { victim: firstOutcome === 'ok' ? 'second' : 'first' };
  } finally {
    await Promise.allSettled([first.end(), second.end()]);
    await monitor.end();
  }
}

/** Writes a temporary file: a sort of SPILL_ROWS rows with a tiny work_mem. Returns once temp_bytes shows it. */
export async function tempFileSpill(url: string): Promise<{ tempBytesBefore: number }> {
  const monitor = await connectObserver(url);
  try {
    const before = await databaseCounters(monitor);
    await withClient(url, async (c) => {
      await c.query(`SET work_mem = '${SPILL_WORK_MEM}'`);
      await c.query(`SELECT count(*) FROM (SELECT g FROM generate_series(1, ${SPILL_ROWS}) g ORDER BY md5(g::text)) sorted`);
    });
    await waitUntil(async () => (await databaseCounters(monitor)).tempBytes > before.tempBytes, 'pg_stat_database.temp_bytes to count the spilled sort');
    return { tempBytesBefore: before.tempBytes };
  } finally {
    await monitor.end();
  }
}

/** Runs one statement exactly `times` times on one connection (pg_stat_statements calls += times). */
export async function repeatStatement(url: string, text: string, times: number, params: readonly unknown[] = []): Promise<{ times: number }> {
  return withClient(url, async (c) => {
    for (let i = 0; i < times; i++) await c.query(text, params as unknown[]);
    return { times };
  });
}

// ---------------------------------------------------------------------------------------
// Sessions held open until released

export interface SessionsHandle {
  readonly pids: readonly number[];
  /** Ends the sessions' transactions and closes them; safe to call twice. */
  release(): Promise<void>;
}

function sessionsHandle(clients: readonly pg.Client[], pids: readonly number[], beforeEnd: (c: pg.Client) => Promise<unknown>): SessionsHandle {
  let released: Promise<void> | undefined;
  return {
    pids,
    release() {
      released ??= (async () => {
        const results = await Promise.allSettled(clients.map(async (c) => {
          try {
            await beforeEnd(c);
          } finally {
            await c.end();
          }
        }));
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      })();
      return released;
    },
  };
}

/** `sessions` connections, each with an open transaction and idle (state 'idle in transaction'). */
export async function idleInTransaction(url: string, options: { sessions: number; applicationName?: string }): Promise<SessionsHandle> {
  const clients: pg.Client[] = [];
  const handle = () => sessionsHandle(clients, [], (c) => c.query('ROLLBACK'));
  try {
    const pids: number[] = [];
    for (let i = 0; i < options.sessions; i++) {
      const c = await connectWorkload(url, options.applicationName ? { applicationName: options.applicationName } : {});
      clients.push(c);
      await c.query('BEGIN');
      pids.push(await backendPid(c));
    }
    return sessionsHandle(clients, pids, (c) => c.query('ROLLBACK'));
  } catch (error) {
    await handle().release().catch(() => undefined);
    throw error;
  }
}

/**
 * One session blocked on a row lock: the holder locks an employee row and stays idle in
 * its transaction, the waiter asks for the same row. Returns once the waiter is waiting.
 * Note: the holder also counts as idle in transaction.
 */
export async function blockedSession(url: string, options: { tenant?: string; employeeId?: number } = {}): Promise<SessionsHandle & { holderPid: number; waiterPid: number }> {
  const holder = await connectWorkload(url);
  const waiter = await connectWorkload(url);
  const clients = [holder, waiter];
  let waiting: Promise<unknown> = Promise.resolve();
  try {
    const tenant = await findTenant(holder, options.tenant);
    const lockRow = `SELECT id FROM ${quoteIdent(tenant.schema)}.employees WHERE id = $1 FOR UPDATE`;
    const holderPid = await backendPid(holder);
    const waiterPid = await backendPid(waiter);
    await holder.query('BEGIN');
    await holder.query(lockRow, [options.employeeId ?? 3]);
    await waiter.query('BEGIN');
    waiting = waiter.query(lockRow, [options.employeeId ?? 3]);
    waiting.catch(() => undefined);
    const observer = await connectObserver(url);
    try {
      await waitUntil(() => isWaitingOnLock(observer, waiterPid), 'the waiter to block on the holder\'s row lock');
    } finally {
      await observer.end();
    }
    const handle = sessionsHandle(clients, [holderPid, waiterPid], async (c) => {
      if (c === holder) await c.query('ROLLBACK');
      else {
        await waiting.catch(() => undefined);
        await c.query('ROLLBACK');
      }
    });
    return Object.assign(handle, { holderPid, waiterPid });
  } catch (error) {
    await holder.query('ROLLBACK').catch(() => undefined);
    await waiting.catch(() => undefined);
    await Promise.allSettled(clients.map((c) => c.end()));
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// The whole demo workload (npm start)

export interface DemoWorkloadSummary {
  readonly loginAttempts: number;
  readonly failedLogins: number;
  readonly payrollRunsCompleted: number;
  readonly payrollRunsFailed: number;
  readonly payrollRunsStarted: number;
  readonly apiRequests: number;
  readonly idorRejections: number;
  readonly tenantIsolationViolations: number;
  readonly crossTenantQueries: number;
  readonly auditLogEntries: number;
  readonly deadlocks: number;
}

const DEMO_API_REQUESTS = [40, 80] as const;
const DEMO_LOGIN_ATTEMPTS = [30, 60] as const;
const DEMO_FAILED_LOGINS = [1, 4] as const;
const DEMO_AUDIT_ENTRIES = [10, 30] as const;

/**
 * One round of the demo workload: logins with a few failures, payroll activity, API
 * traffic, an IDOR rejection, a tenant-isolation violation, a cross-tenant query, audit-log
 * entries and a deadlock. Deterministic for a given seed (vary the seed per round for variety).
 */
export async function runDemoWorkload(url: string, options: { seed: number }): Promise<DemoWorkloadSummary> {
  const prng = createPrng(options.seed);
  const attempts = prng.int(...DEMO_LOGIN_ATTEMPTS);
  const failures = prng.int(...DEMO_FAILED_LOGINS);
  const login = await logins(url, { attempts, failures });
  const payroll = await payrollActivity(url, { completed: prng.int(1, 3), failed: prng.int(0, 1), started: 1 });
  const api = await apiTraffic(url, { requests: prng.int(...DEMO_API_REQUESTS), seed: prng.salt() });
  const idor = await idorRejection(url);
  const isolation = await tenantIsolationViolation(url);
  // A new statement shape per seed, so every round's cross-tenant query is new in its interval.
  await crossTenantQuery(url, { variant: options.seed });
  const audit = await auditActivity(url, { entries: prng.int(...DEMO_AUDIT_ENTRIES) });
  await deadlock(url);
  return {
    loginAttempts: login.attempts,
    failedLogins: login.failures,
    payrollRunsCompleted: payroll.completed,
    payrollRunsFailed: payroll.failed,
    payrollRunsStarted: payroll.started,
    apiRequests: api.requests,
    idorRejections: idor.rejections,
    tenantIsolationViolations: isolation.violations,
    crossTenantQueries: 1,
    auditLogEntries: audit.entries,
    deadlocks: 1,
  };
}
