/**
 * Creates the demo payroll database: the shared `app` schema and N tenant schemas with
 * seeded rows, deterministic from a seed. Batched: BATCH_TENANTS tenants per round trip
 * (one transaction each, small enough for the default lock table even with a low
 * max_connections), so a thousand tenants take seconds, not minutes.
 */
import pg from 'pg';
import { DEFAULT_DEMO_SEED, DEFAULT_DEMO_TENANTS, planDemo, rowCounts, type DemoPlan, type DemoRowCounts } from './plan.js';
import { DEMO_APP_ROLE, SHARED_SCHEMA, quoteIdent, sharedSchemaSql } from './schema.js';
import { featureFlagsSql, tenantBatchSql } from './seed-sql.js';

/**
 * Tenants per round trip. Each tenant creates ~35 relations (tables, sequences, indexes,
 * TOAST), all locked until commit; 25 tenants stay below the shared lock table of a
 * server with max_connections = 20 (64 locks per connection by default).
 */
export const BATCH_TENANTS = 25;
/**
 * Tenants per session. A session keeps a cache entry for every relation it created: the
 * one session that built 5,000 tenants (175,000 relations) had grown to 700 MB and took
 * 35 s per batch, where a fresh session took 1.6 s. A new session every 1,000 tenants
 * keeps the build linear (the benchmark's 10,000 tenants).
 */
export const DEFAULT_TENANTS_PER_SESSION = 1_000;

export interface CreateDemoOptions {
  /** Number of tenant schemas (default 20). */
  readonly tenants?: number;
  /** PRNG seed: the same seed always gives the same rows. */
  readonly seed?: number;
  /** Run CREATE EXTENSION pg_stat_statements too (default true). */
  readonly pgStatStatements?: boolean;
  /** Tenants created per database session (default DEFAULT_TENANTS_PER_SESSION). */
  readonly tenantsPerSession?: number;
}

export interface DemoDatabase {
  readonly plan: DemoPlan;
  readonly rowCounts: DemoRowCounts;
  /** Wall time of the creation, for the README's scaling figure. */
  readonly elapsedMs: number;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'tenantwatch-demo-setup' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** pg_stat_statements must also be in shared_preload_libraries (the embedded server does that). */
export async function createPgStatStatementsExtension(url: string): Promise<void> {
  await withClient(url, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
}

/**
 * The application's role (cluster-wide, so created once per server): it owns every demo
 * object and the workload runs as it, as a real API would, so pg_stat_statements
 * attributes the workload to it and not to the role tenantwatch connects as.
 */
async function createAppRole(client: pg.Client): Promise<void> {
  const role = quoteIdent(DEMO_APP_ROLE);
  await client.query(`DO $$ BEGIN CREATE ROLE ${role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
  await client.query(`GRANT CREATE ON DATABASE ${quoteIdent(db)} TO ${role}`);
}

/**
 * Creates the demo in an empty database. Needs a superuser URL (the embedded server's):
 * it creates the pg_stat_statements extension and the application role, then builds
 * everything as that role with statement tracking off, so the thousands of DDL statements
 * do not crowd the workload out of pg_stat_statements.
 */
/** Every building session: statement tracking off, then the application role. */
async function asDemoOwner(client: pg.Client): Promise<void> {
  // A placeholder setting when the library is not loaded: harmless.
  await client.query("SELECT set_config('pg_stat_statements.track', 'none', false)");
  await client.query(`SET ROLE ${quoteIdent(DEMO_APP_ROLE)}`);
}

export async function createDemoDatabase(url: string, options: CreateDemoOptions = {}): Promise<DemoDatabase> {
  const started = performance.now();
  const plan = planDemo(options.tenants ?? DEFAULT_DEMO_TENANTS, options.seed ?? DEFAULT_DEMO_SEED);
  const perSession = options.tenantsPerSession ?? DEFAULT_TENANTS_PER_SESSION;
  if (!Number.isInteger(perSession) || perSession < 1) throw new Error(`tenantsPerSession must be a positive integer, got ${perSession}`);
  await withClient(url, async (client) => {
    const existing = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [SHARED_SCHEMA]);
    if (existing.rowCount) throw new Error(`the demo database needs an empty database: schema "${SHARED_SCHEMA}" already exists`);
    if (options.pgStatStatements !== false) await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await createAppRole(client);
    await asDemoOwner(client);
    await client.query(`${sharedSchemaSql}\n${featureFlagsSql()}`);
  });
  for (let s = 0; s < plan.tenants.length; s += perSession) {
    const tenants = plan.tenants.slice(s, s + perSession);
    await withClient(url, async (client) => {
      await asDemoOwner(client);
      for (let i = 0; i < tenants.length; i += BATCH_TENANTS) {
        await client.query(tenantBatchSql(tenants.slice(i, i + BATCH_TENANTS)));
      }
    });
  }
  await withClient(url, async (client) => {
    await asDemoOwner(client);
    // Tenants were inserted with explicit ids; later inserts (tests, the workload) use the sequence.
    await client.query("SELECT setval(pg_get_serial_sequence('app.tenants', 'id'), (SELECT max(id) FROM app.tenants))");
  });
  return { plan, rowCounts: rowCounts(plan), elapsedMs: Math.round(performance.now() - started) };
}
