/**
 * Local alarm evaluation: every catalog rule against one run's datums, treated as one
 * CloudWatch period. The verdict is what this period contributes (a rule needing 3 of 3
 * breaching periods reaches ALARM only if the breach lasts); rules that need data we do
 * not have locally (AWS-owned metrics, anomaly-band history) say so instead of guessing.
 */
import {
  type AlarmRule, AlarmScope, type Channel, type Comparison, type MetricQuery, MissingData, type Severity, alarmRules,
} from '../catalog/index.js';
import type { Datum } from '../metrics/datum.js';
import { alarmName } from '../routing/alarm-name.js';
import { type MathValue, evaluateMetricMath } from './metric-math.js';
import { type WeightedValue, computeStatistic } from './statistics.js';

export const AlarmState = { Ok: 'OK', Alarm: 'ALARM', InsufficientData: 'INSUFFICIENT_DATA' } as const;
export type AlarmState = (typeof AlarmState)[keyof typeof AlarmState];

export interface AlarmEvaluation {
  readonly ruleId: string;
  readonly title: string;
  /** The target, `api`, or `health-<endpoint>`: what the deployed alarm is instantiated for. */
  readonly instance: string;
  readonly alarmName: string;
  readonly state: AlarmState;
  /** The statistic or expression value of this period (undefined: no data point). */
  readonly value?: number;
  readonly comparison?: Comparison;
  readonly threshold?: number;
  readonly severity: Severity;
  readonly channels: readonly Channel[];
  readonly reason: string;
}

export interface EvaluateOptions {
  /** The database target: the `Database` dimension of target-scoped rules. */
  readonly target: string;
  /** Configured health-check endpoint names (default: those with HealthCheckUp datums). */
  readonly healthCheckEndpoints?: readonly string[];
  readonly rules?: readonly AlarmRule[];
}

interface Instance {
  readonly name: string;
  /** Dimension values the instance pins (Database for a target, Endpoint for a health check). */
  readonly pinned: Readonly<Record<string, string>>;
}

const HEALTH_INSTANCE_PREFIX = 'health-';

const compare: Record<Comparison, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

function queriesOf(rule: AlarmRule): MetricQuery[] {
  const c = rule.condition;
  return c.kind === 'expression' ? Object.values(c.inputs) : [c.query];
}

function samplesFor(query: MetricQuery, datums: readonly Datum[], instance: Instance): WeightedValue[] {
  const set = query.metric.dimensionSets[query.dimensionSet ?? 0] ?? [];
  const matches = (d: Datum) =>
    d.metric.namespace === query.metric.namespace &&
    d.metric.name === query.metric.name &&
    Object.keys(d.dimensions).length === set.length &&
    set.every((k) => k in d.dimensions && (instance.pinned[k] === undefined || d.dimensions[k] === instance.pinned[k]));
  return datums.filter(matches).flatMap((d): WeightedValue[] =>
    d.value !== undefined ? [{ value: d.value, count: 1 }] : (d.values ?? []).map((value, i) => ({ value, count: d.counts?.[i] ?? 1 })),
  );
}

function missingDataVerdict(rule: AlarmRule): { state: AlarmState; reason: string } {
  switch (rule.missingData) {
    case MissingData.Breaching:
      return { state: AlarmState.Alarm, reason: 'no data this period; missing data is treated as breaching' };
    case MissingData.NotBreaching:
      return { state: AlarmState.Ok, reason: 'no data this period; missing data is treated as not breaching' };
    case MissingData.Ignore:
      return { state: AlarmState.InsufficientData, reason: 'no data this period; missing data is ignored (the alarm keeps its state)' };
    default:
      return { state: AlarmState.InsufficientData, reason: 'no data this period' };
  }
}

function instancesOf(rule: AlarmRule, datums: readonly Datum[], options: EvaluateOptions): Instance[] {
  if (rule.scope === AlarmScope.Target) return [{ name: options.target, pinned: { Database: options.target } }];
  if (rule.scope === AlarmScope.Api) return [{ name: 'api', pinned: {} }];
  const endpoints = options.healthCheckEndpoints
    ?? [...new Set(datums.filter((d) => d.dimensions.Endpoint !== undefined).map((d) => d.dimensions.Endpoint as string))].sort();
  return endpoints.map((e) => ({ name: `${HEALTH_INSTANCE_PREFIX}${e}`, pinned: { Endpoint: e } }));
}

function evaluateInstance(rule: AlarmRule, datums: readonly Datum[], instance: Instance): AlarmEvaluation {
  const base = {
    ruleId: rule.id, title: rule.title, instance: instance.name, alarmName: alarmName(rule, instance.name),
    severity: rule.severity, channels: rule.channels,
  };
  const c = rule.condition;
  const external = queriesOf(rule).find((q) => !q.metric.publishable);
  if (external) {
    return { ...base, state: AlarmState.InsufficientData, reason: `needs ${external.metric.namespace} (evaluated by CloudWatch only)` };
  }
  if (c.kind === 'anomaly') {
    return { ...base, state: AlarmState.InsufficientData, reason: 'anomaly band needs history (CloudWatch learns it over about two weeks)' };
  }

  const stat = (q: MetricQuery): MathValue => computeStatistic(q.statistic, samplesFor(q, datums, instance));
  const value = c.kind === 'threshold'
    ? stat(c.query)
    : evaluateMetricMath(c.expression, Object.fromEntries(Object.entries(c.inputs).map(([name, q]) => [name, stat(q)])));
  const bounds = { comparison: c.comparison, threshold: c.threshold };
  if (value === undefined) return { ...base, ...bounds, ...missingDataVerdict(rule) };
  const breaching = compare[c.comparison](value, c.threshold);
  return {
    ...base, ...bounds, value,
    state: breaching ? AlarmState.Alarm : AlarmState.Ok,
    reason: `${value} ${breaching ? '' : 'not '}${c.comparison} ${c.threshold}`,
  };
}

export function evaluateAlarmRules(datums: readonly Datum[], options: EvaluateOptions): AlarmEvaluation[] {
  const rules = options.rules ?? alarmRules;
  return rules.flatMap((rule) => {
    const instances = instancesOf(rule, datums, options);
    if (instances.length === 0) {
      return [{
        ruleId: rule.id, title: rule.title, instance: 'health', alarmName: alarmName(rule, 'health'),
        state: AlarmState.InsufficientData, severity: rule.severity, channels: rule.channels,
        reason: 'no health-check endpoints configured: the alarm is not created',
      }];
    }
    return instances.map((instance) => evaluateInstance(rule, datums, instance));
  });
}
