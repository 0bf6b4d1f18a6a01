/**
 * The catalog cross-check: every custom metric an alarm of the deployment watches is
 * actually published by the collector, with the same namespace, name and dimensions
 * (names and values). An alarm on a metric nobody publishes never fires, or, with missing
 * data breaching, always does: the classic silent failure of monitoring.
 *
 * The collector runs as the deployed Lambda would: the real handler, the settings string
 * the stack puts in TENANTWATCH_SETTINGS, the CloudWatch sink speaking the wire protocol
 * to a local endpoint, against the demo payroll database with its workload (logins,
 * failed logins, a cross-tenant query, a deadlock ...) between a baseline and a run.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudWatchSink } from '../../lambdas/collector/publishers/cloudwatch.js';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { createCollectorHandler } from '../../lambdas/collector/runtime/handler.js';
import { type DeploymentConfig, collectorSettingsEnv, collectorTimeoutSeconds, parseDeploymentConfig } from '../../lambdas/core/config/deployment.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { planAlarms } from '../../lambdas/core/routing/build-routing-table.js';
import { createDemoDatabase, runDemoWorkload } from '../../lambdas/local/demo/index.js';
import { type PostgresServer, startPostgres } from '../../lambdas/local/embedded-postgres.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, type FakeCloudWatch, type ReceivedDatum, startFakeCloudWatch } from '../support/fake-cloudwatch.js';
import { type LocalHttpServer, startLocalHttpServer } from '../support/local-http.js';
import { testedMajors } from '../support/pg-versions.js';
import { exampleWith } from './support/config.js';

const TARGET = 'demo';
const DEMO_TENANTS = 5;
const MS_PER_SECOND = 1000;

interface MetricKey {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

const keyOf = (m: MetricKey) => `${m.namespace} ${m.name} ${JSON.stringify(Object.entries(m.dimensions).sort())}`;

describe.each(testedMajors())('PostgreSQL %i: every custom metric an alarm watches is published by the collector', (major) => {
  let server: PostgresServer;
  let cloudwatch: FakeCloudWatch;
  let health: LocalHttpServer;
  let config: DeploymentConfig;
  let published: readonly ReceivedDatum[] = [];

  beforeAll(async () => {
    server = await startPostgres({ major });
    cloudwatch = await startFakeCloudWatch();
    health = await startLocalHttpServer(() => ({ status: 200, body: 'ok' }));
    const productionUrl = await server.createDatabase('tenantwatch_demo');
    const stateUrl = await server.createDatabase('tenantwatch_state');
    await createDemoDatabase(productionUrl, { tenants: DEMO_TENANTS });

    // The example deployment, pointed at the demo database and the local health endpoint.
    config = parseDeploymentConfig(exampleWith((c) => {
      c.targets[0]!.name = TARGET;
      c.targets[0]!.collector = { healthChecks: [{ name: 'api-health', url: `${health.url}/health` }] };
    }));
    const target = config.targets[0]!;
    const timeoutMs = collectorTimeoutSeconds(target) * MS_PER_SECOND;
    const handler = createCollectorHandler({
      env: {
        [CollectorEnvVar.Settings]: collectorSettingsEnv(target),
        [CollectorEnvVar.DatabaseUrl]: productionUrl,
        [CollectorEnvVar.StateDatabaseUrl]: stateUrl,
      },
      sink: (logger) => createCloudWatchSink({ logger, endpoint: cloudwatch.url, region: FAKE_AWS_REGION, credentials: FAKE_AWS_CREDENTIALS }),
      log: createMemoryLogger(),
    });
    const invoke = () => {
      const started = Date.now();
      return handler({}, { awsRequestId: 'cross-check', getRemainingTimeInMillis: () => timeoutMs - (Date.now() - started) } as Context);
    };

    // Counters need a previous sample: workload, baseline, workload, run.
    await runDemoWorkload(productionUrl, { seed: 1 });
    await invoke();
    cloudwatch.reset();
    await runDemoWorkload(productionUrl, { seed: 2 });
    await invoke();
    published = cloudwatch.accepted();
  });
  afterAll(async () => {
    await health?.stop();
    await cloudwatch?.stop();
    await server?.stop();
  });

  it('publishes, for each alarm of the deployment, every custom metric it reads', () => {
    // Prepare: what the deployed alarms read, AWS-owned metrics (ALB, RDS) aside
    const watched = planAlarms(config).flatMap((planned) => Object.values(planned.queries)
      .filter((q) => q.query.metric.publishable)
      .map((q) => ({ alarm: planned.alarmName, namespace: q.query.metric.namespace, name: q.query.metric.name, dimensions: q.dimensions })));
    const emitted = new Set(published.map((d) => keyOf({ namespace: d.namespace, name: d.metricName, dimensions: d.dimensions })));
    // Act
    const missing = watched.filter((w) => !emitted.has(keyOf(w))).map((w) => `${w.alarm}: ${keyOf(w)}`);
    // Assess
    expect(watched.map((w) => w.name).sort()).toEqual([
      'CacheHitRate', 'CollectorErrors', 'CollectorRuns', 'ConnectionFailures', 'ConnectionUtilization', 'CrossTenantQueries', 'DatabaseUp',
      'Deadlocks', 'DiskReads', 'FailedLoginRate', 'HealthCheckUp', 'QueryLatency', 'TenantIsolationViolations',
    ]);
    expect(missing).toEqual([]);
  });

  it('publishes them with the units the catalog declares', () => {
    const watched = planAlarms(config).flatMap((p) => Object.values(p.queries)).filter((q) => q.query.metric.publishable);
    for (const q of watched) {
      const units = new Set(published.filter((d) => d.metricName === q.query.metric.name && d.namespace === q.query.metric.namespace).map((d) => d.unit));
      expect([...units], q.query.metric.name).toEqual([q.query.metric.unit]);
    }
  });
});
