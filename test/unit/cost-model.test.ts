/** The CloudWatch cost model: metric counts from catalog and settings, alarm billing units, the monthly bill. */
import { describe, expect, it } from 'vitest';
import { tenantSecurityMetricCounts } from '../../lambdas/collector/tenants/cardinality.js';
import { CacheHitRateDegraded, DatabaseDown, DiskIoSpike, Dimension, Namespace } from '../../lambdas/core/catalog/index.js';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import {
  alarmUnitsOfRule, alarmUnitsOfTemplateAlarm, alarmsUsd, countMetrics, customMetricsUsd, monthlyCost, publishedMetricSets, runsPerMonth, templateCounts,
} from '../../lambdas/core/cost/index.js';
import { DEMO_FEATURE_FLAGS } from '../../lambdas/local/demo/plan.js';
import { boundedDimensionValues, renderCostTable, withTargets } from '../bench/cost-table.js';
import type { Measurement } from '../bench/measurements.js';

const defaults = collectorSettingsSchema.parse({ target: 'demo' });
const sum = (xs: readonly { metrics: number }[]) => xs.reduce((n, x) => n + x.metrics, 0);

describe('custom metrics published per target', () => {
  it('is 257 at most for the default config: every per-tenant set at the top 25, every capped application name and endpoint', () => {
    // Act
    const sets = publishedMetricSets(defaults, boundedDimensionValues(defaults, 1_000));
    const byNamespace = (ns: string) => sum(sets.filter((s) => s.namespace === ns));
    // Assess
    expect(countMetrics(sets)).toEqual({ perTarget: 257, perDeployment: 0 });
    expect({
      database: byNamespace(Namespace.Database), tenants: byNamespace(Namespace.Tenants), security: byNamespace(Namespace.Security),
      api: byNamespace(Namespace.Api), collector: byNamespace(Namespace.Collector),
    }).toEqual({ database: 15 + 6 + 11, tenants: 142, security: 9, api: 2 + 21 * 2 + 25, collector: 5 });
    expect(sets.find((s) => s.metric === 'ApiRequests' && s.dimensions.includes(Dimension.Tenant))).toMatchObject({ metrics: 25, perTarget: true });
  });

  it('agrees with the tenant and security layers\' own count (README "Cardinality and cost")', () => {
    // Prepare
    const values = boundedDimensionValues(defaults, 1_000);
    // Act
    const ours = publishedMetricSets(defaults, values).filter((s) => s.namespace === Namespace.Tenants || s.namespace === Namespace.Security);
    const theirs = tenantSecurityMetricCounts(defaults, { Flag: DEMO_FEATURE_FLAGS.length });
    // Assess
    expect(sum(ours)).toBe(151);
    expect(sum(theirs)).toBe(151);
    for (const t of theirs) expect(sum(ours.filter((s) => s.metric === t.metric)), t.metric).toBe(t.metrics);
  });

  it('follows the sources, the top-N cap, the tenant count and the health checks', () => {
    // Prepare
    const noSources = collectorSettingsSchema.parse({ target: 'demo', sources: [], topTenants: 10 });
    const withChecks = collectorSettingsSchema.parse({ target: 'demo', healthChecks: [{ name: 'api', url: 'https://example.com/health' }, { name: 'web', url: 'https://example.com/' }] });
    // Act
    const without = countMetrics(publishedMetricSets(noSources, boundedDimensionValues(noSources, 1_000)));
    const fewTenants = countMetrics(publishedMetricSets(defaults, boundedDimensionValues(defaults, 3)));
    const checks = countMetrics(publishedMetricSets(withChecks, boundedDimensionValues(withChecks, 1_000)));
    // Assess: no source metric at all; per-tenant sets at 10 (activity only)
    expect(without).toEqual({ perTarget: 32 + 3 + 2 * 11 + 1 + 5, perDeployment: 0 });
    expect(fewTenants.perTarget).toBe(257 - 6 * (25 - 3));
    expect(checks).toEqual({ perTarget: 257, perDeployment: 4 });
  });
});

describe('alarm billing units', () => {
  it('counts a threshold alarm as 1 metric, metric math as one per metric read, anomaly detection as 3', () => {
    // Act / Assess
    expect(alarmUnitsOfRule(CacheHitRateDegraded)).toEqual({ metrics: 1, highResolution: false });
    expect(alarmUnitsOfRule(DatabaseDown)).toEqual({ metrics: 2, highResolution: false });
    expect(alarmUnitsOfRule(DiskIoSpike)).toEqual({ metrics: 3, highResolution: false });
    expect(alarmUnitsOfRule({ ...CacheHitRateDegraded, periodSeconds: 10 })).toEqual({ metrics: 1, highResolution: true });
  });

  it('reads the same from CloudFormation alarms', () => {
    // Prepare
    const stat = (id: string, period = 60) => ({ Id: id, MetricStat: { Metric: { MetricName: id, Namespace: 'X' }, Period: period, Stat: 'Sum' }, ReturnData: false });
    const template = {
      Resources: {
        Threshold: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'CacheHitRate', Period: 60 } },
        Fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'CacheHitRate', Period: 10 } },
        Math: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [stat('failures'), stat('up'), { Id: 'expr', Expression: 'failures + (1 - up)', ReturnData: true }] } },
        Anomaly: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [stat('m1', 300), { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)' }], ThresholdMetricId: 'ad1' } },
        Board: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      },
    };
    // Act
    const counts = templateCounts(template);
    // Assess
    expect(counts).toEqual({
      alarms: [{ metrics: 1, highResolution: false }, { metrics: 1, highResolution: true }, { metrics: 2, highResolution: false }, { metrics: 3, highResolution: false }],
      dashboards: 1,
    });
    expect(alarmUnitsOfTemplateAlarm({ Metrics: [stat('a', 30)] })).toEqual({ metrics: 1, highResolution: true });
  });
});

