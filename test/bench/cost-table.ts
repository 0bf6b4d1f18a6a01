/**
 * The README's monthly CloudWatch cost table, computed: the deployment from a config (the
 * committed example, repeated for more targets), its alarms and dashboards from the
 * synthesised CloudFormation template, its custom metrics from the catalog, the settings
 * and the collectors' own caps, and per-run PutMetricData requests and log bytes from a
 * benchmark run (test/bench/measurements.json). Everything but the synthesis is pure.
 */
import { ConnectionState, MAX_APPLICATION_NAMES } from '../../lambdas/collector/collectors/database/activity.js';
import { type CatalogMetric, Dimension, HealthCheckLatency, HealthCheckUp } from '../../lambdas/core/catalog/index.js';
import type { CollectorSettings } from '../../lambdas/core/config/collector-settings.js';
import { type DeploymentConfig, type DeploymentConfigInput, collectorSettingsFor } from '../../lambdas/core/config/deployment.js';
import { REQUEST_LOG_TOP_ENDPOINTS } from '../../lambdas/core/config/request-log-source.js';
import {
  type DimensionValues, type MonthlyCost, type TemplateCounts, countMetrics, monthlyCost, publishedMetricSets,
} from '../../lambdas/core/cost/index.js';
import * as prices from '../../lambdas/core/cost/prices.js';
import { DEMO_FEATURE_FLAGS } from '../../lambdas/local/demo/plan.js';
import type { Measurement, Measurements } from './measurements.js';

export const COST_TARGETS = [1, 10] as const;
export const COST_TENANTS = [100, 1_000, 10_000] as const;

/**
 * Distinct values of the data-dependent dimensions: the bounds the collectors enforce
 * (application names and endpoints are capped, "other" included), every connection
 * state (published even at 0), the demo's feature flags (the app's flag table is not
 * capped), and no failing collector (CollectorErrors per collector only for failures).
 */
export function boundedDimensionValues(settings: Pick<CollectorSettings, 'topTenants' | 'healthChecks'>, tenants: number): DimensionValues {
  const bounds: Readonly<Record<string, number>> = {
    [Dimension.State]: Object.values(ConnectionState).length,
    [Dimension.ApplicationName]: MAX_APPLICATION_NAMES + 1,
    [Dimension.Flag]: DEMO_FEATURE_FLAGS.length,
    [Dimension.Collector]: 0,
  };
  return (dimension: string, metric: CatalogMetric) => {
    if (dimension === Dimension.Tenant) return Math.min(settings.topTenants, tenants);
    if (dimension === Dimension.Endpoint) {
      const healthCheckMetrics: readonly CatalogMetric[] = [HealthCheckUp, HealthCheckLatency];
      return healthCheckMetrics.includes(metric) ? settings.healthChecks.length : REQUEST_LOG_TOP_ENDPOINTS + 1;
    }
    const n = bounds[dimension];
    if (n === undefined) throw new Error(`cost model: no value count for dimension ${dimension} of ${metric.name}`);
    return n;
  };
}

/** The example config with `targets` database targets (health checks stay on the first only, as the config requires). */
export function withTargets(example: DeploymentConfigInput, targets: number): DeploymentConfigInput {
  const template = example.targets[0];
  if (!template) throw new Error('the example config has no target');
  return {
    ...example,
    targets: Array.from({ length: targets }, (_, i) => ({
      ...template,
      name: targets === 1 ? template.name : `${template.name}-${i + 1}`,
      collector: { ...template.collector, ...(i === 0 ? {} : { healthChecks: [] }) },
    })),
  };
}

export interface CostRow {
  readonly targets: number;
  readonly tenants: number;
  readonly cost: MonthlyCost;
}

