/**
 * What the dashboards are built from. Field names follow the deployment config
 * (lambdas/core/config/deployment.ts), so the stack passes its targets and `api` as they are.
 */
import type { AlarmRule } from '../../lambdas/core/catalog/index.js';

export interface DashboardTarget {
  readonly name: string;
  readonly rdsInstanceId?: string;
  readonly rdsClusterId?: string;
}

export interface DashboardApi {
  /** The LoadBalancer dimension: app/<name>/<id>. */
  readonly loadBalancerFullName: string;
  /** The TargetGroup dimension: targetgroup/<name>/<id>. */
  readonly targetGroupFullName: string;
}

/** A deployed alarm: its rule as deployed (overrides applied) and its instance name. */
export interface DashboardAlarmRef {
  readonly rule: Pick<AlarmRule, 'id' | 'condition'>;
  /** The target name, `api` or `health-<endpoint>` (lambdas/core/routing/build-routing-table.ts). */
  readonly instance: string;
}

export interface DashboardsInput {
  readonly targets: readonly DashboardTarget[];
  readonly api?: DashboardApi;
  readonly healthChecks: readonly { readonly name: string }[];
  /** Target name -> the name of its collector Lambda's log group (the top-10 statements table). */
  readonly collectorLogGroups: Readonly<Record<string, string>>;
  readonly alarms: readonly DashboardAlarmRef[];
  /** Dashboard names start with this (default `tenantwatch`). */
  readonly namePrefix?: string;
}

export const DEFAULT_DASHBOARD_PREFIX = 'tenantwatch';

/** The threshold of a deployed alarm, if that alarm is deployed and has one (anomaly rules have none). */
export function deployedThreshold(input: DashboardsInput, rule: Pick<AlarmRule, 'id'>, instance: string): number | undefined {
  const deployed = input.alarms.find((a) => a.rule.id === rule.id && a.instance === instance);
  const condition = deployed?.rule.condition;
  return condition && condition.kind !== 'anomaly' ? condition.threshold : undefined;
}

export function dashboardName(input: DashboardsInput, ...parts: string[]): string {
  return [input.namePrefix ?? DEFAULT_DASHBOARD_PREFIX, ...parts].join('-');
}
