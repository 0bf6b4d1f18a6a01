/**
 * What a responder needs from an alarm notification, in words: which metric, its value
 * against the threshold, where (region code, account) and the console link. Shared by the
 * Slack message and the PagerDuty event so both say the same thing.
 */
import type { AlarmNotification, AlarmTrigger, MetricDataQuery } from './alarm-notification.js';
import { alarmConsoleUrl, parseAlarmArn } from './console-link.js';

export interface AlarmFacts {
  readonly region: string;
  readonly account: string;
  readonly consoleUrl: string;
  /** e.g. `TenantWatch/Database CacheHitRate (Average, Database=orders)`. */
  readonly metric: string;
  /** e.g. `< 90`, `> upper band 531.4`, `outside the band`. */
  readonly threshold: string;
  /** The latest datapoint the alarm evaluated, when the state reason carries one. */
  readonly value: number | undefined;
  /** `OK → ALARM` */
  readonly stateChange: string;
  /** StateChangeTime, when CloudWatch's format parses. */
  readonly changedAt: Date | undefined;
}

const COMPARISONS: Readonly<Record<string, string>> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
  GreaterThanUpperThreshold: '> upper band',
  LessThanLowerThreshold: '< lower band',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside the band',
};

const SIGNIFICANT_DIGITS = 4;
/** From here on, whole numbers say it all and rounding to significant digits would hide digits. */
const WHOLE_NUMBER_FROM = 1000;
const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?`;
/** "... datapoints [85.1 (15/01/24 10:00:00), ...]": CloudWatch lists the newest first. */
const LATEST_DATAPOINT = new RegExp(String.raw`datapoints? \[(${NUMBER}) \(`);
const UPPER_BAND = new RegExp(String.raw`upper thresholds? \[(${NUMBER})`);
const LOWER_BAND = new RegExp(String.raw`lower thresholds? \[(${NUMBER})`);

/** Short and exact enough to read: 85.123 → "85.12", 0.2 → "0.2", 48211.4 → "48211". */
export function formatNumber(value: number): string {
  if (Math.abs(value) >= WHOLE_NUMBER_FROM) return String(Math.round(value));
  return String(Number(value.toPrecision(SIGNIFICANT_DIGITS)));
}

function numberIn(pattern: RegExp, text: string): number | undefined {
  const match = pattern.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function dimensionsText(dimensions: readonly { name: string; value: string }[]): string {
  return dimensions.map((d) => `${d.name}=${d.value}`).join(', ');
}

function metricStatText(query: MetricDataQuery): string | undefined {
  const stat = query.MetricStat;
  if (!stat) return undefined;
  const details = [stat.Stat, dimensionsText(stat.Metric.Dimensions)].filter((s) => s.length > 0).join(', ');
  return `${stat.Metric.Namespace} ${stat.Metric.MetricName} (${details})`;
}

function metricText(trigger: AlarmTrigger): string {
  if (trigger.MetricName !== undefined) {
    const statistic = trigger.ExtendedStatistic ?? trigger.Statistic ?? '';
    const details = [statistic, dimensionsText(trigger.Dimensions ?? [])].filter((s) => s.length > 0).join(', ');
    return `${trigger.Namespace ?? ''} ${trigger.MetricName} (${details})`.trim();
  }
  const queries = trigger.Metrics ?? [];
  if (trigger.ThresholdMetricId !== undefined) {
    // Anomaly band: the evaluated metric is the returned query that is not the band.
    const evaluated = queries.find((q) => q.Id !== trigger.ThresholdMetricId && q.ReturnData !== false);
    const band = queries.find((q) => q.Id === trigger.ThresholdMetricId);
    const metric = evaluated ? metricStatText(evaluated) ?? evaluated.Expression ?? evaluated.Id : 'metric';
    return band?.Expression ? `${metric} vs ${band.Expression}` : metric;
  }
  const expression = queries.find((q) => q.Expression !== undefined && q.ReturnData !== false);
  if (!expression) return 'metric math';
  const inputs = queries.filter((q) => q !== expression).map((q) => `${q.Id} = ${metricStatText(q) ?? q.Expression ?? '?'}`);
  const label = expression.Label ? `${expression.Label}: ` : '';
  return `${label}${expression.Expression}${inputs.length > 0 ? ` where ${inputs.join('; ')}` : ''}`;
}

function thresholdText(trigger: AlarmTrigger, reason: string): string {
  const comparison = COMPARISONS[trigger.ComparisonOperator] ?? trigger.ComparisonOperator;
  if (trigger.Threshold !== undefined) return `${comparison} ${formatNumber(trigger.Threshold)}`;
  // Anomaly bands have no fixed threshold: the reason carries the band edge that was crossed.
  const upper = numberIn(UPPER_BAND, reason);
  const lower = numberIn(LOWER_BAND, reason);
  if (trigger.ComparisonOperator === 'GreaterThanUpperThreshold' && upper !== undefined) return `${comparison} ${formatNumber(upper)}`;
  if (trigger.ComparisonOperator === 'LessThanLowerThreshold' && lower !== undefined) return `${comparison} ${formatNumber(lower)}`;
  if (upper !== undefined && lower !== undefined) return `${comparison} [${formatNumber(lower)}, ${formatNumber(upper)}]`;
  return comparison;
}

/** CloudWatch writes `2024-01-15T10:01:23.456+0000`: a basic-format offset JavaScript may not parse. */
export function parseStateChangeTime(text: string): Date | undefined {
  const date = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function alarmFacts(notification: AlarmNotification): AlarmFacts {
  const arn = parseAlarmArn(notification.AlarmArn);
  return {
    region: arn.region,
    account: notification.AWSAccountId,
    consoleUrl: alarmConsoleUrl(arn),
    metric: metricText(notification.Trigger),
    threshold: thresholdText(notification.Trigger, notification.NewStateReason),
    value: numberIn(LATEST_DATAPOINT, notification.NewStateReason),
    stateChange: `${notification.OldStateValue} → ${notification.NewStateValue}`,
    changedAt: parseStateChangeTime(notification.StateChangeTime),
  };
}

/** `85.1 (threshold < 90)`, or just the threshold when the reason carries no datapoint. */
export function valueVersusThreshold(facts: AlarmFacts): string {
  return facts.value === undefined
    ? `threshold ${facts.threshold}`
    : `${formatNumber(facts.value)} (threshold ${facts.threshold})`;
}
