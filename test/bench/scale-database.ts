/**
 * The benchmark's scale database: the demo payroll database (lambdas/local/demo) with T
 * tenant schemas in embedded PostgreSQL, built once per (major, T) and kept in a
 * persistent data directory; a marker file next to it says the build finished. Every
 * benchmark then starts from the same state: a fresh state database, pg_stat_statements
 * emptied and filled again with the same population.
 *
 * The collector connects as the monitoring role the repository ships
 * (lambdas/core/sql/monitoring-role.sql: pg_monitor, SELECT on the source tables of every
 * tenant schema, from PostgreSQL 15 the right to turn track_counts off), applied again
 * whenever that file changes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import { DEFAULT_DEMO_SEED, createDemoDatabase, planDemo, type DemoPlan, TENANT_SCHEMA_PREFIX } from '../../lambdas/local/demo/index.js';
import { type PostgresMajor, type PostgresServer, startPostgres } from '../../lambdas/local/embedded-postgres.js';
import { MONITOR_ROLE, createMonitorRole, shippedRoleSql } from '../security/support/monitor-role.js';
import { withAdmin } from '../support/runtime-fixtures.js';
import type { Progress } from './progress.js';
import { countStatementEntries, resetStatements, runShapes, shapesPerTenant } from './statement-population.js';

/** Bump when what the build creates changes: older cached databases are rebuilt. */
export const SCALE_DATABASE_FORMAT = 1;
export const BENCH_DATABASE = 'bench';
export const STATE_DATABASE = 'bench_state';
export const COLLECTOR_ROLE = MONITOR_ROLE;
/** Local-only password of a throwaway cluster. */
const COLLECTOR_PASSWORD = 'tenantwatch-bench';
/** Entries the measured runs' workload adds on top of the population (new statements appear in production too). */
const STATEMENT_SLOTS_HEADROOM = 5_000;
const PROGRESS_POLL_MS = 2_000;

export interface ScaleDatabaseOptions {
  readonly tenants: number;
  readonly major: PostgresMajor;
  readonly statementEntries: number;
  readonly cacheDir: string;
  readonly progress: Progress;
}

export interface ScaleDatabase {
  readonly server: PostgresServer;
  readonly plan: DemoPlan;
  /** Superuser URL of the benchmark database. */
  readonly adminUrl: string;
  /** The collector's own role. */
  readonly collectorUrl: string;
  readonly stateUrl: string;
  /** pg_stat_statements entries after the population. */
  readonly statementEntries: number;
  /** Shapes per tenant the population ran (the workload replays them). */
  readonly shapesPerTenant: number;
  /** Server settings the benchmark starts PostgreSQL with (over the embedded defaults). */
  readonly serverSettings: Readonly<Record<string, string | number>>;
  /** Whether this run built the database (false: it came from the cache). */
  readonly built: boolean;
  readonly buildMs: number;
}

interface Marker {
  readonly format: number;
  readonly tenants: number;
  readonly seed: number;
  readonly major: number;
  readonly buildMs: number;
  readonly builtAt: string;
  /** sha256 of the monitoring-role SQL last applied. */
  readonly roleSql?: string;
}

export function cachedDataDir(cacheDir: string, major: number, tenants: number): string {
  return resolve(cacheDir, `pg${major}-t${tenants}`);
}

const markerPath = (dataDir: string) => `${dataDir}.json`;

async function readMarker(dataDir: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(markerPath(dataDir), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/** PostgreSQL's defaults, which the lock table is sized from. */
const DEFAULT_MAX_LOCKS_PER_TRANSACTION = 64;
const DEFAULT_MAX_CONNECTIONS = 100;
/**
 * Lock slots one transaction needs per tenant schema: the default perTenant sources lock
 * about 5 relations per tenant until their collector commits, the shipped monitoring-role
 * SQL 3 (a schema and two tables) in its single DO block. Up to about 1,000 tenants the
 * default lock table is enough; a database with 10,000 tenant schemas has to be configured
 * with a bigger one anyway (pg_dump, too, locks every table in one transaction).
 */
const LOCK_SLOTS_PER_TENANT = 6;

export function serverSettings(statementEntries: number, tenants: number): Record<string, string | number> {
  return {
    'pg_stat_statements.max': Math.max(statementEntries + STATEMENT_SLOTS_HEADROOM, STATEMENT_SLOTS_HEADROOM),
    // So the SQL floor includes planning (a UNION ALL over a thousand tenant schemas plans for a while).
    'pg_stat_statements.track_planning': 'on',
    max_locks_per_transaction: Math.max(DEFAULT_MAX_LOCKS_PER_TRANSACTION, Math.ceil((tenants * LOCK_SLOTS_PER_TENANT) / DEFAULT_MAX_CONNECTIONS)),
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Tenant schemas committed so far (the demo commits a batch of tenants per transaction). */
async function watchTenantSchemas(adminUrl: string, total: number, progress: Progress): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'tenantwatch-bench-progress' });
  await client.connect();
  const poll = async () => {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_namespace WHERE starts_with(nspname, $1)', [TENANT_SCHEMA_PREFIX]);
    progress.update(Number(rows[0]?.n ?? 0), total, 'tenant schemas');
  };
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(poll).catch(() => undefined);
  }, PROGRESS_POLL_MS);
  return async () => {
    clearInterval(timer);
    await pending;
    await client.end();
  };
}