describe('the monthly bill', () => {
  it('prices custom metrics by tier', () => {
    // Act / Assess
    expect(customMetricsUsd(0)).toBe(0);
    expect(customMetricsUsd(257)).toBeCloseTo(77.1, 10);
    expect(customMetricsUsd(10_000)).toBeCloseTo(3_000, 10);
    expect(customMetricsUsd(10_001)).toBeCloseTo(3_000.1, 10);
    expect(customMetricsUsd(1_000_001)).toBeCloseTo(3_000 + 24_000 + 37_500 + 0.02, 6);
  });

  it('adds metrics, alarms, dashboards beyond the free three, requests and log ingestion', () => {
    // Prepare
    const alarms = [{ metrics: 1, highResolution: false }, { metrics: 3, highResolution: false }, { metrics: 1, highResolution: true }];
    // Act
    const cost = monthlyCost({
      targets: 2, metricsPerTarget: 100, metricsPerDeployment: 2, alarms, dashboards: 7,
      putRequestsPerRun: 5, logEventsPerRun: 4, logBytesPerRun: 10_000, scheduleMinutes: 1,
    });
    // Assess
    const runs = 2 * 43_800;
    const gb = (runs * (10_000 + 4 * 26 + 330 + 3 * 26)) / 1024 ** 3;
    expect(runsPerMonth(1)).toBe(43_800);
    expect(runsPerMonth(5)).toBe(8_760);
    expect(alarmsUsd(alarms)).toBeCloseTo(0.7, 10);
    expect(cost.metrics).toEqual({ count: 202, usd: expect.closeTo(60.6, 10) });
    expect(cost.alarms).toEqual({ count: 3, alarmMetrics: 5, usd: expect.closeTo(0.7, 10) });
    expect(cost.dashboards).toEqual({ count: 7, billable: 4, usd: 12 });
    expect(cost.putMetricData).toEqual({ requests: 438_000, usd: expect.closeTo(4.38, 10) });
    expect(cost.logs.gb).toBeCloseTo(gb, 12);
    expect(cost.logs.usd).toBeCloseTo(gb * 0.5, 12);
    expect(cost.totalUsd).toBeCloseTo(60.6 + 0.7 + 12 + 4.38 + gb * 0.5, 10);
  });
});

describe('the cost table', () => {
  it('repeats the example target, keeping the health checks on the first', () => {
    // Prepare
    const example = { targets: [{ name: 'payroll-prod', collector: { healthChecks: [{ name: 'api', url: 'https://x' }] } }] } as never;
    // Act
    const ten = withTargets(example, 10) as unknown as { targets: { name: string; collector: { healthChecks?: unknown[] } }[] };
    const one = withTargets(example, 1) as unknown as { targets: { name: string }[] };
    // Assess
    expect(one.targets.map((t) => t.name)).toEqual(['payroll-prod']);
    expect(ten.targets.map((t) => t.name)).toEqual(Array.from({ length: 10 }, (_, i) => `payroll-prod-${i + 1}`));
    expect(ten.targets.map((t) => t.collector.healthChecks?.length)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('renders one markdown row per configuration, with the prices and the measurements it used', () => {
    // Prepare
    const measurement: Measurement = {
      tenants: 100, postgres: 18, runs: 20, putRequestsPerRun: 5, logLinesPerRun: 4, logBytesPerRun: 6_000, datumsPublishedPerRun: 163,
      uniqueMetricsPerRun: 163, dimensionValues: {}, measuredAt: '2026-11-27T18:00:00.000Z', machine: '2 x AMD EPYC',
    };
    const cost = monthlyCost({ targets: 1, metricsPerTarget: 257, metricsPerDeployment: 2, alarms: [{ metrics: 1, highResolution: false }], dashboards: 4, putRequestsPerRun: 5, logEventsPerRun: 4, logBytesPerRun: 6_000, scheduleMinutes: 1 });
    // Act
    const lines = renderCostTable([{ targets: 1, tenants: 100, cost }], [measurement]).split('\n');
    // Assess
    expect(lines[0]).toMatch(/^\| Targets \| Tenants \| Custom metrics \|/);
    expect(lines[2]).toBe(`| 1 | 100 | 259 | 1 (1) | 4 (1) | 219,000 | ${cost.logs.gb.toFixed(3)} | $77.70 | $0.10 | $3.00 | $2.19 | $${cost.logs.usd.toFixed(2)} | **$${cost.totalUsd.toFixed(2)}** |`);
    expect(lines.at(-1)).toBe('Per-run figures measured by the benchmark (test/bench/measurements.json): 100 tenants: 5 requests and 4 log lines (6,000 bytes) per run (PostgreSQL 18, 2026-11-27).');
  });
});
