/**
 * The dashboards against what the collectors really emit. The real runtime runs every
 * collector three times against the demo database (a baseline, then the demo workload before each run)
 * with a health check against a local HTTP server; then:
 * - every custom metric a widget reads is in the published datums, with the same
 *   namespace, name, dimension names and fixed dimension values;
 * - every Logs Insights widget's query reads fields the collector's log line really has,
 *   and its aggregation over those lines gives the table it promises.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCollectors } from '../../lambdas/collector/collectors/index.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import type { Datum } from '../../lambdas/core/metrics/datum.js';
import { createDemoDatabase } from '../../lambdas/local/demo/create.js';
import { runDemoWorkload } from '../../lambdas/local/demo/workload.js';
import { startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { describeDashboards, logsQueries, referencedMetrics, type MetricReference } from '../../lib/dashboards/describe.js';
import type { DashboardsInput } from '../../lib/dashboards/input.js';
import type { LogsQuery } from '../../lib/dashboards/model.js';
import { testedMajors } from '../support/pg-versions.js';
import { connectionSettingsFromUrl, productionConnector } from '../support/runtime-fixtures.js';

const TARGET = 'demo';
const ENDPOINT = 'api-health';
const TENANTS = 8;
const WORKLOAD_SEED = 7;
const stateOptions = { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 };

/** Does this datum satisfy the reference (same metric, same dimension names, fixed values equal)? */
function satisfies(d: Datum, ref: MetricReference): boolean {
  if (d.metric.namespace !== ref.namespace || d.metric.name !== ref.name) return false;
  if (Object.keys(d.dimensions).sort().join(',') !== ref.dimensionNames.join(',')) return false;
  return Object.entries(ref.dimensions).every(([k, v]) => d.dimensions[k] === v);
}

const label = (r: MetricReference) => `${r.dashboard} / ${r.widget}: ${r.namespace} ${r.name} [${r.dimensionNames.join(', ')}] ${JSON.stringify(r.dimensions)}`;

/** The field names a Logs Insights query reads from each list entry (`s.field`). */
function entryFieldsRead(query: LogsQuery): string[] {
  const text = query.lines.join('\n');
  const entry = /unnest line\.\w+ into (\w+)/.exec(text)?.[1];
  if (!entry) return [];
  return [...new Set([...text.matchAll(new RegExp(`\\b${entry}\\.(\\w+)`, 'g'))].map((m) => m[1]!))].sort();
}

describe.each(testedMajors())('dashboards vs. a collector run on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let health: Server;
  const datums: Datum[] = [];
  const log = createMemoryLogger('collector');

  beforeAll(async () => {
    server = await startPostgres({ major });
    const prodUrl = await server.createDatabase('demo');
    const stateUrl = await server.createDatabase('tenantwatch_state');
    await createDemoDatabase(prodUrl, { tenants: TENANTS });
    health = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    const settings = collectorSettingsSchema.parse({
      target: TARGET,
      healthChecks: [{ name: ENDPOINT, url: `http://127.0.0.1:${(health.address() as AddressInfo).port}/health` }],
    });
    const run = () => runCollection({
      settings, collectors: allCollectors, sink: createLocalSink(), log,
      connect: productionConnector(prodUrl, settings),
      openStateStore: () => openPgStateStore(connectionSettingsFromUrl(stateUrl), stateOptions),
    });
    // A baseline, then two workload rounds: statements first seen in a run are new entries
    // without a delta, so QueryLatency and the top-10 line need the third run.
    datums.push(...(await run()).datums);
    for (const round of [0, 1]) {
      await runDemoWorkload(prodUrl, { seed: WORKLOAD_SEED + round });
      datums.push(...(await run()).datums);
    }
  });
  afterAll(async () => {
    if (health) {
      health.closeAllConnections();
      await new Promise((resolve) => health.close(resolve));
    }
    await server?.stop();
  });

  const input: DashboardsInput = {
    targets: [{ name: TARGET, rdsInstanceId: 'payroll-db' }],
    api: { loadBalancerFullName: 'app/payroll/0123456789abcdef', targetGroupFullName: 'targetgroup/api/0123456789abcdef' },
    healthChecks: [{ name: ENDPOINT }],
    collectorLogGroups: { [TARGET]: '/aws/lambda/tenantwatch-collector-demo' },
    alarms: [],
  };

  it('emits every custom metric a widget reads, with the same namespace, name and dimensions', () => {
    // Act
    const refs = describeDashboards(input).flatMap(referencedMetrics).filter((r) => r.published);
    const missing = refs.filter((r) => !datums.some((d) => satisfies(d, r))).map(label);
    // Assess
    expect(refs.length).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });

  it('writes the log line each Logs Insights widget reads, with every field its query uses', () => {
    const queries = describeDashboards(input).flatMap(logsQueries);
    expect(queries.length).toBe(1);
    for (const { query } of queries) {
      // Act
      const lines = log.records().filter((r) => r.event === query.event);
      const entries = lines.flatMap((l) => (query.listField ? (l[query.listField] as Record<string, unknown>[] | undefined) ?? [] : [l]));
      // Assess: the query reads exactly the declared fields, and every entry has them.
      expect(entryFieldsRead(query)).toEqual([...query.fields].sort());
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) expect(Object.keys(e).sort()).toEqual(expect.arrayContaining([...query.fields].sort()));
    }
  });

  it('gives the top-10 table the query promises: per query id, total time / calls, slowest first', () => {
    // Prepare: the collector's own entries.
    const entries = log.records().filter((r) => r.event === 'top_statements')
      .flatMap((l) => l.statements as { queryid: string; calls: number; mean_ms: number; total_ms: number; query: string }[]);
    // Act: what `stats sum(s.total_ms) / sum(s.calls) as mean_ms ... by s.queryid | sort mean_ms desc | limit 10` computes.
    const byId = new Map<string, { calls: number; total: number }>();
    for (const e of entries) {
      const agg = byId.get(e.queryid) ?? { calls: 0, total: 0 };
      byId.set(e.queryid, { calls: agg.calls + e.calls, total: agg.total + e.total_ms });
    }
    const table = [...byId].map(([id, a]) => ({ id, mean: a.total / a.calls })).sort((x, y) => y.mean - x.mean).slice(0, 10);
    // Assess: types as the query needs them, and for one interval the aggregate equals the collector's mean.
    expect(table.length).toBeGreaterThan(0);
    expect(table.length).toBeLessThanOrEqual(10);
    for (const e of entries) {
      expect([typeof e.queryid, typeof e.calls, typeof e.mean_ms, typeof e.total_ms, typeof e.query]).toEqual(['string', 'number', 'number', 'number', 'string']);
      expect(e.calls).toBeGreaterThan(0);
      expect(e.total_ms / e.calls).toBeCloseTo(e.mean_ms, 1);
    }
  });
});
