/**
 * Every alarm of the example deployment, read back from the synthesised template and
 * compared with values written out by hand from the spec and the design: metric,
 * statistic, period, threshold, comparison, periods, missing data, actions.
 */
import { Stack } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Severity, alarmRules } from '../../lambdas/core/catalog/index.js';
import { exampleWith } from './support/config.js';
import { type Synthesised, synth } from './support/synth.js';
import { type AlarmReading, type MetricReading, readAlarms, resources } from './support/template-reading.js';

const db = { Database: 'payroll-prod' };
const lb = { LoadBalancer: 'app/payroll-api/50dc6c495c0c9188' };
const tg = { ...lb, TargetGroup: 'targetgroup/payroll-api/6d0ecf831eec9f09' };
const MINUTE = 60;
const metric = (namespace: string, name: string, dimensions: Record<string, string>, stat: string, period = MINUTE): MetricReading =>
  ({ namespace, name, dimensions, stat, period });

type Expected = Partial<AlarmReading> & { readonly topic: Severity };

/** The example config's alarms, as the spec and the design define them. */
const expected: Record<string, Expected> = {
  'tenantwatch-payroll-prod-P1-database-down': {
    expression: 'failures + (1 - up)',
    inputs: {
      failures: metric('TenantWatch/Database', 'ConnectionFailures', db, 'Sum'),
      up: metric('TenantWatch/Database', 'DatabaseUp', db, 'Minimum'),
    },
    comparison: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 1, datapointsToAlarm: 1,
    treatMissingData: 'breaching', topic: 'P1',
  },
  'tenantwatch-payroll-prod-P1-cache-hit-rate-degraded': {
    metric: metric('TenantWatch/Database', 'CacheHitRate', db, 'Average'),
    comparison: 'LessThanThreshold', threshold: 90, evaluationPeriods: 3, datapointsToAlarm: 3,
    treatMissingData: 'notBreaching', topic: 'P1',
  },
  'tenantwatch-api-P1-api-error-rate-high': {
    expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests',
    inputs: {
      target5xx: metric('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', lb, 'Sum'),
      elb5xx: metric('AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', lb, 'Sum'),
      requests: metric('AWS/ApplicationELB', 'RequestCount', lb, 'Sum'),
    },
    comparison: 'GreaterThanThreshold', threshold: 1, evaluationPeriods: 3, datapointsToAlarm: 2,
    treatMissingData: 'notBreaching', topic: 'P1',
  },
  'tenantwatch-payroll-prod-P0-tenant-isolation-breach': {
    expression: 'FILL(cross, 0) + FILL(violations, 0)',
    inputs: {
      cross: metric('TenantWatch/Security', 'CrossTenantQueries', db, 'Sum'),
      violations: metric('TenantWatch/Security', 'TenantIsolationViolations', db, 'Sum'),
    },
    comparison: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 1, datapointsToAlarm: 1,
    treatMissingData: 'notBreaching', topic: 'P0',
  },
  'tenantwatch-api-P2-response-time-degradation': {
    metric: metric('AWS/ApplicationELB', 'TargetResponseTime', tg, 'p95'),
    comparison: 'GreaterThanThreshold', threshold: 0.2, evaluationPeriods: 5, datapointsToAlarm: 3,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
  'tenantwatch-payroll-prod-P2-connection-pool-high': {
    metric: metric('TenantWatch/Database', 'ConnectionUtilization', db, 'Maximum'),
    comparison: 'GreaterThanThreshold', threshold: 70, evaluationPeriods: 3, datapointsToAlarm: 3,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
  'tenantwatch-payroll-prod-P2-disk-io-spike': {
    expression: 'ANOMALY_DETECTION_BAND(m0, 2)',
    inputs: { m0: metric('TenantWatch/Database', 'DiskReads', db, 'Sum', 5 * MINUTE) },
    comparison: 'GreaterThanUpperThreshold', thresholdMetricId: 'expr_1', evaluationPeriods: 3, datapointsToAlarm: 2,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
  'tenantwatch-payroll-prod-P2-deadlocks-detected': {
    metric: metric('TenantWatch/Database', 'Deadlocks', db, 'Sum'),
    comparison: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 1, datapointsToAlarm: 1,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
  'tenantwatch-payroll-prod-P2-query-latency-high': {
    metric: metric('TenantWatch/Database', 'QueryLatency', db, 'p95'),
    comparison: 'GreaterThanThreshold', threshold: 100, evaluationPeriods: 5, datapointsToAlarm: 3,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
  'tenantwatch-api-P2-api-p99-high': {
    metric: metric('AWS/ApplicationELB', 'TargetResponseTime', tg, 'p99'),
    comparison: 'GreaterThanThreshold', threshold: 0.5, evaluationPeriods: 5, datapointsToAlarm: 3,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
  'tenantwatch-payroll-prod-P2-failed-login-rate-high': {
    metric: metric('TenantWatch/Security', 'FailedLoginRate', db, 'Average', 5 * MINUTE),
    comparison: 'GreaterThanThreshold', threshold: 5, evaluationPeriods: 1, datapointsToAlarm: 1,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
  'tenantwatch-health-api-health-P2-availability-below-slo': {
    metric: metric('TenantWatch/Api', 'HealthCheckUp', { Endpoint: 'api-health' }, 'Average', 60 * MINUTE),
    comparison: 'LessThanThreshold', threshold: 0.999, evaluationPeriods: 1, datapointsToAlarm: 1,
    treatMissingData: 'breaching', topic: 'P2',
  },
  'tenantwatch-payroll-prod-P2-database-host-cpu-high': {
    metric: metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'payroll-prod-db' }, 'Average'),
    comparison: 'GreaterThanThreshold', threshold: 80, evaluationPeriods: 5, datapointsToAlarm: 5,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
  'tenantwatch-payroll-prod-P1-collector-heartbeat-missing': {
    metric: metric('TenantWatch/Collector', 'CollectorRuns', db, 'SampleCount'),
    comparison: 'LessThanThreshold', threshold: 1, evaluationPeriods: 3, datapointsToAlarm: 3,
    treatMissingData: 'breaching', topic: 'P1',
  },
  'tenantwatch-payroll-prod-P2-collector-degraded': {
    metric: metric('TenantWatch/Collector', 'CollectorErrors', db, 'Sum'),
    comparison: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 3, datapointsToAlarm: 3,
    treatMissingData: 'notBreaching', topic: 'P2',
  },
};

const NOTIFIER_ALARMS = ['tenantwatch-notifier-P1-notifier-delivery-errors', 'tenantwatch-notifier-P1-notifier-dead-letters'];

function topicIds(s: Synthesised): Record<Severity, string> {
  const id = (severity: Severity) => Stack.of(s.stack).getLogicalId(s.stack.topics.topics[severity].node.defaultChild as CfnResource);
  return { P0: id('P0'), P1: id('P1'), P2: id('P2') };
}

describe('alarms in the template (example config)', () => {
  let s: Synthesised;
  let alarms: Map<string, AlarmReading>;
  beforeAll(() => {
    s = synth(exampleWith(() => undefined));
    alarms = readAlarms(s.template);
  });

  it('creates exactly the expected alarms (plus the notifier\'s own two)', () => {
    expect([...alarms.keys()].sort()).toEqual([...Object.keys(expected), ...NOTIFIER_ALARMS].sort());
  });

  it.each(Object.entries(expected))('%s: metric, statistic, threshold, comparison, periods, missing data', (name, want) => {
    // Prepare
    const { topic: _topic, ...properties } = want;
    // Act
    const alarm = alarms.get(name)!;
    // Assess
    expect(alarm).toMatchObject(properties);
    if (want.metric) expect(alarm.metric).toEqual(want.metric);
    if (want.inputs) expect(alarm.inputs).toEqual(want.inputs);
  });

  it.each(Object.entries(expected))('%s notifies its severity topic on ALARM and on OK', (name, want) => {
    const topic = topicIds(s)[want.topic];
    expect(alarms.get(name)).toMatchObject({ alarmActions: [topic], okActions: [topic] });
  });

  it('describes every alarm with its title and runbook line', () => {
    for (const rule of alarmRules) {
      const alarm = [...alarms.values()].find((a) => a.name.endsWith(`-${rule.severity}-${rule.id}`));
      expect(alarm?.description).toBe(`${rule.title} (${rule.severity}, notifies ${rule.channels.join(' + ')}). Runbook: ${rule.runbook}`);
    }
  });

  it('declares the anomaly detector the Disk I/O alarm evaluates', () => {
    const detectors = resources(s.template, 'AWS::CloudWatch::AnomalyDetector');
    expect(detectors.map((d) => d.properties)).toEqual([{
      SingleMetricAnomalyDetector: {
        Namespace: 'TenantWatch/Database', MetricName: 'DiskReads', Stat: 'Sum',
        Dimensions: [{ Name: 'Database', Value: 'payroll-prod' }],
      },
    }]);
    const alarm = resources(s.template, 'AWS::CloudWatch::Alarm').find((r) => r.properties.AlarmName === 'tenantwatch-payroll-prod-P2-disk-io-spike')!;
    expect((s.template.toJSON().Resources as Record<string, { DependsOn?: string[] }>)[alarm.logicalId]?.DependsOn).toEqual([detectors[0]!.logicalId]);
  });
});

describe('alarm periods and the collection schedule in the template', () => {
  it('a target collected every 5 minutes: its own metrics\' alarms use 5-minute periods, AWS metrics keep 1 minute', () => {
    // Prepare
    const input = exampleWith((c) => {
      (c.targets[0] as Record<string, unknown>).scheduleMinutes = 5;
    });
    // Act
    const alarms = readAlarms(synth(input).template);
    // Assess
    const periods = (name: string) => {
      const a = alarms.get(name)!;
      return 'metric' in a && a.metric ? [a.metric.period] : Object.values(a.inputs ?? {}).map((i) => i.period);
    };
    expect(periods('tenantwatch-payroll-prod-P1-database-down')).toEqual([300, 300]);
    expect(periods('tenantwatch-payroll-prod-P1-collector-heartbeat-missing')).toEqual([300]);
    expect(periods('tenantwatch-payroll-prod-P1-cache-hit-rate-degraded')).toEqual([300]);
    expect(periods('tenantwatch-payroll-prod-P2-database-host-cpu-high')).toEqual([60]);
    expect(periods('tenantwatch-api-P1-api-error-rate-high')).toEqual([60, 60, 60]);
  });
});

describe('alarm overrides in the template', () => {
  it('applies threshold, periods and band width from the config, and leaves disabled alarms out', () => {
    // Prepare
    const input = exampleWith((c) => {
      c.alarms = {
        'cache-hit-rate-degraded': { threshold: 95, evaluationPeriods: 5, datapointsToAlarm: 4 },
        'disk-io-spike': { bandWidth: 3 },
        'deadlocks-detected': { enabled: false },
        'collector-degraded': { threshold: 2, evaluationPeriods: 5, datapointsToAlarm: 4 },
      };
    });
    // Act
    const alarms = readAlarms(synth(input).template);
    // Assess
    expect(alarms.get('tenantwatch-payroll-prod-P1-cache-hit-rate-degraded')).toMatchObject({ threshold: 95, evaluationPeriods: 5, datapointsToAlarm: 4 });
    expect(alarms.get('tenantwatch-payroll-prod-P2-disk-io-spike')?.expression).toBe('ANOMALY_DETECTION_BAND(m0, 3)');
    expect(alarms.has('tenantwatch-payroll-prod-P2-deadlocks-detected')).toBe(false);
    expect(alarms.get('tenantwatch-payroll-prod-P2-collector-degraded')).toMatchObject({ threshold: 2, evaluationPeriods: 5, datapointsToAlarm: 4 });
  });
});
