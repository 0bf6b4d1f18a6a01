/** Dashboard 4, Security Events: Layer 4 of one database target. */
import {
  AuditLogEvents, AuditLogGrowthBytes, CrossTenantQueries, FailedLoginRate, FailedLoginRateHigh, FailedLogins,
  IdorRejections, Layer, LoginAttempts, type AlarmRule, SuspiciousEvents, TenantIsolationViolations, alarmRules,
} from '../../lambdas/core/catalog/index.js';
import { thresholdLines } from './annotations.js';
import { Kpi } from './kpis.js';
import { type DashboardTarget, type DashboardsInput, dashboardName } from './input.js';
import { Axis, type DashboardSpec, GRID_WIDTH, GraphView, SpecItem, type Widget } from './model.js';
import { headerWidget } from './segments/header.js';
import { DAY, HOUR, expressionSeries, metricSeries, graph } from './series.js';

const LAST_HOUR = '-PT1H';
const TIMELINE_RANGE = '-P1D';
const AUDIT_RANGE = '-P30D';
const BYTES_PER_MB = 1_048_576;

function metricsOf(rule: AlarmRule) {
  const c = rule.condition;
  return c.kind === 'expression' ? Object.values(c.inputs).map((q) => q.metric) : [c.query.metric];
}

/** The security alarms: every catalog rule on a Layer 4 metric. */
export const securityAlarmRules: readonly AlarmRule[] = alarmRules.filter((r) => metricsOf(r).some((m) => m.layer === Layer.Security));

export function securityEvents(input: DashboardsInput, target: DashboardTarget): DashboardSpec {
  const db = { Database: target.name };
  const failedAuth: Widget = graph({
    id: 'failed-auth-1h', specItem: SpecItem.FailedAuthentication, title: 'Failed authentication attempts, last hour',
    width: 12, range: LAST_HOUR,
    series: [
      metricSeries(FailedLogins, 'Sum', db, { label: 'Failed logins per minute' }),
      metricSeries(FailedLoginRate, 'Average', db, { label: 'Failed login rate %', axis: Axis.Right }),
    ],
    annotations: thresholdLines(input, target.name, {
      kpi: { value: Kpi.FailedLoginRatePercent, label: `KPI < ${Kpi.FailedLoginRatePercent} % of attempts` },
      alarm: { rule: FailedLoginRateHigh }, axis: Axis.Right,
    }),
    leftAxis: { label: 'failed logins', min: 0 }, rightAxis: { label: '%', min: 0 },
  });
  const failedAuthTotal: Widget = {
    kind: 'singleValue', id: 'failed-auth-total-1h', specItem: SpecItem.FailedAuthentication, title: 'Logins, last hour',
    width: 6, height: 6, range: LAST_HOUR, periodIsRange: true,
    series: [
      metricSeries(FailedLogins, 'Sum', db, { label: 'Failed' }),
      metricSeries(LoginAttempts, 'Sum', db, { label: 'Attempts' }),
    ],
  };
  const idor: Widget = graph({
    id: 'idor-rejections', specItem: SpecItem.IdorTriggers, title: 'IDOR rejections (per minute)',
    width: 6,
    series: [metricSeries(IdorRejections, 'Sum', db, { label: 'IDOR rejections' })],
    leftAxis: { label: 'rejections', min: 0 },
  });
  const suspicious: Widget = graph({
    id: 'suspicious-activity', specItem: SpecItem.SuspiciousActivity, title: 'Suspicious activity timeline (events per hour, 24 h)',
    width: 12, view: GraphView.Bar, stacked: true, range: TIMELINE_RANGE,
    series: [
      metricSeries(SuspiciousEvents, 'Sum', db, { label: 'Suspicious events', periodSeconds: HOUR }),
      metricSeries(TenantIsolationViolations, 'Sum', db, { label: 'Tenant isolation violations', periodSeconds: HOUR }),
      metricSeries(CrossTenantQueries, 'Sum', db, { label: 'Cross-tenant statements', periodSeconds: HOUR }),
    ],
    leftAxis: { label: 'events per hour', min: 0 },
  });
  const audit: Widget = graph({
    id: 'audit-log-volume', specItem: SpecItem.AuditLogVolume, title: 'Audit log volume (MB per day, 30 days)',
    width: 12, range: AUDIT_RANGE,
    series: [
      expressionSeries(`bytes / ${BYTES_PER_MB}`, { bytes: metricSeries(AuditLogGrowthBytes, 'Sum', db, { label: 'bytes', periodSeconds: DAY }) }, { label: 'MB/day', periodSeconds: DAY }),
      metricSeries(AuditLogEvents, 'Sum', db, { label: 'Audit events per day', periodSeconds: DAY, axis: Axis.Right }),
    ],
    leftAxis: { label: 'MB/day', min: 0 }, rightAxis: { label: 'events/day', min: 0 },
  });
  const alarms: Widget = {
    kind: 'alarmStatus', id: 'security-alarms', specItem: SpecItem.SecurityAlertHistory,
    title: 'Security alarms (most recent state change first)', width: GRID_WIDTH, height: 3,
    alarms: securityAlarmRules
      .filter((rule) => input.alarms.some((a) => a.rule.id === rule.id && a.instance === target.name))
      .map((rule) => ({ ruleId: rule.id, instance: target.name })),
  };
  return {
    name: dashboardName(input, target.name, 'security-events'),
    title: `Security Events: ${target.name}`,
    rows: [
      [headerWidget(`Security Events: ${target.name}`, 'Layer 4, from the application\'s auth, security-event and audit tables and pg_stat_statements.')],
      [failedAuth, failedAuthTotal, idor],
      [suspicious, audit],
      [alarms],
    ],
  };
}
