/**
 * What an alarm is billed as: a number of alarm metrics (a threshold alarm 1, a metric-math
 * alarm one per metric it reads, an anomaly-detection alarm 3) at standard or high
 * resolution. From a planned alarm (the routing plan, lambdas/core/routing) or from a
 * synthesised CloudFormation template (everything the stack deploys, the notifier's own
 * alarms included).
 */
import type { AlarmRule } from '../catalog/index.js';
import { ANOMALY_DETECTION_ALARM_METRICS, HIGH_RESOLUTION_PERIOD_BELOW_SECONDS } from './prices.js';

export interface AlarmUnits {
  readonly metrics: number;
  readonly highResolution: boolean;
}

export function alarmUnitsOfRule(rule: Pick<AlarmRule, 'condition' | 'periodSeconds'>): AlarmUnits {
  const c = rule.condition;
  const metrics = c.kind === 'expression' ? Object.keys(c.inputs).length : c.kind === 'anomaly' ? ANOMALY_DETECTION_ALARM_METRICS : 1;
  return { metrics, highResolution: rule.periodSeconds < HIGH_RESOLUTION_PERIOD_BELOW_SECONDS };
}

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

interface MetricDataQuery {
  readonly Expression?: unknown;
  readonly MetricStat?: { readonly Period?: unknown };
  readonly Period?: unknown;
}

const ANOMALY_BAND = 'ANOMALY_DETECTION_BAND';

/** An AWS::CloudWatch::Alarm's properties as CloudFormation has them. */
export function alarmUnitsOfTemplateAlarm(properties: Readonly<Record<string, unknown>>): AlarmUnits {
  const queries = properties.Metrics as readonly MetricDataQuery[] | undefined;
  if (!queries) return { metrics: 1, highResolution: Number(properties.Period) < HIGH_RESOLUTION_PERIOD_BELOW_SECONDS };
  const periods = queries.map((q) => Number(q.MetricStat?.Period ?? q.Period)).filter((p) => Number.isFinite(p));
  const highResolution = periods.some((p) => p < HIGH_RESOLUTION_PERIOD_BELOW_SECONDS);
  const anomaly = queries.some((q) => typeof q.Expression === 'string' && q.Expression.includes(ANOMALY_BAND));
  if (anomaly) return { metrics: ANOMALY_DETECTION_ALARM_METRICS, highResolution };
  return { metrics: queries.filter((q) => q.MetricStat !== undefined).length, highResolution };
}

export interface TemplateCounts {
  readonly alarms: AlarmUnits[];
  readonly dashboards: number;
}

/** Alarms and dashboards of a synthesised template (`Template.toJSON()`). */
export function templateCounts(template: { readonly Resources?: Readonly<Record<string, TemplateResource>> }): TemplateCounts {
  const resources = Object.values(template.Resources ?? {});
  return {
    alarms: resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => alarmUnitsOfTemplateAlarm(r.Properties ?? {})),
    dashboards: resources.filter((r) => r.Type === 'AWS::CloudWatch::Dashboard').length,
  };
}
