/**
 * Hostile tenant schema names (quotes, semicolons, spaces, `"; drop table x; --`, non-ASCII,
 * string-replacement patterns)
 * are discovered, measured by every tenant and security collector, and can never inject
 * SQL: every table is intact and unchanged afterwards.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityCollectors } from '../../lambdas/collector/collectors/security/index.js';
import { tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import type { DemoDatabase } from '../../lambdas/local/demo/create.js';
import { waitUntil } from '../../lambdas/local/demo/workload.js';
import type { PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { TEST_TARGET, databaseChecksum, valueOf, withAdmin } from '../support/runtime-fixtures.js';
import { collectionRunner, createTenantSchemas, logEvents, startDemoTarget } from '../support/tenant-fixtures.js';

const Database = TEST_TARGET;
const HOSTILE = [
  'tenant_"; drop table x; --',
  "tenant_o'brien'); drop table x; --",
  'tenant_with space; select 1',
  'tenant_$1 {{tenant}} \\ */ /*',
  'tenant_zürich',
  // Replacement patterns of String.prototype.replace: `$&` (the match), `$'` and `$\``
  // (the text after and before it) must stay literal when a schema is put into a source.
  'tenant_$&',
  "tenant_$'",
  'tenant_$`',
] as const;
const OPEN_SESSIONS_PER_HOSTILE = 2;

async function tableList(url: string): Promise<string[]> {
  return withAdmin(url, async (c) => (await c.query<{ t: string }>(
    "SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")).rows.map((r) => r.t));
}

describe.each(testedMajors())('hostile tenant schema names on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  let demo: DemoDatabase;
  let run: ReturnType<typeof collectionRunner>;

  beforeAll(async () => {
    const target = await startDemoTarget(major, 3);
    ({ server, prodUrl, demo } = target);
    const { stateUrl } = target;
    await createTenantSchemas(prodUrl, HOSTILE);
    await withAdmin(prodUrl, async (c) => {
      await c.query('CREATE TABLE public.x (id int PRIMARY KEY); INSERT INTO public.x VALUES (1)');
      for (const name of HOSTILE) {
        await c.query(`INSERT INTO ${pg.escapeIdentifier(name)}.sessions (user_id) SELECT g FROM generate_series(1, ${OPEN_SESSIONS_PER_HOSTILE}) g`);
      }
    });
    run = collectionRunner(prodUrl, stateUrl, [...tenantsCollectors, ...securityCollectors], { schemaSwitchSamples: 20 });
    await run(); // baseline
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('discovers and measures every hostile schema, and leaves every table intact and unchanged', async () => {
    // Prepare
    const tablesBefore = await tableList(prodUrl);
    const checksumBefore = await databaseChecksum(prodUrl);
    const tenants = demo.plan.tenants.length + HOSTILE.length;
    const openSessions = demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0) + HOSTILE.length * OPEN_SESSIONS_PER_HOSTILE;
    // Act
    const first = await run();
    const second = await run();
    // Assess
    for (const { result, datums } of [first, second]) {
      expect(result.errors).toEqual([]);
      expect(valueOf(datums, 'TenantCount')).toBe(tenants);
      expect(valueOf(datums, 'ActiveSessions')).toBe(openSessions);
      const switches = datums.find((d) => d.metric.name === 'SchemaSwitchTime');
      expect(switches?.counts?.reduce((n, c) => n + c, 0)).toBe(tenants + 1); // every tenant, and the switch back
      expect(valueOf(datums, 'CrossTenantQueries')).toBe(0);
    }
    expect(await tableList(prodUrl)).toEqual(tablesBefore);
    expect(await databaseChecksum(prodUrl)).toBe(checksumBefore);
  });

  it('attributes activity and a cross-tenant statement to hostile schemas by their exact names', async () => {
    // Prepare
    const [quote, , space] = HOSTILE;
    const departments = `${pg.escapeIdentifier(quote)}.departments`;
    await run(); // a fresh baseline: the previous test's checksum read every table
    await withAdmin(prodUrl, async (c) => {
      await c.query(`INSERT INTO ${departments} (name) VALUES ('Finance'), ('Legal')`);
      await c.query(`SELECT count(*) FROM ${departments} a JOIN ${pg.escapeIdentifier(space)}.departments b ON a.name = b.name`);
    });
    // Statistics reach the shared counters asynchronously
    await waitUntil(() => withAdmin(prodUrl, async (c) => (await c.query<{ n: string }>(
      'SELECT pg_stat_get_tuples_inserted($1::regclass) AS n', [departments])).rows[0]!.n === '2'), 'the inserts to reach the statistics');
    // Act
    const activity = await run();
    // Assess
    expect(activity.result.errors).toEqual([]);
    expect(valueOf(activity.datums, 'CrossTenantQueries')).toBe(1);
    expect(logEvents(activity, 'cross_tenant_statements')[0]).toMatchObject({ rows: [[expect.any(String), 1, [quote, space].sort(), expect.any(String)]] });
    expect(valueOf(activity.datums, 'TenantTuplesWritten', { Database, Tenant: quote })).toBe(2);
    const [line] = logEvents(activity, 'tenant_activity');
    expect((line!.rows as unknown[][]).find((r) => r[1] === quote)?.[3]).toBe(2);
    expect(await tableList(prodUrl)).toContain('public.x');
  });
});
