/**
 * From the catalog's alarm rules and a deployment config to the concrete alarms the
 * deployment creates (one per rule and scope instance, overrides applied) and the routing
 * table derived from them. Pure: the CDK alarm factory, the SNS filter policies, the
 * notifier and the local runner all read the same plan, so they cannot disagree.
 */
import {
  type AlarmRule, type Dimension, type MetricQuery, AlarmScope, Dimension as D, alarmRules,
} from '../catalog/index.js';
import type { AlarmOverride, DeploymentConfig } from '../config/deployment.js';
import { alarmName } from './alarm-name.js';
import type { RoutingTable } from './routing-table.js';

/** The alarm-name segment of the API scope (there is one load balancer per deployment). */
export const API_INSTANCE = 'api';
/** Health-check instances are named `health-<endpoint name>`. */
export const HEALTH_CHECK_INSTANCE_PREFIX = 'health-';
/** The alarm-name segment of the notifier's own alarms (lib/constructs/notifier.ts). */
export const NOTIFIER_INSTANCE = 'notifier';
/** Alarm-name segments a database target cannot take. */
export const RESERVED_INSTANCE_NAMES: readonly string[] = [API_INSTANCE, NOTIFIER_INSTANCE];

/** One thing alarms are instantiated for: a database target, the API, or a health-check endpoint. */
export interface ScopeInstance {
  readonly scope: AlarmScope;
  /** The alarm-name segment: the target name, `api`, or `health-<endpoint>`. */
  readonly name: string;
  /** The dimension values this instance provides to its alarms' metrics. */
  readonly dimensions: Readonly<Partial<Record<Dimension, string>>>;
  /**
   * How often the collector that publishes this instance's metrics runs (seconds): a
   * target's scheduleMinutes; undefined for the API, whose metrics AWS publishes.
   */
  readonly publishEverySeconds?: number;
}

const SECONDS_PER_MINUTE = 60;
/** Namespaces of metrics AWS publishes (ALB, RDS), every minute whatever the collector's schedule. */
const AWS_NAMESPACE_PREFIX = 'AWS/';

