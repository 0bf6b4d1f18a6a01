/**
 * Alarm rules as data. The CDK alarm factory (lib/) turns each rule into a CloudWatch
 * alarm; the local runner evaluates the same rules in memory; the notifier and the SNS
 * filter policies route by the same `channels`. Change a rule here and all three follow.
 */
import type { MetricDef } from './metric.js';

export const Severity = { P0: 'P0', P1: 'P1', P2: 'P2' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];
export const severities: readonly Severity[] = Object.values(Severity);

export const Channel = {
  PagerDuty: 'pagerduty',
  Slack: 'slack',
  Email: 'email',
  Sms: 'sms',
  /** The security team's email list (and its own Slack webhook, when configured). */
  SecurityTeam: 'security-team',
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];
export const channels: readonly Channel[] = Object.values(Channel);

/**
 * What an alarm is instantiated for, and so where its dimension values come from:
 * - target: once per database target (Database = target name, RDS ids from the target);
 * - api: once, for the configured load balancer and target group;
 * - healthCheck: once per configured health-check endpoint (Endpoint = its name).
 */
export const AlarmScope = { Target: 'target', Api: 'api', HealthCheck: 'healthCheck' } as const;
export type AlarmScope = (typeof AlarmScope)[keyof typeof AlarmScope];

export type Statistic = 'Average' | 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount' | `p${number}`;

export const MissingData = {
  Breaching: 'breaching',
  NotBreaching: 'notBreaching',
  Ignore: 'ignore',
  Missing: 'missing',
} as const;
export type MissingData = (typeof MissingData)[keyof typeof MissingData];

export type Comparison = '>' | '>=' | '<' | '<=';

export interface MetricQuery {
  readonly metric: MetricDef;
  readonly statistic: Statistic;
  /**
   * Index into metric.dimensionSets. Unset: the first set whose dimension values the scope
   * instance provides, i.e. 0 (the aggregate) for tenantwatch metrics, and for AWS/RDS
   * metrics DBInstanceIdentifier, else DBClusterIdentifier (see build-routing-table.ts).
   */
  readonly dimensionSet?: number;
}

export type AlarmCondition =
  | { readonly kind: 'threshold'; readonly query: MetricQuery; readonly comparison: Comparison; readonly threshold: number }
  | {
      /** CloudWatch metric math over named inputs, e.g. `failures + (1 - up)`. */
      readonly kind: 'expression';
      readonly expression: string;
      readonly label: string;
      readonly inputs: Readonly<Record<string, MetricQuery>>;
      readonly comparison: Comparison;
      readonly threshold: number;
    }
  | {
      /** Breaches above the upper edge of a CloudWatch anomaly-detection band. */
      readonly kind: 'anomaly';
      readonly query: MetricQuery;
      /** Band width in standard deviations. */
      readonly bandWidth: number;
    };

export interface AlarmRule {
  /** Stable kebab-case id: alarm names, config overrides and routing use it. */
  readonly id: string;
  readonly title: string;
  readonly scope: AlarmScope;
  readonly condition: AlarmCondition;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly missingData: MissingData;
  readonly severity: Severity;
  readonly channels: readonly Channel[];
  /** One line a responder can act on; goes into the alarm description and every notification. */
  readonly runbook: string;
  /** Where the rule comes from: the spec's alert table, or a KPI the spec states. */
  readonly origin: 'spec-alert' | 'kpi' | 'self-monitoring';
}

export const ONE_MINUTE = 60;

export function alarmRule<const R extends AlarmRule>(rule: R): R {
  if (rule.datapointsToAlarm > rule.evaluationPeriods) {
    throw new Error(`alarm rule ${rule.id}: datapointsToAlarm exceeds evaluationPeriods`);
  }
  if (rule.channels.length === 0) throw new Error(`alarm rule ${rule.id}: no channels`);
  return rule;
}
