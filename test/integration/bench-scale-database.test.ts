/**
 * The benchmark's scale database: the demo built over several sessions (what keeps a
 * 10,000-tenant build linear) is the same demo, and a cached scale database is reused,
 * with the shipped monitoring role and a fresh pg_stat_statements population each time.
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoDatabase } from '../../lambdas/local/demo/create.js';
import { DEMO_APP_ROLE, quoteIdent } from '../../lambdas/local/demo/schema.js';
import { DEFAULT_POSTGRES_MAJOR, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { silentProgress } from '../bench/progress.js';
import { COLLECTOR_ROLE, SCALE_DATABASE_FORMAT, cachedDataDir, openScaleDatabase } from '../bench/scale-database.js';
import { STATEMENT_SHAPES } from '../bench/statement-population.js';
import { withAdmin } from '../support/runtime-fixtures.js';

/** A seed whose first tenant has a salt near 2^31, and the multiplier of the salary spread in seed-sql.ts. */
const BIG_SALT_SEED = 12_667;
const SALARY_SPREAD_MULTIPLIER = 7_919;

describe('the demo built over several sessions', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is the planned demo, owned by the application role, its DDL untracked, in every session', async () => {
    // Prepare
    const url = await server.createDatabase('sessions');
    // Act: 60 tenants, 25 per session: three building sessions
    const demo = await createDemoDatabase(url, { tenants: 60, tenantsPerSession: 25 });
    // Assess
    const last = demo.plan.tenants.at(-1)!;
    const facts = await withAdmin(url, async (c) => ({
      tenants: (await c.query<{ n: string; schemas: string }>(`SELECT count(*) AS n, count(DISTINCT n.oid) AS schemas FROM app.tenants t JOIN pg_namespace n ON n.nspname = t.schema_name`)).rows[0],
      employees: (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(last.schema)}.employees`)).rows[0]!.n,
      owner: (await c.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE schemaname = $1 AND tablename = 'payslips'`, [last.schema])).rows[0]!.owner,
      ddl: (await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_statements WHERE query LIKE 'CREATE TABLE%'")).rows[0]!.n,
      nextId: (await c.query<{ id: number }>("INSERT INTO app.tenants (slug, schema_name, display_name) VALUES ('x', 'tenant_x', 'X') RETURNING id")).rows[0]!.id,
    }));
    expect(facts).toEqual({ tenants: { n: '60', schemas: '60' }, employees: String(last.employees), owner: DEMO_APP_ROLE, ddl: '0', nextId: 61 });
  });

  it('builds tenants whose salt is close to 2^31 (the 10,000-tenant database has six)', async () => {
    // Prepare: with seed 12667 the first tenant's salt (2,147,273,635) plus 40 employees x 7,919 overflows integer
    const url = await server.createDatabase('big_salt');
    // Act
    const demo = await createDemoDatabase(url, { tenants: 1, seed: BIG_SALT_SEED });
    // Assess
    const tenant = demo.plan.tenants[0]!;
    expect(tenant.salt + tenant.employees * SALARY_SPREAD_MULTIPLIER).toBeGreaterThan(2 ** 31 - 1);
    const employees = await withAdmin(url, async (c) => (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(tenant.schema)}.employees`)).rows[0]!.n);
    expect(Number(employees)).toBe(tenant.employees);
  });

  it('refuses a session size that is not a positive integer', async () => {
    // Act / Assess
    await expect(createDemoDatabase(server.url(), { tenants: 1, tenantsPerSession: 0 })).rejects.toThrow('tenantsPerSession must be a positive integer, got 0');
  });
});

describe('a cached scale database', () => {
  const tenants = 30;
  const entries = 90;
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'tenantwatch-bench-cache-'));
    // The server runs as the postgres OS user when we are root: the directory must be reachable.
    await chmod(cacheDir, 0o755);
  });
  afterAll(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('is built once, then reused with the monitoring role and the same statement population', async () => {
    // Act
    const opened = [];
    for (let i = 0; i < 2; i++) {
      const db = await openScaleDatabase({ tenants, major: DEFAULT_POSTGRES_MAJOR, statementEntries: entries, cacheDir, progress: silentProgress });
      try {
        const client = new pg.Client({ connectionString: db.collectorUrl });
        await client.connect();
        try {
          const who = (await client.query<{ user: string; sessions: string }>(`SELECT current_user AS user, (SELECT count(*) FROM ${quoteIdent(db.plan.tenants[0]!.schema)}.sessions) AS sessions`)).rows[0];
          opened.push({ built: db.built, entries: db.statementEntries, shapes: db.shapesPerTenant, who, state: await withAdmin(db.stateUrl, async (c) => (await c.query('SELECT current_database() AS db')).rows[0]) });
        } finally {
          await client.end();
        }
      } finally {
        await db.server.stop();
      }
    }
    // Assess: 3 shapes x 30 tenants, plus the search_path switch (one entry for all), the reset and the count itself
    const marker = JSON.parse(await readFile(`${cachedDataDir(cacheDir, DEFAULT_POSTGRES_MAJOR, tenants)}.json`, 'utf8')) as Record<string, unknown>;
    expect(opened.map((o) => o.built)).toEqual([true, false]);
    for (const o of opened) {
      expect(o).toMatchObject({ entries: tenants * 3 + 3, shapes: 3, who: { user: COLLECTOR_ROLE }, state: { db: 'bench_state' } });
    }
    expect(STATEMENT_SHAPES.length).toBeGreaterThanOrEqual(3);
    expect(marker).toMatchObject({ format: SCALE_DATABASE_FORMAT, tenants, major: DEFAULT_POSTGRES_MAJOR, roleSql: expect.stringMatching(/^[0-9a-f]{64}$/) });
  }, 120_000);
});
