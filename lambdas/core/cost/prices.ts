/**
 * Amazon CloudWatch list prices, US East (N. Virginia), USD, as published on
 * https://aws.amazon.com/cloudwatch/pricing/ (checked 2025). Other regions differ by a few
 * per cent. Change them here: the cost table (`npm run cost`) is computed from these.
 */

/** Hours in a billing month: AWS prorates metrics and alarms by the hour over 730 hours. */
export const HOURS_PER_MONTH = 730;
export const MINUTES_PER_HOUR = 60;

/** Custom metrics, per metric-month, by tier: each tier's price applies to the metrics in it. */
export const CUSTOM_METRIC_TIERS: readonly { readonly upTo: number; readonly usdPerMetricMonth: number }[] = [
  { upTo: 10_000, usdPerMetricMonth: 0.3 },
  { upTo: 250_000, usdPerMetricMonth: 0.1 },
  { upTo: 1_000_000, usdPerMetricMonth: 0.05 },
  { upTo: Number.POSITIVE_INFINITY, usdPerMetricMonth: 0.02 },
];

/** Standard-resolution alarm (period of 60 s or more), per alarm metric per month. */
export const STANDARD_ALARM_USD_PER_METRIC_MONTH = 0.1;
/** High-resolution alarm (period below 60 s), per alarm metric per month. */
export const HIGH_RESOLUTION_ALARM_USD_PER_METRIC_MONTH = 0.3;
/** Periods below this make an alarm high-resolution. */
export const HIGH_RESOLUTION_PERIOD_BELOW_SECONDS = 60;
/** An anomaly-detection alarm is billed as three metrics: the metric and the band's upper and lower bound. */
export const ANOMALY_DETECTION_ALARM_METRICS = 3;

/** Per dashboard per month. */
export const DASHBOARD_USD_PER_MONTH = 3;
/** The always-free tier: three dashboards (of up to 50 metrics each) per account. */
export const FREE_DASHBOARDS = 3;

/** PutMetricData (like the other metric API calls), per 1,000 requests. */
export const PUT_METRIC_DATA_USD_PER_1000_REQUESTS = 0.01;

/** CloudWatch Logs ingestion, Standard log class, per GB. */
export const LOG_INGESTION_USD_PER_GB = 0.5;
/** Logs bills each event's message plus 26 bytes of metadata. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;
/** CloudWatch bills gigabytes as 2^30 bytes. */
export const BYTES_PER_GB = 1024 ** 3;
/**
 * Lambda's own lines per invocation (START, END, REPORT with duration, memory and init
 * time): about 330 bytes in the default text format. Not measured by the benchmark (the
 * Lambda service writes them), so estimated here.
 */
export const LAMBDA_PLATFORM_LOG_EVENTS = 3;
export const LAMBDA_PLATFORM_LOG_BYTES = 330;
