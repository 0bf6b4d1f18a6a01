/**
 * Every alarm rule. The first seven are the spec's alert table, severity and channels
 * exactly as the spec lists them; the rest come from the spec's KPIs and from the rule
 * that a blind monitor is an outage.
 */
import { AlarmScope, Channel, MissingData, ONE_MINUTE, Severity, alarmRule } from './alarm.js';
import { AlbElb5xx, AlbRequestCount, AlbTarget5xx, AlbTargetResponseTime, RdsCpuUtilization } from './aws.js';
import { CollectorErrors, CollectorRuns } from './collector.js';
import { CacheHitRate, ConnectionFailures, ConnectionUtilization, DatabaseUp, Deadlocks, DiskReads, QueryLatency } from './database.js';
import { HealthCheckUp } from './api.js';
import { CrossTenantQueries, FailedLoginRate, TenantIsolationViolations } from './security.js';

const MS_PER_SECOND = 1000;
/** ALB reports TargetResponseTime in seconds; the spec's KPIs are in milliseconds. */
const albSeconds = (milliseconds: number) => milliseconds / MS_PER_SECOND;
const ONE_HOUR = 3600;

// ── The spec's alert table ──────────────────────────────────────────────────────────

export const DatabaseDown = alarmRule({
  id: 'database-down', title: 'Database Down', scope: AlarmScope.Target, origin: 'spec-alert',
  condition: {
    kind: 'expression', label: 'Connection failures or database not up',
    // Both inputs are published by every run, so a silent collector yields no data and
    // missing data breaches: the database cannot be shown healthy by nobody looking.
    expression: 'failures + (1 - up)',
    inputs: {
      failures: { metric: ConnectionFailures, statistic: 'Sum' },
      up: { metric: DatabaseUp, statistic: 'Minimum' },
    },
    comparison: '>', threshold: 0,
  },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 1, datapointsToAlarm: 1,
  missingData: MissingData.Breaching,
  severity: Severity.P1, channels: [Channel.PagerDuty, Channel.Sms],
  runbook: 'Check the RDS instance status and events, security groups and the collector role; then pg_stat_activity for max_connections exhaustion.',
});

export const CacheHitRateDegraded = alarmRule({
  id: 'cache-hit-rate-degraded', title: 'Cache Hit Rate Degraded', scope: AlarmScope.Target, origin: 'spec-alert',
  condition: { kind: 'threshold', query: { metric: CacheHitRate, statistic: 'Average' }, comparison: '<', threshold: 90 },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 3, datapointsToAlarm: 3,
  missingData: MissingData.NotBreaching,
  severity: Severity.P1, channels: [Channel.Slack, Channel.Email],
  runbook: 'Check shared_buffers sizing and the top-10 statements by disk reads (Infrastructure Health dashboard).',
});

export const ApiErrorRateHigh = alarmRule({
  id: 'api-error-rate-high', title: 'API Error Rate High', scope: AlarmScope.Api, origin: 'spec-alert',
  condition: {
    kind: 'expression', label: '5xx error rate (%)',
    // The ALB omits 5xx counts in minutes without any: FILL them with 0.
    expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests',
    inputs: {
      target5xx: { metric: AlbTarget5xx, statistic: 'Sum' },
      elb5xx: { metric: AlbElb5xx, statistic: 'Sum' },
      requests: { metric: AlbRequestCount, statistic: 'Sum' },
    },
    comparison: '>', threshold: 1,
  },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 3, datapointsToAlarm: 2,
  missingData: MissingData.NotBreaching,
  severity: Severity.P1, channels: [Channel.PagerDuty],
  runbook: 'Check the API logs and recent deployments; HTTPCode_ELB_5XX without target 5xx means no healthy targets.',
});

