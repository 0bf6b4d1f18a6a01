/**
 * The CloudWatch alarm notification as SNS delivers it (the JSON in `Sns.Message`), for
 * the three alarm shapes tenantwatch creates: a single metric (classic `Trigger` with
 * MetricName), metric math (`Trigger.Metrics` with an expression) and an anomaly band
 * (`Trigger.Metrics` with ANOMALY_DETECTION_BAND and `ThresholdMetricId`, no Threshold).
 * Parsing is lenient on fields CloudWatch may add and strict on the ones routing needs.
 */
import { z } from 'zod';

export const AlarmState = { Alarm: 'ALARM', Ok: 'OK', InsufficientData: 'INSUFFICIENT_DATA' } as const;
export type AlarmState = (typeof AlarmState)[keyof typeof AlarmState];
const alarmStates = Object.values(AlarmState) as [AlarmState, ...AlarmState[]];

const dimensionSchema = z.looseObject({ name: z.string(), value: z.string() });

const metricStatSchema = z.looseObject({
  Metric: z.looseObject({
    MetricName: z.string(),
    Namespace: z.string(),
    Dimensions: z.array(dimensionSchema).default([]),
  }),
  Period: z.number().optional(),
  Stat: z.string(),
});

const metricDataQuerySchema = z.looseObject({
  Id: z.string(),
  Expression: z.string().optional(),
  Label: z.string().optional(),
  MetricStat: metricStatSchema.optional(),
  ReturnData: z.boolean().optional(),
});
export type MetricDataQuery = z.infer<typeof metricDataQuerySchema>;

const triggerSchema = z.looseObject({
  // Single-metric alarms
  MetricName: z.string().optional(),
  Namespace: z.string().optional(),
  StatisticType: z.string().optional(),
  Statistic: z.string().optional(),
  ExtendedStatistic: z.string().optional(),
  Unit: z.string().nullish(),
  Dimensions: z.array(dimensionSchema).optional(),
  // Every alarm
  Period: z.number().optional(),
  EvaluationPeriods: z.number().optional(),
  DatapointsToAlarm: z.number().optional(),
  ComparisonOperator: z.string(),
  Threshold: z.number().optional(),
  TreatMissingData: z.string().optional(),
  // Metric math and anomaly bands
  Metrics: z.array(metricDataQuerySchema).optional(),
  ThresholdMetricId: z.string().optional(),
});
export type AlarmTrigger = z.infer<typeof triggerSchema>;

const notificationSchema = z.looseObject({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  AWSAccountId: z.string(),
  NewStateValue: z.enum(alarmStates),
  NewStateReason: z.string(),
  StateChangeTime: z.string(),
  /** The region's display name ("EU (Ireland)"); the code comes from AlarmArn. */
  Region: z.string().optional(),
  AlarmArn: z.string().regex(/^arn:[a-z-]+:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/, 'a CloudWatch alarm ARN'),
  OldStateValue: z.enum(alarmStates),
  Trigger: triggerSchema,
});
export type AlarmNotification = z.infer<typeof notificationSchema>;

export type ParseResult =
  | { readonly ok: true; readonly notification: AlarmNotification }
  /** `reason` is safe to log: it names what is missing, never echoes the message. */
  | { readonly ok: false; readonly reason: string };

/** At most this much of an unparseable message goes into a log line, to recognise it. */
const MESSAGE_PREVIEW_LENGTH = 120;

export function parseAlarmNotification(message: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { ok: false, reason: 'message is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'message is not a JSON object' };
  }
  if (!('AlarmName' in json)) return { ok: false, reason: 'message has no AlarmName: not a CloudWatch alarm notification' };
  const parsed = notificationSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, reason: `not a CloudWatch metric alarm notification: ${issues.join('; ')}` };
  }
  return { ok: true, notification: parsed.data };
}

/** A recognisable, bounded excerpt of a message for the "dropped" log line. */
export function messagePreview(message: string): string {
  return message.length <= MESSAGE_PREVIEW_LENGTH ? message : `${message.slice(0, MESSAGE_PREVIEW_LENGTH)}…`;
}
