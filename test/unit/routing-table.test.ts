import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../lambdas/core/config/deployment.js';
import { buildRoutingTable, planAlarms } from '../../lambdas/core/routing/build-routing-table.js';
import { alarmNamesFor } from '../../lambdas/core/routing/routing-table.js';
import { type ConfigInput, exampleWith } from '../cdk/support/config.js';

const parse = (input: ConfigInput) => parseDeploymentConfig(input, 'test');
type Target = ConfigInput['targets'][number] & Record<string, unknown>;

describe('routing table from catalog + config', () => {
  it('routes every alarm of the example deployment to the catalog channels', () => {
    // Prepare
    const config = parse(exampleWith(() => undefined));
    // Act
    const table = buildRoutingTable(config);
    // Assess
    expect(table.map((r) => [r.alarmName, r.severity, r.channels.join('+')])).toEqual([
      ['tenantwatch-payroll-prod-P1-database-down', 'P1', 'pagerduty+sms'],
      ['tenantwatch-payroll-prod-P1-cache-hit-rate-degraded', 'P1', 'slack+email'],
      ['tenantwatch-api-P1-api-error-rate-high', 'P1', 'pagerduty'],
      ['tenantwatch-payroll-prod-P0-tenant-isolation-breach', 'P0', 'security-team+pagerduty'],
      ['tenantwatch-api-P2-response-time-degradation', 'P2', 'slack'],
      ['tenantwatch-payroll-prod-P2-connection-pool-high', 'P2', 'email'],
      ['tenantwatch-payroll-prod-P2-disk-io-spike', 'P2', 'slack'],
      ['tenantwatch-payroll-prod-P2-deadlocks-detected', 'P2', 'slack'],
      ['tenantwatch-payroll-prod-P2-query-latency-high', 'P2', 'slack'],
      ['tenantwatch-api-P2-api-p99-high', 'P2', 'slack'],
      ['tenantwatch-payroll-prod-P2-failed-login-rate-high', 'P2', 'slack+security-team'],
      ['tenantwatch-health-api-health-P2-availability-below-slo', 'P2', 'slack+email'],
      ['tenantwatch-payroll-prod-P2-database-host-cpu-high', 'P2', 'slack'],
      ['tenantwatch-payroll-prod-P1-collector-heartbeat-missing', 'P1', 'pagerduty+slack'],
      ['tenantwatch-payroll-prod-P2-collector-degraded', 'P2', 'slack'],
    ]);
    expect(alarmNamesFor(table, 'sms')).toEqual(['tenantwatch-payroll-prod-P1-database-down']);
  });

  it('creates target alarms per target, API alarms only with a load balancer, health alarms per endpoint', () => {
    // Prepare: two targets, no API, the health check moved to the second target
    const input = exampleWith((c) => {
      const second = { ...structuredClone(c.targets[0]!), name: 'payroll-eu' } as Target;
      delete second.rdsInstanceId;
      (c.targets[0] as Target).collector = {};
      c.targets.push(second);
      delete c.api;
    });
    // Act
    const names = buildRoutingTable(parse(input)).map((r) => r.alarmName);
    // Assess
    expect(names.filter((n) => n.startsWith('tenantwatch-api-'))).toEqual([]);
    expect(names.filter((n) => n.endsWith('-database-down'))).toEqual([
      'tenantwatch-payroll-prod-P1-database-down', 'tenantwatch-payroll-eu-P1-database-down',
    ]);
    expect(names.filter((n) => n.endsWith('-availability-below-slo'))).toEqual(['tenantwatch-health-api-health-P2-availability-below-slo']);
    // Only the target naming its RDS instance gets the host CPU alarm.
    expect(names.filter((n) => n.endsWith('-database-host-cpu-high'))).toEqual(['tenantwatch-payroll-prod-P2-database-host-cpu-high']);
    // 10 target alarms each, the host CPU alarm once, one health alarm.
    expect(names).toHaveLength(2 * 10 + 1 + 1);
  });

  it('resolves each metric\'s dimensions from the instance: RDS instance, else cluster', () => {
    // Prepare
    const instance = parse(exampleWith(() => undefined));
    const cluster = parse(exampleWith((c) => { delete (c.targets[0] as Target).rdsInstanceId; (c.targets[0] as Target).rdsClusterId = 'payroll-aurora'; }));
    // Act
    const cpu = (config: typeof instance) => planAlarms(config).find((p) => p.rule.id === 'database-host-cpu-high')?.queries.value?.dimensions;
    const p95 = planAlarms(instance).find((p) => p.rule.id === 'response-time-degradation')?.queries.value?.dimensions;
    const down = planAlarms(instance).find((p) => p.rule.id === 'database-down')?.queries;
    // Assess
    expect(cpu(instance)).toEqual({ DBInstanceIdentifier: 'payroll-prod-db' });
    expect(cpu(cluster)).toEqual({ DBClusterIdentifier: 'payroll-aurora' });
    expect(p95).toEqual({ LoadBalancer: 'app/payroll-api/50dc6c495c0c9188', TargetGroup: 'targetgroup/payroll-api/6d0ecf831eec9f09' });
    expect(Object.fromEntries(Object.entries(down ?? {}).map(([id, q]) => [id, q.dimensions]))).toEqual({
      failures: { Database: 'payroll-prod' }, up: { Database: 'payroll-prod' },
    });
  });

  it('gives the alarms on a target\'s own metrics at least its collection interval as period; AWS metrics keep theirs', () => {
    // Prepare: the target collects every 5 minutes
    const config = parse(exampleWith((c) => { (c.targets[0] as Target).scheduleMinutes = 5; }));
    // Act
    const periods = Object.fromEntries(planAlarms(config).map((p) => [p.rule.id, p.rule.periodSeconds]));
    // Assess
    expect(periods).toEqual({
      'database-down': 300, 'cache-hit-rate-degraded': 300, 'tenant-isolation-breach': 300, 'connection-pool-high': 300,
      'disk-io-spike': 300, 'deadlocks-detected': 300, 'query-latency-high': 300, 'failed-login-rate-high': 300,
      'collector-heartbeat-missing': 300, 'collector-degraded': 300,
      // The health probe runs with its target's collector; its hourly period is longer already.
      'availability-below-slo': 3600,
      // Published by AWS every minute, whatever the collector does.
      'api-error-rate-high': 60, 'response-time-degradation': 60, 'api-p99-high': 60, 'database-host-cpu-high': 60,
    });
    expect(Object.fromEntries(planAlarms(parse(exampleWith(() => undefined))).map((p) => [p.rule.id, p.rule.periodSeconds]))['database-down']).toBe(60);
  });

  it('applies overrides: threshold, periods, channels, and enabled false removes the alarm everywhere', () => {
    // Prepare
    const input = exampleWith((c) => {
      c.alarms = {
        'cache-hit-rate-degraded': { threshold: 95, evaluationPeriods: 5, datapointsToAlarm: 4, channels: ['email'] },
        'deadlocks-detected': { enabled: false },
        'disk-io-spike': { bandWidth: 3 },
      };
    });
    // Act
    const planned = planAlarms(parse(input));
    const table = buildRoutingTable(parse(input));
    // Assess
    const cache = planned.find((p) => p.rule.id === 'cache-hit-rate-degraded')!.rule;
    expect(cache.condition).toMatchObject({ kind: 'threshold', threshold: 95 });
    expect([cache.evaluationPeriods, cache.datapointsToAlarm, cache.channels]).toEqual([5, 4, ['email']]);
    expect(planned.find((p) => p.rule.id === 'disk-io-spike')!.rule.condition).toMatchObject({ kind: 'anomaly', bandWidth: 3 });
    expect(planned.some((p) => p.rule.id === 'deadlocks-detected')).toBe(false);
    expect(table.find((r) => r.ruleId === 'cache-hit-rate-degraded')?.channels).toEqual(['email']);
    expect(table.some((r) => r.ruleId === 'deadlocks-detected')).toBe(false);
  });
});