export const TenantIsolationBreach = alarmRule({
  id: 'tenant-isolation-breach', title: 'Tenant Isolation Breach', scope: AlarmScope.Target, origin: 'spec-alert',
  condition: {
    kind: 'expression', label: 'Cross-tenant statements + isolation violations',
    expression: 'FILL(cross, 0) + FILL(violations, 0)',
    inputs: {
      cross: { metric: CrossTenantQueries, statistic: 'Sum' },
      violations: { metric: TenantIsolationViolations, statistic: 'Sum' },
    },
    comparison: '>', threshold: 0,
  },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 1, datapointsToAlarm: 1,
  missingData: MissingData.NotBreaching,
  severity: Severity.P0, channels: [Channel.SecurityTeam, Channel.PagerDuty],
  runbook: 'Security incident: read the collector log line "cross_tenant_statements" and the security_events rows of the interval; preserve evidence before any fix.',
});

export const ResponseTimeDegradation = alarmRule({
  id: 'response-time-degradation', title: 'Response Time Degradation', scope: AlarmScope.Api, origin: 'spec-alert',
  condition: { kind: 'threshold', query: { metric: AlbTargetResponseTime, statistic: 'p95' }, comparison: '>', threshold: albSeconds(200) },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 5, datapointsToAlarm: 3,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Slack],
  runbook: 'Compare QueryLatency p95 and the top-10 slowest statements with the API p95; check target CPU and connection-pool saturation.',
});

export const ConnectionPoolHigh = alarmRule({
  id: 'connection-pool-high', title: 'Connection Pool High', scope: AlarmScope.Target, origin: 'spec-alert',
  condition: { kind: 'threshold', query: { metric: ConnectionUtilization, statistic: 'Maximum' }, comparison: '>', threshold: 70 },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 3, datapointsToAlarm: 3,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Email],
  runbook: 'See ConnectionsByApplication for the pool that grew and IdleInTransaction for leaked transactions.',
});

export const DiskIoSpike = alarmRule({
  id: 'disk-io-spike', title: 'Disk I/O Spike', scope: AlarmScope.Target, origin: 'spec-alert',
  // The spec's "baseline * 2": an anomaly band of two standard deviations around the learnt baseline.
  condition: { kind: 'anomaly', query: { metric: DiskReads, statistic: 'Sum' }, bandWidth: 2 },
  periodSeconds: 5 * ONE_MINUTE, evaluationPeriods: 3, datapointsToAlarm: 2,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Slack],
  runbook: 'Look for new sequential scans in the top-10 statements and for CacheHitRate dropping at the same time.',
});

// ── From the spec's KPIs ────────────────────────────────────────────────────────────

export const DeadlocksDetected = alarmRule({
  id: 'deadlocks-detected', title: 'Deadlocks Detected', scope: AlarmScope.Target, origin: 'kpi',
  condition: { kind: 'threshold', query: { metric: Deadlocks, statistic: 'Sum' }, comparison: '>', threshold: 0 },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 1, datapointsToAlarm: 1,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Slack],
  runbook: 'The PostgreSQL log holds both statements of each deadlock: make the two code paths lock rows in the same order.',
});

export const QueryLatencyHigh = alarmRule({
  id: 'query-latency-high', title: 'Query Latency p95 High', scope: AlarmScope.Target, origin: 'kpi',
  condition: { kind: 'threshold', query: { metric: QueryLatency, statistic: 'p95' }, comparison: '>', threshold: 100 },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 5, datapointsToAlarm: 3,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Slack],
  runbook: 'Run the top-10 slowest statements Logs Insights query for the window; EXPLAIN the worst.',
});

export const ApiP99High = alarmRule({
  id: 'api-p99-high', title: 'API Response Time p99 High', scope: AlarmScope.Api, origin: 'kpi',
  condition: { kind: 'threshold', query: { metric: AlbTargetResponseTime, statistic: 'p99' }, comparison: '>', threshold: albSeconds(500) },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 5, datapointsToAlarm: 3,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Slack],
  runbook: 'Tail latency: check for lock waits (BlockedSessions), slow tenants (TenantTuplesRead top-N) and GC pauses in the API.',
});

export const FailedLoginRateHigh = alarmRule({
  id: 'failed-login-rate-high', title: 'Failed Login Rate High', scope: AlarmScope.Target, origin: 'kpi',
  condition: { kind: 'threshold', query: { metric: FailedLoginRate, statistic: 'Average' }, comparison: '>', threshold: 5 },
  periodSeconds: 5 * ONE_MINUTE, evaluationPeriods: 1, datapointsToAlarm: 1,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Slack, Channel.SecurityTeam],
  runbook: 'Credential stuffing or a broken client: group the interval\'s failed logins by source IP and user agent.',
});

