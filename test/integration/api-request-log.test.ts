/**
 * The request-log source against the demo database: exact per-interval request counts in
 * total, per tenant (top N) and per endpoint (busiest 20, the rest as "(other)"), and the
 * application's request durations as distributions.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorResult } from '../../lambdas/collector/collector.js';
import { API_SOURCES_COLLECTOR, apiCollectors } from '../../lambdas/collector/collectors/api/index.js';
import { DEFAULT_SOURCES } from '../../lambdas/core/config/sources.js';
import {
  NO_TENANT, OTHER_ENDPOINTS, REQUEST_LOG_SOURCE, REQUEST_LOG_SOURCE_NAME, REQUEST_LOG_TOP_ENDPOINTS,
} from '../../lambdas/core/config/request-log-source.js';
import { createDemoDatabase } from '../../lambdas/local/demo/create.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { createCollectorHarness, type CollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';

const TENANTS = 4;
const TOP_TENANTS = 2;
const apiSources = apiCollectors.find((c) => c.name === API_SOURCES_COLLECTOR)!;

type Dims = Record<string, string>;
const sameDims = (a: Readonly<Dims>, b: Readonly<Dims>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

function datumsOf(result: CollectorResult, metric: string, dimensionNames: readonly string[]) {
  return result.datums.filter((d) => d.metric.name === metric && sameDims(
    Object.fromEntries(Object.keys(d.dimensions).map((k) => [k, ''])),
    Object.fromEntries(['Database', ...dimensionNames].map((k) => [k, ''])),
  ));
}

/** Values by the given dimension (e.g. Tenant -> count) of one dimension set. */
function byDimension(result: CollectorResult, metric: string, dimension?: string): Record<string, number> {
  return Object.fromEntries(datumsOf(result, metric, dimension ? [dimension] : [])
    .map((d) => [dimension ? d.dimensions[dimension]! : 'total', d.value!]));
}

/** A distribution as sorted [value, count] pairs. */
function distribution(result: CollectorResult, metric: string, dims: Dims): [number, number][] {
  const found = result.datums.filter((d) => d.metric.name === metric && sameDims(d.dimensions, { Database: 'demo', ...dims }));
  expect(found.length).toBe(1);
  const d = found[0]!;
  return (d.values ?? []).map((v, i): [number, number] => [v, d.counts![i]!]).sort((a, b) => a[0] - b[0]);
}

