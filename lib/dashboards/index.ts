/**
 * The four CloudWatch dashboards (per target: Infrastructure Health, Multi-Tenant
 * Insights, Security Events; per deployment: API Performance), built from the catalog.
 */
import type { aws_cloudwatch as cw } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { describeDashboards } from './describe.js';
import type { DashboardsInput } from './input.js';
import type { DashboardSpec } from './model.js';
import { type DashboardAlarm, renderDashboard } from './render.js';

export interface BuildDashboardsProps extends Omit<DashboardsInput, 'alarms'> {
  /** The deployed alarms (for thresholds and the security alarm status widget). */
  readonly alarms: readonly DashboardAlarm[];
}

export interface BuiltDashboard {
  readonly spec: DashboardSpec;
  readonly dashboard: cw.Dashboard;
}

export function buildDashboards(scope: Construct, props: BuildDashboardsProps): BuiltDashboard[] {
  const container = new Construct(scope, 'Dashboards');
  return describeDashboards(props).map((spec) => ({ spec, dashboard: renderDashboard(container, spec, props.alarms) }));
}

export { describeDashboards, logsQueries, referencedMetrics, widgetsOf, type MetricReference } from './describe.js';
export type { DashboardAlarm } from './render.js';
export type { DashboardApi, DashboardTarget, DashboardsInput, DashboardAlarmRef } from './input.js';
export { SpecItem, type DashboardSpec, type Widget } from './model.js';
