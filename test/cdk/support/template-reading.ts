/**
 * Reading a synthesised template the way AWS would act on it: what an alarm watches and
 * whom it notifies, and which subscriptions an SNS payload filter policy lets a message
 * reach. Tests compare these readings with hand-written expectations.
 */
import type { Template } from 'aws-cdk-lib/assertions';

type Json = Record<string, unknown>;

export interface Resource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Json;
}

export function resources(template: Template, type: string): Resource[] {
  const all = template.toJSON().Resources as Record<string, { Type: string; Properties?: Json }>;
  return Object.entries(all)
    .filter(([, r]) => r.Type === type)
    .map(([logicalId, r]) => ({ logicalId, type: r.Type, properties: r.Properties ?? {} }));
}

/** `{ Ref: X }` → X */
export function refOf(value: unknown): string {
  const ref = (value as { Ref?: unknown } | undefined)?.Ref;
  if (typeof ref !== 'string') throw new Error(`expected a Ref, got ${JSON.stringify(value)}`);
  return ref;
}

export interface MetricReading {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly stat: string;
  readonly period: number;
}

export interface AlarmReading {
  readonly name: string;
  readonly description: string;
  /** Plain metric alarm: the metric; math alarm: the expression and its inputs by id. */
  readonly metric?: MetricReading;
  readonly expression?: string;
  readonly inputs?: Record<string, MetricReading>;
  readonly comparison: string;
  readonly threshold?: number;
  readonly thresholdMetricId?: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: string;
  readonly alarmActions: readonly string[];
  readonly okActions: readonly string[];
}

function dimensionsOf(list: unknown): Record<string, string> {
  return Object.fromEntries(((list ?? []) as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
}

export function readAlarm(properties: Json): AlarmReading {
  const common = {
    name: properties.AlarmName as string,
    description: properties.AlarmDescription as string,
    comparison: properties.ComparisonOperator as string,
    evaluationPeriods: properties.EvaluationPeriods as number,
    datapointsToAlarm: properties.DatapointsToAlarm as number,
    treatMissingData: properties.TreatMissingData as string,
    alarmActions: ((properties.AlarmActions ?? []) as unknown[]).map(refOf),
    okActions: ((properties.OKActions ?? []) as unknown[]).map(refOf),
    ...(properties.Threshold === undefined ? {} : { threshold: properties.Threshold as number }),
    ...(properties.ThresholdMetricId === undefined ? {} : { thresholdMetricId: properties.ThresholdMetricId as string }),
  };
  if (properties.MetricName !== undefined) {
    return {
      ...common,
      metric: {
        namespace: properties.Namespace as string,
        name: properties.MetricName as string,
        dimensions: dimensionsOf(properties.Dimensions),
        stat: (properties.Statistic ?? properties.ExtendedStatistic) as string,
        period: properties.Period as number,
      },
    };
  }
  const metrics = properties.Metrics as { Id: string; Expression?: string; MetricStat?: Json; ReturnData?: boolean }[];
  const expression = metrics.find((m) => m.Expression !== undefined);
  const inputs: Record<string, MetricReading> = {};
  for (const m of metrics) {
    if (!m.MetricStat) continue;
    const metric = m.MetricStat.Metric as Json;
    inputs[m.Id] = {
      namespace: metric.Namespace as string,
      name: metric.MetricName as string,
      dimensions: dimensionsOf(metric.Dimensions),
      stat: m.MetricStat.Stat as string,
      period: m.MetricStat.Period as number,
    };
  }
  return { ...common, ...(expression?.Expression ? { expression: expression.Expression } : {}), inputs };
}

export function readAlarms(template: Template): Map<string, AlarmReading> {
  return new Map(resources(template, 'AWS::CloudWatch::Alarm').map((r) => {
    const alarm = readAlarm(r.properties);
    return [alarm.name, alarm];
  }));
}

// ── SNS payload filter policies ─────────────────────────────────────────────────────

/**
 * Whether a message body matches a FilterPolicyScope=MessageBody policy. Supports the
 * operators tenantwatch uses (exact strings, prefix, suffix); anything else throws, so a
 * new operator cannot make this reading silently wrong.
 */
export function filterPolicyMatches(policy: Json, body: Record<string, string>): boolean {
  return Object.entries(policy).every(([key, conditions]) => {
    const value = body[key];
    if (value === undefined) return false;
    return (conditions as unknown[]).some((condition) => {
      if (typeof condition === 'string') return condition === value;
      const operator = condition as { prefix?: string; suffix?: string };
      const keys = Object.keys(operator);
      if (keys.length === 1 && operator.prefix !== undefined) return value.startsWith(operator.prefix);
      if (keys.length === 1 && operator.suffix !== undefined) return value.endsWith(operator.suffix);
      throw new Error(`filter operator not understood by this test: ${JSON.stringify(condition)}`);
    });
  });
}

export interface SubscriptionReading {
  readonly topic: string;
  readonly protocol: string;
  /** A literal endpoint, or the logical id of the function for `lambda`. */
  readonly endpoint: string;
  /** undefined: no filter (receives everything). */
  readonly filterPolicy?: Json;
}

export function readSubscriptions(template: Template): SubscriptionReading[] {
  return resources(template, 'AWS::SNS::Subscription').map(({ properties: p }) => {
    if (p.FilterPolicy !== undefined && p.FilterPolicyScope !== 'MessageBody') {
      throw new Error(`subscription ${JSON.stringify(p.Endpoint)} filters on message attributes, which CloudWatch alarms do not carry`);
    }
    const endpoint = typeof p.Endpoint === 'string'
      ? p.Endpoint
      : ((p.Endpoint as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
    return {
      topic: refOf(p.TopicArn),
      protocol: p.Protocol as string,
      endpoint,
      ...(p.FilterPolicy === undefined ? {} : { filterPolicy: p.FilterPolicy as Json }),
    };
  });
}

/** The subscriptions on `topic` that a notification of `alarmName` reaches. */
export function receivingSubscriptions(subscriptions: readonly SubscriptionReading[], topic: string, alarmName: string): SubscriptionReading[] {
  return subscriptions.filter((s) => s.topic === topic && (s.filterPolicy === undefined || filterPolicyMatches(s.filterPolicy, { AlarmName: alarmName })));
}
