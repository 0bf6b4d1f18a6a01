/**
 * Local alarm evaluation: every catalog rule against one run's datums, treated as one
 * CloudWatch period. The verdict is what this period contributes (applyEvaluationWindow
 * in evaluation-window.ts counts it against the rule's M of N over consecutive runs);
 * rules that need data we do not have locally (AWS-owned metrics, anomaly-band history)
 * say so instead of guessing.
 */
import {
  type AlarmRule, AlarmScope, type Channel, type Comparison, type MetricQuery, MissingData, type Severity, alarmRules,
} from '../catalog/index.js';
import type { Datum } from '../metrics/datum.js';
import { alarmName } from '../routing/alarm-name.js';
import {
  API_INSTANCE, HEALTH_CHECK_INSTANCE_PREFIX, type ScopeInstance, resolveDimensions, ruleQueries,
} from '../routing/build-routing-table.js';
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
  /** The rule's M of N: ALARM takes datapointsToAlarm breaching periods of the last evaluationPeriods. */
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** Set by applyEvaluationWindow: breaching runs among the window's runs, this one included. */
  readonly window?: { readonly breaching: number; readonly runs: number };
}

export interface EvaluateOptions {
  /** What alarms are instantiated for (see localInstances, or scopeInstances of a deployment config). */
  readonly instances: readonly ScopeInstance[];
  /** Default: the catalog's rules (apply a config's overrides before passing them). */
  readonly rules?: readonly AlarmRule[];
}

/** The instances of a local run: the target, the API, and each health-check endpoint. */
export function localInstances(target: string, healthCheckEndpoints: readonly string[] = []): ScopeInstance[] {
  return [
    { scope: AlarmScope.Target, name: target, dimensions: { Database: target } },
    { scope: AlarmScope.Api, name: API_INSTANCE, dimensions: {} },
    ...healthCheckEndpoints.map((e) => ({ scope: AlarmScope.HealthCheck, name: `${HEALTH_CHECK_INSTANCE_PREFIX}${e}`, dimensions: { Endpoint: e } })),
  ];
}

const compare: Record<Comparison, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

function samplesFor(dimensions: Readonly<Record<string, string>>, query: MetricQuery, datums: readonly Datum[]): WeightedValue[] {
  const keys = Object.keys(dimensions);
  const matches = (d: Datum) =>
    d.metric.namespace === query.metric.namespace &&
    d.metric.name === query.metric.name &&
    Object.keys(d.dimensions).length === keys.length &&
    keys.every((k) => d.dimensions[k] === dimensions[k]);
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

function evaluateInstance(rule: AlarmRule, datums: readonly Datum[], instance: ScopeInstance): AlarmEvaluation {
  const base = {
    ruleId: rule.id, title: rule.title, instance: instance.name, alarmName: alarmName(rule, instance.name),
    severity: rule.severity, channels: rule.channels,
    evaluationPeriods: rule.evaluationPeriods, datapointsToAlarm: rule.datapointsToAlarm,
  };
  const insufficient = (reason: string): AlarmEvaluation => ({ ...base, state: AlarmState.InsufficientData, reason });
  const c = rule.condition;
  const queries = ruleQueries(rule);
  const external = Object.values(queries).find((q) => !q.metric.publishable);
  if (external) return insufficient(`needs ${external.metric.namespace} (evaluated by CloudWatch only)`);
  if (c.kind === 'anomaly') return insufficient('anomaly band needs history (CloudWatch learns it over about two weeks)');

  const stats: Record<string, MathValue> = {};
  for (const [id, query] of Object.entries(queries)) {
    const dimensions = resolveDimensions(query, instance);
    if (!dimensions) return insufficient(`${instance.name} provides no dimensions for ${query.metric.name}`);
    stats[id] = computeStatistic(query.statistic, samplesFor(dimensions, query, datums));
  }
  const value = c.kind === 'threshold' ? Object.values(stats)[0] : evaluateMetricMath(c.expression, stats);
  const bounds = { comparison: c.comparison, threshold: c.threshold };
  if (value === undefined) return { ...base, ...bounds, ...missingDataVerdict(rule) };
  const breaching = compare[c.comparison](value, c.threshold);
  return {
    ...base, ...bounds, value,
    state: breaching ? AlarmState.Alarm : AlarmState.Ok,
    reason: `${value} ${breaching ? '' : 'not '}${c.comparison} ${c.threshold}`,
  };
}

/** Every rule for every instance of its scope; a rule without instances says why. */
export function evaluateAlarmRules(datums: readonly Datum[], options: EvaluateOptions): AlarmEvaluation[] {
  const rules = options.rules ?? alarmRules;
  return rules.flatMap((rule) => {
    const instances = options.instances.filter((i) => i.scope === rule.scope);
    if (instances.length === 0) {
      const reason = rule.scope === AlarmScope.HealthCheck ? 'no health-check endpoints configured' : `nothing configured for the ${rule.scope} scope`;
      return [{
        ruleId: rule.id, title: rule.title, instance: rule.scope, alarmName: alarmName(rule, rule.scope),
        state: AlarmState.InsufficientData, severity: rule.severity, channels: rule.channels,
        evaluationPeriods: rule.evaluationPeriods, datapointsToAlarm: rule.datapointsToAlarm,
        reason: `${reason}: the alarm is not created`,
      }];
    }
    return instances.map((instance) => evaluateInstance(rule, datums, instance));
  });
}