/** A metric query of a rule with the dimension values of one instance. */
export interface ResolvedQuery {
  readonly query: MetricQuery;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Key of the single query of threshold and anomaly rules in `PlannedAlarm.queries`. */
export const SINGLE_QUERY = 'value';

export interface PlannedAlarm {
  readonly alarmName: string;
  /** The catalog rule with the config's overrides applied. */
  readonly rule: AlarmRule;
  readonly instance: ScopeInstance;
  /** Expression inputs by id; threshold and anomaly rules have one query under SINGLE_QUERY. */
  readonly queries: Readonly<Record<string, ResolvedQuery>>;
}

/** The parts of the deployment config the plan depends on. */
export type AlarmPlanConfig = Pick<DeploymentConfig, 'targets' | 'api' | 'alarms'>;

export function scopeInstances(config: Pick<DeploymentConfig, 'targets' | 'api'>): ScopeInstance[] {
  const instances: ScopeInstance[] = config.targets.map((target) => ({
    scope: AlarmScope.Target,
    name: target.name,
    publishEverySeconds: target.scheduleMinutes * SECONDS_PER_MINUTE,
    dimensions: {
      [D.Database]: target.name,
      ...(target.rdsInstanceId === undefined ? {} : { [D.DBInstanceIdentifier]: target.rdsInstanceId }),
      ...(target.rdsClusterId === undefined ? {} : { [D.DBClusterIdentifier]: target.rdsClusterId }),
    },
  }));
  if (config.api) {
    instances.push({
      scope: AlarmScope.Api,
      name: API_INSTANCE,
      dimensions: { [D.LoadBalancer]: config.api.loadBalancerFullName, [D.TargetGroup]: config.api.targetGroupFullName },
    });
  }
  for (const target of config.targets) {
    for (const check of target.collector.healthChecks) {
      instances.push({
        scope: AlarmScope.HealthCheck,
        name: `${HEALTH_CHECK_INSTANCE_PREFIX}${check.name}`,
        dimensions: { [D.Endpoint]: check.name },
        publishEverySeconds: target.scheduleMinutes * SECONDS_PER_MINUTE,
      });
    }
  }
  return instances;
}

/** The rule as this deployment runs it: catalog values, replaced by whatever the override sets. */
export function applyAlarmOverride(rule: AlarmRule, override: AlarmOverride | undefined): AlarmRule {
  if (!override) return rule;
  const condition = rule.condition.kind === 'anomaly'
    ? { ...rule.condition, bandWidth: override.bandWidth ?? rule.condition.bandWidth }
    : { ...rule.condition, threshold: override.threshold ?? rule.condition.threshold };
  return {
    ...rule,
    condition,
    evaluationPeriods: override.evaluationPeriods ?? rule.evaluationPeriods,
    datapointsToAlarm: override.datapointsToAlarm ?? rule.datapointsToAlarm,
    channels: override.channels ?? rule.channels,
  };
}

export function ruleQueries(rule: AlarmRule): Readonly<Record<string, MetricQuery>> {
  return rule.condition.kind === 'expression' ? rule.condition.inputs : { [SINGLE_QUERY]: rule.condition.query };
}

/**
 * The dimensions of a query for an instance: the query's fixed dimension set, or else the
 * first of the metric's sets whose values the instance provides (an RDS metric uses
 * DBInstanceIdentifier when the target names its instance, DBClusterIdentifier when it
 * names its cluster). undefined when the instance cannot provide them: the rule does not
 * apply to it (no RDS id, no load balancer).
 */
export function resolveDimensions(query: MetricQuery, instance: ScopeInstance): Record<string, string> | undefined {
  const sets = query.dimensionSet === undefined
    ? query.metric.dimensionSets
    : [query.metric.dimensionSets[query.dimensionSet] ?? []];
  for (const set of sets) {
    const values = set.map((dimension) => instance.dimensions[dimension as Dimension]);
    if (values.every((v) => v !== undefined)) {
      return Object.fromEntries(set.map((dimension, i) => [dimension, values[i] as string]));
    }
  }
  return undefined;
}

/**
 * A rule that reads only tenantwatch's own metrics, for an instance whose collector runs
 * less often than the rule's period: the period becomes the schedule's. Otherwise most
 * periods would have no datapoint: a rule treating missing data as breaching (Database
 * Down, the heartbeat) would fire between runs, the others could never see N of N.
 */
export function periodForSchedule(rule: AlarmRule, instance: ScopeInstance): AlarmRule {
  const every = instance.publishEverySeconds;
  if (every === undefined || every <= rule.periodSeconds) return rule;
  const ownMetricsOnly = Object.values(ruleQueries(rule)).every((q) => !q.metric.namespace.startsWith(AWS_NAMESPACE_PREFIX));
  return ownMetricsOnly ? { ...rule, periodSeconds: every } : rule;
}

/** Every alarm the deployment creates, in rule order then instance order. */
export function planAlarms(config: AlarmPlanConfig, rules: readonly AlarmRule[] = alarmRules): PlannedAlarm[] {
  const instances = scopeInstances(config);
  const planned: PlannedAlarm[] = [];
  for (const catalogRule of rules) {
    const override = config.alarms[catalogRule.id];
    if (override?.enabled === false) continue;
    const rule = applyAlarmOverride(catalogRule, override);
    for (const instance of instances.filter((i) => i.scope === rule.scope)) {
      const queries: Record<string, ResolvedQuery> = {};
      let applies = true;
      for (const [id, query] of Object.entries(ruleQueries(rule))) {
        const dimensions = resolveDimensions(query, instance);
        if (!dimensions) {
          applies = false;
          break;
        }
        queries[id] = { query, dimensions };
      }
      if (applies) planned.push({ alarmName: alarmName(rule, instance.name), rule: periodForSchedule(rule, instance), instance, queries });
    }
  }
  return planned;
}

export function routingTableOf(planned: readonly PlannedAlarm[]): RoutingTable {
  return planned.map(({ alarmName: name, rule }) => ({
    alarmName: name,
    ruleId: rule.id,
    title: rule.title,
    severity: rule.severity,
    channels: [...rule.channels],
    runbook: rule.runbook,
  }));
}

/** Catalog alarm rules + config overrides + targets → the routing table. */
export function buildRoutingTable(config: AlarmPlanConfig, rules: readonly AlarmRule[] = alarmRules): RoutingTable {
  return routingTableOf(planAlarms(config, rules));
}