async function build(server: PostgresServer, options: ScaleDatabaseOptions): Promise<void> {
  const url = await server.createDatabase(BENCH_DATABASE);
  options.progress.step(`building the scale database: ${options.tenants.toLocaleString('en-US')} tenant schemas, 8 tables each (cached afterwards)`);
  const stop = await watchTenantSchemas(url, options.tenants, options.progress);
  try {
    await createDemoDatabase(url, { tenants: options.tenants, seed: DEFAULT_DEMO_SEED });
  } finally {
    await stop();
  }
  options.progress.update(options.tenants, options.tenants, 'tenant schemas');
  // Fresh statistics for the planner, as autovacuum would have them on a real database.
  await withAdmin(url, (c) => c.query('ANALYZE'));
  options.progress.done('built');
}

async function freshStateDatabase(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(STATE_DATABASE)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(STATE_DATABASE)}`);
  });
}

async function populateStatements(db: { adminUrl: string; plan: DemoPlan }, entries: number, progress: Progress): Promise<number> {
  const tenants = db.plan.tenants.map((t, index) => ({ schema: t.schema, index }));
  const shapes = shapesPerTenant(entries, tenants.length);
  progress.step(`filling pg_stat_statements: ${shapes} statement shape(s) in each of ${tenants.length.toLocaleString('en-US')} tenant schemas`);
  await resetStatements(db.adminUrl);
  await runShapes(db.adminUrl, tenants, shapes, (done) => progress.update(done, tenants.length, 'tenant schemas'));
  const count = await countStatementEntries(db.adminUrl);
  progress.done(`${count.toLocaleString('en-US')} pg_stat_statements entries`);
  return count;
}

/** Opens (building it first if needed) the scale database, ready for a benchmark. */
export async function openScaleDatabase(options: ScaleDatabaseOptions): Promise<ScaleDatabase> {
  const dataDir = cachedDataDir(options.cacheDir, options.major, options.tenants);
  const marker = await readMarker(dataDir);
  const usable = marker?.format === SCALE_DATABASE_FORMAT && marker.tenants === options.tenants && marker.major === options.major && existsSync(dataDir);
  if (!usable) {
    // An interrupted or outdated build: start over.
    await rm(dataDir, { recursive: true, force: true });
    await rm(markerPath(dataDir), { force: true });
    await mkdir(dirname(dataDir), { recursive: true });
  }
  options.progress.step(`starting PostgreSQL ${options.major} (${usable ? 'cached' : 'new'} data directory ${dataDir})`);
  const settings = serverSettings(options.statementEntries, options.tenants);
  const server = await startPostgres({ major: options.major, persistentDir: dataDir, settings });
  try {
    let built: Marker | undefined = usable ? marker : undefined;
    if (!built) {
      const started = performance.now();
      await build(server, options);
      built = { format: SCALE_DATABASE_FORMAT, tenants: options.tenants, seed: DEFAULT_DEMO_SEED, major: options.major, buildMs: Math.round(performance.now() - started), builtAt: new Date().toISOString() };
      // Written before the role: a failure there must not throw the build away.
      await writeFile(markerPath(dataDir), JSON.stringify(built, null, 2));
    }
    const buildMs = built.buildMs;
    const adminUrl = server.url(BENCH_DATABASE);
    const roleSql = shippedRoleSql();
    if (built.roleSql !== sha256(roleSql)) {
      options.progress.step(`creating the monitoring role ${COLLECTOR_ROLE} (lambdas/core/sql/monitoring-role.sql)`);
      await createMonitorRole(adminUrl, COLLECTOR_PASSWORD, roleSql);
      await writeFile(markerPath(dataDir), JSON.stringify({ ...built, roleSql: sha256(roleSql) } satisfies Marker, null, 2));
      options.progress.done();
    }
    await freshStateDatabase(adminUrl);
    const plan = planDemo(options.tenants, DEFAULT_DEMO_SEED);
    const statementEntries = await populateStatements({ adminUrl, plan }, options.statementEntries, options.progress);
    const collectorUrl = `postgres://${COLLECTOR_ROLE}:${COLLECTOR_PASSWORD}@127.0.0.1:${server.port}/${BENCH_DATABASE}`;
    return {
      server, plan, adminUrl, collectorUrl, stateUrl: server.url(STATE_DATABASE), statementEntries,
      shapesPerTenant: shapesPerTenant(options.statementEntries, options.tenants), serverSettings: settings, built: !usable, buildMs,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