export const AvailabilityBelowSlo = alarmRule({
  id: 'availability-below-slo', title: 'Availability Below SLO', scope: AlarmScope.HealthCheck, origin: 'kpi',
  // HealthCheckUp is 0/1 once a minute, so its hourly average is the hour's availability.
  condition: { kind: 'threshold', query: { metric: HealthCheckUp, statistic: 'Average' }, comparison: '<', threshold: 0.999 },
  periodSeconds: ONE_HOUR, evaluationPeriods: 1, datapointsToAlarm: 1,
  missingData: MissingData.Breaching,
  severity: Severity.P2, channels: [Channel.Slack, Channel.Email],
  runbook: 'One failed probe in an hour already breaks 99.9 %: check the probe log for status and latency, then the API and ALB target health.',
});

// ── Database host (AWS/RDS) ─────────────────────────────────────────────────────────

export const DatabaseHostCpuHigh = alarmRule({
  id: 'database-host-cpu-high', title: 'Database Host CPU High', scope: AlarmScope.Target, origin: 'kpi',
  // The spec's Layer 1 watches CPU without a KPI value; 80 % sustained leaves headroom for
  // payroll-run peaks. Only created for targets that name rdsInstanceId or rdsClusterId
  // (the metric's dimension set is chosen from what the target provides).
  condition: { kind: 'threshold', query: { metric: RdsCpuUtilization, statistic: 'Average' }, comparison: '>', threshold: 80 },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 5, datapointsToAlarm: 5,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Slack],
  runbook: 'Compare with TransactionsPerSecond and the top-10 slowest statements; a payroll run or a new sequential scan is the usual cause.',
});

// ── Self-monitoring ─────────────────────────────────────────────────────────────────

export const CollectorHeartbeatMissing = alarmRule({
  id: 'collector-heartbeat-missing', title: 'Collector Heartbeat Missing', scope: AlarmScope.Target, origin: 'self-monitoring',
  condition: { kind: 'threshold', query: { metric: CollectorRuns, statistic: 'SampleCount' }, comparison: '<', threshold: 1 },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 3, datapointsToAlarm: 3,
  missingData: MissingData.Breaching,
  severity: Severity.P1, channels: [Channel.PagerDuty, Channel.Slack],
  runbook: 'The monitor is blind: check the collector Lambda errors, its schedule (EventBridge rule enabled?) and its VPC access to the database.',
});

export const CollectorDegraded = alarmRule({
  id: 'collector-degraded', title: 'Collector Degraded', scope: AlarmScope.Target, origin: 'self-monitoring',
  // The run goes on when a collector or SQL source fails, so the monitor is partly blind
  // without a silence the heartbeat would notice. Three breaching minutes in a row: one
  // transient lock or statement timeout must not alert. A silent collector publishes
  // nothing, and that is the heartbeat's alarm, not this one.
  condition: { kind: 'threshold', query: { metric: CollectorErrors, statistic: 'Sum' }, comparison: '>', threshold: 0 },
  periodSeconds: ONE_MINUTE, evaluationPeriods: 3, datapointsToAlarm: 3,
  missingData: MissingData.NotBreaching,
  severity: Severity.P2, channels: [Channel.Slack],
  runbook: 'The collector_failed, collector_partial_failure and collector_skipped log lines name the collector, the reason and the fix; CollectorErrors{Database, Collector} shows which one since when; then npm run doctor.',
});

/** The spec's alert table, in its order. */
export const specAlertRules = [
  DatabaseDown, CacheHitRateDegraded, ApiErrorRateHigh, TenantIsolationBreach,
  ResponseTimeDegradation, ConnectionPoolHigh, DiskIoSpike,
] as const;

export const alarmRules = [
  ...specAlertRules,
  DeadlocksDetected, QueryLatencyHigh, ApiP99High, FailedLoginRateHigh, AvailabilityBelowSlo,
  DatabaseHostCpuHigh, CollectorHeartbeatMissing, CollectorDegraded,
] as const;
