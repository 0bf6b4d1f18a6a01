/**
 * SchemaSwitchTime: the SET search_path round trip over a sample of tenant schemas (a
 * hostile name among them), one statement per sampled tenant, published as a
 * distribution; the session's search_path is the same afterwards.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collector } from '../../lambdas/collector/collector.js';
import { schemaSwitch } from '../../lambdas/collector/collectors/tenants/schema-switch.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { createCollectorHarness, type CollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';
import { withAdmin } from '../support/runtime-fixtures.js';

const SCHEMAS = ['tenant_a', 'tenant_b', 'tenant_"; set search_path to evil; --', 'tenant_c', 'tenant_d', 'tenant_e'];
const SAMPLES = 4;

describe.each(testedMajors())('schema switch time on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let harness: CollectorHarness;

  beforeAll(async () => {
    server = await startPostgres({ major });
    const url = await server.createDatabase('production');
    await withAdmin(url, (c) => c.query(SCHEMAS.map((s) => `CREATE SCHEMA ${pg.escapeIdentifier(s)};`).join('\n')));
    harness = await createCollectorHarness(url, { settings: { schemaSwitchSamples: SAMPLES } });
  });
  afterAll(async () => {
    await harness?.close();
    await server?.stop();
  });

  it('times one SET search_path per sampled tenant and the switch back, and publishes them as one distribution', async () => {
    // Act
    const run = await harness.runCounted(schemaSwitch);
    // Assess
    expect(run.statements).toBe(1 + SAMPLES + 1); // discovery + one SET per sampled tenant + the switch back
    const [d] = run.result.datums;
    expect(run.result.datums).toHaveLength(1);
    expect(d).toMatchObject({ metric: { name: 'SchemaSwitchTime' }, dimensions: { Database: 'demo' } });
    expect(d!.counts!.reduce((n, c) => n + c, 0)).toBe(SAMPLES + 1);
    expect(d!.values!.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });

  it('samples every tenant, the hostile one included, when the sample is large enough, and restores search_path', async () => {
    // Prepare
    const all = await createCollectorHarness(server.url('production'), { settings: { schemaSwitchSamples: SCHEMAS.length + 3 } });
    const seen: string[] = [];
    const probe = collector({
      name: 'search-path-probe', layer: 'tenants', timeoutMs: 1_000,
      async collect(ctx) {
        seen.push((await ctx.db.query<{ p: string }>("SELECT current_setting('search_path') AS p"))[0]!.p);
        return { datums: [] };
      },
    });
    try {
      await all.run(probe);
      // Act
      const run = await all.runCounted(schemaSwitch);
      await all.run(probe);
      // Assess
      expect(run.statements).toBe(1 + SCHEMAS.length + 1);
      expect(run.result.datums[0]!.counts!.reduce((n, c) => n + c, 0)).toBe(SCHEMAS.length + 1);
      expect(seen).toHaveLength(2);
      expect(seen[1]).toBe(seen[0]);
    } finally {
      await all.close();
    }
  });
});
