/**
 * CrossTenantQueries from pg_stat_statements: one injected cross-tenant statement counts 1
 * in its interval and 0 in the next; statements naming one tenant, and tenantwatch's own
 * perTenant UNION ALL over every tenant, are not counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CROSS_TENANT_COLLECTOR } from '../../lambdas/collector/collectors/security/cross-tenant-queries.js';
import { securityCollectors } from '../../lambdas/collector/collectors/security/index.js';
import { TENANT_SOURCES_COLLECTOR, tenantsCollectors } from '../../lambdas/collector/collectors/tenants/index.js';
import type { DemoDatabase } from '../../lambdas/local/demo/create.js';
import { crossTenantQuery, repeatStatement } from '../../lambdas/local/demo/workload.js';
import type { PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { valueOf } from '../support/runtime-fixtures.js';
import { collectionRunner, createTenantSchemas, logEvents, startDemoTarget } from '../support/tenant-fixtures.js';

describe.each(testedMajors())('cross-tenant statements on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  let demo: DemoDatabase;
  let run: ReturnType<typeof collectionRunner>;

  beforeAll(async () => {
    const target = await startDemoTarget(major, 6);
    ({ server, prodUrl, demo } = target);
    const { stateUrl } = target;
    const collectors = [
      ...tenantsCollectors.filter((c) => c.name === TENANT_SOURCES_COLLECTOR),
      ...securityCollectors.filter((c) => c.name === CROSS_TENANT_COLLECTOR),
    ];
    run = collectionRunner(prodUrl, stateUrl, collectors);
    await run(); // baseline: every statement so far is old
    await run(); // the baseline run's own statements are new once: let them age
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('counts one injected cross-tenant statement in its interval and none in the next', async () => {
    // Prepare
    const [a, b, c] = demo.plan.tenants;
    await repeatStatement(prodUrl, `SELECT count(*) FROM "${c!.schema}".employees WHERE active`, 3);
    const injected = await crossTenantQuery(prodUrl, { tenants: [a!.slug, b!.slug] });
    // Act
    const first = await run();
    const second = await run();
    // Assess
    expect(first.result.errors).toEqual([]);
    expect(valueOf(first.datums, 'CrossTenantQueries')).toBe(1);
    expect(valueOf(second.datums, 'CrossTenantQueries')).toBe(0);
    const [line] = logEvents(first, 'cross_tenant_statements');
    expect(line).toMatchObject({ count: 1, columns: ['queryid', 'calls', 'schemas', 'query'] });
    const row = (line!.rows as [string, number, string[], string][])[0]!;
    expect(row[0]).toMatch(/^-?\d+$/);
    expect(row[1]).toBe(1);
    expect(row[2]).toEqual([...injected.schemas].sort());
    expect(row[3]).toContain(`${a!.schema}`);
    expect(logEvents(second, 'cross_tenant_statements')).toEqual([]);
  });

  it('does not count tenantwatch\'s own perTenant statements, which name every tenant schema', async () => {
    // Prepare: a new tenant changes the perTenant UNION ALL, so it is a new entry this interval
    await createTenantSchemas(prodUrl, ['tenant_newcomer']);
    // Act
    const { datums, result } = await run();
    // Assess
    expect(result.errors).toEqual([]);
    expect(valueOf(datums, 'ActiveSessions')).toBe(demo.plan.tenants.reduce((n, t) => n + t.openSessions, 0));
    expect(valueOf(datums, 'CrossTenantQueries')).toBe(0);
  });

  it('publishes nothing on the first run: without a previous sample, new cannot be told from old', async () => {
    // Prepare
    const stateUrl = await server.createDatabase('fresh_state');
    const fresh = collectionRunner(prodUrl, stateUrl, securityCollectors.filter((c) => c.name === CROSS_TENANT_COLLECTOR));
    // Act
    const { datums } = await fresh();
    // Assess
    expect(valueOf(datums, 'CrossTenantQueries')).toBeUndefined();
  });
});
