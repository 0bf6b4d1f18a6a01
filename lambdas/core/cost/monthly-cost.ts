/**
 * The monthly CloudWatch bill of a deployment: custom metrics (tiered), alarms by billed
 * alarm metric and resolution, dashboards beyond the free ones, PutMetricData requests and
 * the ingestion of the collectors' log lines. Pure: usage in, dollars out. Lambda,
 * Secrets Manager, SNS and log storage are not CloudWatch metrics charges and not included.
 */
import type { AlarmUnits } from './alarm-units.js';
import {
  BYTES_PER_GB, CUSTOM_METRIC_TIERS, DASHBOARD_USD_PER_MONTH, FREE_DASHBOARDS, HIGH_RESOLUTION_ALARM_USD_PER_METRIC_MONTH,
  HOURS_PER_MONTH, LAMBDA_PLATFORM_LOG_BYTES, LAMBDA_PLATFORM_LOG_EVENTS, LOG_EVENT_OVERHEAD_BYTES, LOG_INGESTION_USD_PER_GB,
  MINUTES_PER_HOUR, PUT_METRIC_DATA_USD_PER_1000_REQUESTS, STANDARD_ALARM_USD_PER_METRIC_MONTH,
} from './prices.js';

const REQUESTS_PER_PRICE_UNIT = 1000;

export interface DeploymentUsage {
  readonly targets: number;
  /** Custom metrics each target's collector publishes. */
  readonly metricsPerTarget: number;
  /** Custom metrics published once for the deployment. */
  readonly metricsPerDeployment: number;
  readonly alarms: readonly AlarmUnits[];
  readonly dashboards: number;
  /** Per collector run of one target (measured). */
  readonly putRequestsPerRun: number;
  readonly logEventsPerRun: number;
  readonly logBytesPerRun: number;
  readonly scheduleMinutes: number;
}

export interface MonthlyCost {
  readonly metrics: { readonly count: number; readonly usd: number };
  readonly alarms: { readonly count: number; readonly alarmMetrics: number; readonly usd: number };
  readonly dashboards: { readonly count: number; readonly billable: number; readonly usd: number };
  readonly putMetricData: { readonly requests: number; readonly usd: number };
  readonly logs: { readonly gb: number; readonly usd: number };
  readonly totalUsd: number;
}

export function runsPerMonth(scheduleMinutes: number): number {
  return (HOURS_PER_MONTH * MINUTES_PER_HOUR) / scheduleMinutes;
}

/** Each tier's price for the metrics that fall in it. */
export function customMetricsUsd(metrics: number): number {
  let usd = 0;
  let from = 0;
  for (const tier of CUSTOM_METRIC_TIERS) {
    const inTier = Math.max(0, Math.min(metrics, tier.upTo) - from);
    usd += inTier * tier.usdPerMetricMonth;
    from = tier.upTo;
    if (metrics <= tier.upTo) break;
  }
  return usd;
}

export function alarmsUsd(alarms: readonly AlarmUnits[]): number {
  return alarms.reduce(
    (usd, a) => usd + a.metrics * (a.highResolution ? HIGH_RESOLUTION_ALARM_USD_PER_METRIC_MONTH : STANDARD_ALARM_USD_PER_METRIC_MONTH),
    0,
  );
}

export function monthlyCost(u: DeploymentUsage): MonthlyCost {
  const runs = runsPerMonth(u.scheduleMinutes) * u.targets;
  const metrics = u.targets * u.metricsPerTarget + u.metricsPerDeployment;
  const billableDashboards = Math.max(0, u.dashboards - FREE_DASHBOARDS);
  const requests = runs * u.putRequestsPerRun;
  const logBytesPerRun = u.logBytesPerRun + u.logEventsPerRun * LOG_EVENT_OVERHEAD_BYTES
    + LAMBDA_PLATFORM_LOG_BYTES + LAMBDA_PLATFORM_LOG_EVENTS * LOG_EVENT_OVERHEAD_BYTES;
  const gb = (runs * logBytesPerRun) / BYTES_PER_GB;
  const parts = {
    metrics: { count: metrics, usd: customMetricsUsd(metrics) },
    alarms: { count: u.alarms.length, alarmMetrics: u.alarms.reduce((n, a) => n + a.metrics, 0), usd: alarmsUsd(u.alarms) },
    dashboards: { count: u.dashboards, billable: billableDashboards, usd: billableDashboards * DASHBOARD_USD_PER_MONTH },
    putMetricData: { requests, usd: (requests / REQUESTS_PER_PRICE_UNIT) * PUT_METRIC_DATA_USD_PER_1000_REQUESTS },
    logs: { gb, usd: gb * LOG_INGESTION_USD_PER_GB },
  };
  return { ...parts, totalUsd: parts.metrics.usd + parts.alarms.usd + parts.dashboards.usd + parts.putMetricData.usd + parts.logs.usd };
}