export function costRow(config: DeploymentConfig, deployed: TemplateCounts, tenants: number, measured: Measurement): CostRow {
  const counts = config.targets.map((t) => {
    const settings = collectorSettingsFor(t);
    return countMetrics(publishedMetricSets(settings, boundedDimensionValues(settings, tenants)));
  });
  const first = config.targets[0]!;
  const cost = monthlyCost({
    targets: config.targets.length,
    metricsPerTarget: counts[0]!.perTarget,
    metricsPerDeployment: counts.reduce((n, c) => n + c.perDeployment, 0),
    alarms: deployed.alarms,
    dashboards: deployed.dashboards,
    putRequestsPerRun: measured.putRequestsPerRun,
    logEventsPerRun: measured.logLinesPerRun,
    logBytesPerRun: measured.logBytesPerRun,
    scheduleMinutes: first.scheduleMinutes,
  });
  return { targets: config.targets.length, tenants, cost };
}

export function measurementFor(measurements: Measurements, tenants: number): Measurement {
  const m = measurements[String(tenants)];
  if (!m) throw new Error(`no benchmark figures for ${tenants} tenants: run npm run bench -- --tenants ${tenants} --record`);
  return m;
}

const usd = (x: number) => `$${x.toFixed(2)}`;
const int = (x: number) => Math.round(x).toLocaleString('en-US');

export function renderCostTable(rows: readonly CostRow[], measurements: readonly Measurement[]): string {
  const header = '| Targets | Tenants | Custom metrics | Alarms (billed alarm metrics) | Dashboards (billable) | PutMetricData / month | Log GB / month | Metrics | Alarms | Dashboards | Requests | Logs | **Total / month** |';
  const rule = `|${'---|'.repeat(13)}`;
  const lines = rows.map(({ targets, tenants, cost: c }) =>
    `| ${targets} | ${int(tenants)} | ${int(c.metrics.count)} | ${c.alarms.count} (${c.alarms.alarmMetrics}) | ${c.dashboards.count} (${c.dashboards.billable}) | ${int(c.putMetricData.requests)} | ${c.logs.gb.toFixed(3)} | ${usd(c.metrics.usd)} | ${usd(c.alarms.usd)} | ${usd(c.dashboards.usd)} | ${usd(c.putMetricData.usd)} | ${usd(c.logs.usd)} | **${usd(c.totalUsd)}** |`);
  const measuredFrom = measurements
    .map((m) => `${int(m.tenants)} tenants: ${m.putRequestsPerRun} requests and ${int(m.logLinesPerRun)} log lines (${int(m.logBytesPerRun)} bytes) per run (PostgreSQL ${m.postgres}, ${m.measuredAt.slice(0, 10)})`)
    .join('; ');
  const tier = prices.CUSTOM_METRIC_TIERS[0]!;
  return [
    header, rule, ...lines, '',
    `Prices (us-east-1 list prices, lambdas/core/cost/prices.ts): custom metric ${usd(tier.usdPerMetricMonth)} per month (first ${int(tier.upTo)}), ` +
      `alarm ${usd(prices.STANDARD_ALARM_USD_PER_METRIC_MONTH)} per alarm metric (high resolution ${usd(prices.HIGH_RESOLUTION_ALARM_USD_PER_METRIC_MONTH)}; anomaly detection = ${prices.ANOMALY_DETECTION_ALARM_METRICS} metrics, metric math = one per metric read), ` +
      `dashboard ${usd(prices.DASHBOARD_USD_PER_MONTH)} beyond the free ${prices.FREE_DASHBOARDS}, PutMetricData ${usd(prices.PUT_METRIC_DATA_USD_PER_1000_REQUESTS)} per 1,000 requests, ` +
      `log ingestion ${usd(prices.LOG_INGESTION_USD_PER_GB)} per GB (+${prices.LOG_EVENT_OVERHEAD_BYTES} bytes per event, Lambda's ${prices.LAMBDA_PLATFORM_LOG_EVENTS} platform lines estimated at ${prices.LAMBDA_PLATFORM_LOG_BYTES} bytes); ${prices.HOURS_PER_MONTH} hours a month. No other free-tier allowance is subtracted.`,
    `Per-run figures measured by the benchmark (test/bench/measurements.json): ${measuredFrom}.`,
  ].join('\n');
}