describe.each(testedMajors())('request-log source on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let url: string;
  let admin: pg.Client;
  let harness: CollectorHarness;
  let tenantIds: number[];
  let schemas: string[];

  beforeAll(async () => {
    server = await startPostgres({ major });
    url = await server.createDatabase('demo');
    await createDemoDatabase(url, { tenants: TENANTS });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const tenants = await admin.query<{ id: number; schema_name: string }>('SELECT id, schema_name FROM app.tenants ORDER BY id');
    tenantIds = tenants.rows.map((t) => t.id);
    schemas = tenants.rows.map((t) => t.schema_name);
    harness = await createCollectorHarness(url, { settings: { sources: [REQUEST_LOG_SOURCE], topTenants: TOP_TENANTS } });
    // Baseline: the first run only records where its window ends.
    await harness.run(apiSources);
  });
  afterAll(async () => {
    await harness?.close();
    await admin?.end();
    await server?.stop();
  });

  /**
   * Runs the source with a window that ends after the last row written: PostgreSQL stamps
   * rows in microseconds, a JavaScript Date has milliseconds, and a run in the same
   * millisecond as the last insert would otherwise leave it to the next window.
   */
  async function runAfterWrites(): Promise<CollectorResult> {
    const { rows } = await admin.query<{ last: Date | null }>('SELECT max(occurred_at) AS last FROM app.request_log');
    const last = rows[0]?.last?.getTime() ?? 0;
    return harness.run(apiSources, { now: new Date(Math.max(Date.now(), last + 1)) });
  }

  async function requests(rows: readonly [tenant: number | null, endpoint: string, durationMs: number][]): Promise<void> {
    for (const [tenant, endpoint, ms] of rows) {
      await admin.query('INSERT INTO app.request_log (tenant_id, method, endpoint, status, duration_ms) VALUES ($1, $2, $3, 200, $4)', [tenant, 'GET', endpoint, ms]);
    }
  }

  it('publishes the interval\'s requests in total, for the top tenants and per endpoint, and their durations', async () => {
    // Prepare: tenant 0 five requests, tenant 1 three, tenant 2 one, two without a tenant.
    const [a, b, c] = [tenantIds[0]!, tenantIds[1]!, tenantIds[2]!];
    await requests([
      [a, '/api/employees', 10], [a, '/api/employees', 10], [a, '/api/employees', 20], [a, '/api/employees', 30], [a, '/api/employees', 40],
      [b, '/api/payslips/{id}', 100], [b, '/api/payslips/{id}', 200], [b, '/api/payslips/{id}', 300],
      [c, '/api/employees', 15],
      [null, '/api/login', 5], [null, '/api/login', 5],
    ]);
    // Act
    const result = await runAfterWrites();
    // Assess
    expect(result.errors).toEqual([]);
    expect(byDimension(result, 'ApiRequests')).toEqual({ total: 11 });
    // The top 2 of tenant 0 (5), tenant 1 (3), (none) (2), tenant 2 (1).
    expect(byDimension(result, 'ApiRequests', 'Tenant')).toEqual({ [schemas[0]!]: 5, [schemas[1]!]: 3 });
    expect(byDimension(result, 'ApiRequests', 'Endpoint')).toEqual({ '/api/employees': 6, '/api/payslips/{id}': 3, '/api/login': 2 });
    expect(distribution(result, 'ApiRequestDuration', { Endpoint: '/api/employees' })).toEqual([[10, 2], [15, 1], [20, 1], [30, 1], [40, 1]]);
    expect(distribution(result, 'ApiRequestDuration', {})).toEqual([[5, 2], [10, 2], [15, 1], [20, 1], [30, 1], [40, 1], [100, 1], [200, 1], [300, 1]]);
    expect(datumsOf(result, 'ApiRequestDuration', ['Tenant'])).toEqual([]);
  });

  it('counts every request once: the next interval without requests publishes nothing', async () => {
    // Act
    const result = await runAfterWrites();
    // Assess
    expect(result.datums).toEqual([]);
    expect(result.errors).toEqual([]);
  });

  it(`keeps the busiest ${REQUEST_LOG_TOP_ENDPOINTS} endpoints and counts the rest as ${OTHER_ENDPOINTS}`, async () => {
    // Prepare: 20 endpoints twice each, two more once each.
    const endpoint = (i: number) => `/e${String(i).padStart(2, '0')}`;
    const busy = Array.from({ length: REQUEST_LOG_TOP_ENDPOINTS }, (_, i) => endpoint(i + 1));
    await requests([...busy, ...busy, endpoint(21), endpoint(22)].map((e): [number, string, number] => [tenantIds[3]!, e, 1]));
    // Act
    const result = await runAfterWrites();
    // Assess
    expect(byDimension(result, 'ApiRequests', 'Endpoint')).toEqual({ ...Object.fromEntries(busy.map((e) => [e, 2])), [OTHER_ENDPOINTS]: 2 });
    expect(byDimension(result, 'ApiRequests')).toEqual({ total: 2 * REQUEST_LOG_TOP_ENDPOINTS + 2 });
  });

  it('names requests without a tenant', async () => {
    // Prepare
    await requests([[null, '/api/login', 7]]);
    // Act
    const result = await runAfterWrites();
    // Assess
    expect(byDimension(result, 'ApiRequests', 'Tenant')).toEqual({ [NO_TENANT]: 1 });
  });
});

describe('request-log source registration', () => {
  it('is a default source and runs in the api-sources collector', () => {
    expect(DEFAULT_SOURCES.map((s) => s.name)).toContain(REQUEST_LOG_SOURCE_NAME);
    expect(apiCollectors.map((c) => c.name)).toEqual([API_SOURCES_COLLECTOR, 'health-checks']);
  });
});
