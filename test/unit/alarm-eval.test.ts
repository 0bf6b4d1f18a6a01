import { describe, expect, it } from 'vitest';
import { AlarmState, evaluateAlarmRules, localInstances, type AlarmEvaluation } from '../../lambdas/core/alarms/evaluate-rules.js';
import { applyEvaluationWindow } from '../../lambdas/core/alarms/evaluation-window.js';
import { MetricMathError, evaluateMetricMath } from '../../lambdas/core/alarms/metric-math.js';
import { computeStatistic } from '../../lambdas/core/alarms/statistics.js';
import {
  CacheHitRate, CollectorErrors, CollectorRuns, ConnectionFailures, ConnectionUtilization, CrossTenantQueries, DatabaseUp, HealthCheckUp,
  QueryLatency, type AlarmRule, alarmRules,
} from '../../lambdas/core/catalog/index.js';
import { datum, distribution, type Datum } from '../../lambdas/core/metrics/datum.js';

const Database = 'demo';
const target = { instances: localInstances(Database) };

function verdict(datums: readonly Datum[], ruleId: string, endpoints: readonly string[] = []): AlarmEvaluation[] {
  return evaluateAlarmRules(datums, { instances: localInstances(Database, endpoints) }).filter((e) => e.ruleId === ruleId);
}

describe('metric math', () => {
  it('follows operator precedence, parentheses and unary minus', () => {
    // Act and assess
    expect(evaluateMetricMath('1 + 2 * 3', {})).toBe(7);
    expect(evaluateMetricMath('(1 + 2) * 3', {})).toBe(9);
    expect(evaluateMetricMath('10 - 4 - 3', {})).toBe(3);
    expect(evaluateMetricMath('-a + 2', { a: 5 })).toBe(-3);
    expect(evaluateMetricMath('100 * (x + y) / z', { x: 1, y: 2, z: 50 })).toBe(6);
    expect(evaluateMetricMath('failures + (1 - up)', { failures: 1, up: 0 })).toBe(2);
  });

  it('propagates missing inputs unless FILL supplies a value, and treats x/0 as missing', () => {
    // Act and assess
    expect(evaluateMetricMath('a + b', { a: 1, b: undefined })).toBeUndefined();
    expect(evaluateMetricMath('FILL(a, 0) + FILL(b, 0)', { a: undefined, b: 2 })).toBe(2);
    expect(evaluateMetricMath('fill(a, 1 + 1) * 3', { a: undefined })).toBe(6);
    expect(evaluateMetricMath('a / b', { a: 1, b: 0 })).toBeUndefined();
    expect(evaluateMetricMath('1.5e2 / 3', {})).toBe(50);
  });

  it('rejects what it does not understand with a clear error', () => {
    // Act and assess
    expect(() => evaluateMetricMath('ANOMALY_DETECTION_BAND(m, 2)', { m: 1 })).toThrow(/unsupported function ANOMALY_DETECTION_BAND/);
    expect(() => evaluateMetricMath('a +', { a: 1 })).toThrow(MetricMathError);
    expect(() => evaluateMetricMath('a b', { a: 1, b: 1 })).toThrow(/unexpected "b"/);
    expect(() => evaluateMetricMath('a $ b', { a: 1, b: 1 })).toThrow(/unexpected character/);
    expect(() => evaluateMetricMath('nobody', {})).toThrow(/unknown input nobody/);
  });
});

describe('statistics', () => {
  const samples = [{ value: 10, count: 90 }, { value: 200, count: 10 }, { value: 50, count: 0 }];

  it('computes every statistic over weighted values', () => {
    // Act and assess
    expect(computeStatistic('Sum', samples)).toBe(2_900);
    expect(computeStatistic('Average', samples)).toBe(29);
    expect(computeStatistic('Minimum', samples)).toBe(10);
    expect(computeStatistic('Maximum', samples)).toBe(200);
    expect(computeStatistic('SampleCount', samples)).toBe(100);
    expect(computeStatistic('p50', samples)).toBe(10);
    expect(computeStatistic('p90', samples)).toBe(10);
    expect(computeStatistic('p95', samples)).toBe(200);
    expect(computeStatistic('p99.9', samples)).toBe(200);
    expect(computeStatistic('p100', samples)).toBe(200);
  });

  it('has no data point without samples, and refuses unknown statistics', () => {
    // Act and assess
    expect(computeStatistic('Average', [])).toBeUndefined();
    expect(() => computeStatistic('tm99' as 'p99', [{ value: 1, count: 1 }])).toThrow(/unsupported statistic tm99/);
  });
});

describe('evaluateAlarmRules', () => {
  it('evaluates every catalog rule at least once', () => {
    // Act
    const evaluations = evaluateAlarmRules([], { instances: localInstances(Database, ['api-health']) });
    // Assess
    expect(new Set(evaluations.map((e) => e.ruleId))).toEqual(new Set(alarmRules.map((r) => r.id)));
  });

  it('raises Database Down from the expression, and when nobody reports (missing data breaches)', () => {
    // Prepare
    const up = [datum(DatabaseUp, { Database }, 1), datum(ConnectionFailures, { Database }, 0)];
    const down = [datum(DatabaseUp, { Database }, 0), datum(ConnectionFailures, { Database }, 1)];
    // Act
    const [healthy] = verdict(up, 'database-down');
    const [broken] = verdict(down, 'database-down');
    const [silent] = verdict([], 'database-down');
    // Assess
    expect(healthy).toMatchObject({ state: AlarmState.Ok, value: 0, comparison: '>', threshold: 0, severity: 'P1', channels: ['pagerduty', 'sms'] });
    expect(broken).toMatchObject({ state: AlarmState.Alarm, value: 2, alarmName: 'tenantwatch-demo-P1-database-down' });
    expect(silent).toMatchObject({ state: AlarmState.Alarm });
    expect(silent?.value).toBeUndefined();
    expect(silent?.reason).toMatch(/treated as breaching/);
  });

  it('compares a threshold rule with its statistic and ignores other databases', () => {
    // Prepare
    const low = [datum(CacheHitRate, { Database }, 85), datum(CacheHitRate, { Database: 'other' }, 99)];
    const high = [datum(CacheHitRate, { Database }, 99.5)];
    // Act and assess
    expect(verdict(low, 'cache-hit-rate-degraded')[0]).toMatchObject({ state: AlarmState.Alarm, value: 85, threshold: 90 });
    expect(verdict(high, 'cache-hit-rate-degraded')[0]).toMatchObject({ state: AlarmState.Ok, value: 99.5 });
    expect(verdict([], 'cache-hit-rate-degraded')[0]).toMatchObject({ state: AlarmState.Ok, reason: expect.stringContaining('not breaching') });
    expect(verdict([], 'cache-hit-rate-degraded')[0]?.value).toBeUndefined();
    expect(verdict([datum(ConnectionUtilization, { Database }, 70)], 'connection-pool-high')[0]).toMatchObject({ state: AlarmState.Ok, value: 70 });
  });

  it('takes percentiles over a distribution', () => {
    // Prepare
    const fast = [distribution(QueryLatency, { Database }, [10, 200], [95, 5])];
    const slow = [distribution(QueryLatency, { Database }, [10, 200], [90, 10])];
    // Act and assess
    expect(verdict(fast, 'query-latency-high')[0]).toMatchObject({ state: AlarmState.Ok, value: 10 });
    expect(verdict(slow, 'query-latency-high')[0]).toMatchObject({ state: AlarmState.Alarm, value: 200 });
  });

  it('fills missing inputs of the tenant isolation expression with 0', () => {
    // Act
    const [breach] = verdict([datum(CrossTenantQueries, { Database }, 1)], 'tenant-isolation-breach');
    const [quiet] = verdict([], 'tenant-isolation-breach');
    // Assess
    expect(breach).toMatchObject({ state: AlarmState.Alarm, value: 1, severity: 'P0', channels: ['security-team', 'pagerduty'] });
    expect(quiet).toMatchObject({ state: AlarmState.Ok, value: 0 });
  });

  it('says why a rule cannot be evaluated locally', () => {
    // Act
    const evaluations = evaluateAlarmRules([], target);
    const byId = (id: string) => evaluations.find((e) => e.ruleId === id);
    // Assess
    for (const id of ['api-error-rate-high', 'response-time-degradation', 'api-p99-high']) {
      expect(byId(id)).toMatchObject({ state: AlarmState.InsufficientData, instance: 'api', reason: expect.stringContaining('needs AWS/ApplicationELB') });
    }
    expect(byId('database-host-cpu-high')).toMatchObject({ state: AlarmState.InsufficientData, reason: expect.stringContaining('needs AWS/RDS') });
    expect(byId('disk-io-spike')).toMatchObject({ state: AlarmState.InsufficientData, reason: expect.stringContaining('anomaly band needs history') });
    expect(byId('availability-below-slo')).toMatchObject({ state: AlarmState.InsufficientData, reason: expect.stringContaining('no health-check endpoints') });
  });

  it('evaluates health-check rules per endpoint, with missing data breaching', () => {
    // Prepare
    const datums = [datum(HealthCheckUp, { Endpoint: 'api' }, 1), datum(HealthCheckUp, { Endpoint: 'web' }, 0)];
    // Act
    const configured = verdict(datums, 'availability-below-slo', ['api', 'web', 'admin']);
    // Assess
    expect(configured.map((e) => [e.instance, e.state, e.value])).toEqual([['health-api', 'OK', 1], ['health-web', 'ALARM', 0], ['health-admin', 'ALARM', undefined]]);
    expect(configured[0]?.alarmName).toBe('tenantwatch-health-api-P2-availability-below-slo');
  });

  it('keeps the heartbeat OK while the run reports', () => {
    // Act and assess
    expect(verdict([datum(CollectorRuns, { Database }, 1)], 'collector-heartbeat-missing')[0]).toMatchObject({ state: AlarmState.Ok, value: 1 });
    expect(verdict([], 'collector-heartbeat-missing')[0]).toMatchObject({ state: AlarmState.Alarm });
  });

  it('counts a run with collector errors as a breaching period of Collector Degraded, reading the Database total only', () => {
    // Prepare: what run-health publishes for one failed collector, for a clean run, and a per-collector datum alone
    const failed = [datum(CollectorErrors, { Database }, 1), datum(CollectorErrors, { Database, Collector: 'statements' }, 1)];
    const clean = [datum(CollectorErrors, { Database }, 0)];
    const perCollectorOnly = [datum(CollectorErrors, { Database, Collector: 'statements' }, 2)];
    // Act
    const [breaching] = verdict(failed, 'collector-degraded');
    const [healthy] = verdict(clean, 'collector-degraded');
    const [unread] = verdict(perCollectorOnly, 'collector-degraded');
    const [silent] = verdict([], 'collector-degraded');
    // Assess
    expect(breaching).toMatchObject({
      state: AlarmState.Alarm, value: 1, comparison: '>', threshold: 0, severity: 'P2', channels: ['slack'],
      alarmName: 'tenantwatch-demo-P2-collector-degraded', reason: '1 > 0',
    });
    expect(healthy).toMatchObject({ state: AlarmState.Ok, value: 0, reason: '0 not > 0' });
    expect(unread).toMatchObject({ state: AlarmState.Ok, reason: 'no data this period; missing data is treated as not breaching' });
    expect(unread?.value).toBeUndefined();
    expect(silent).toMatchObject({ state: AlarmState.Ok, reason: 'no data this period; missing data is treated as not breaching' });
  });
});

describe('applyEvaluationWindow: M of N over consecutive runs', () => {
  const failed = [datum(CollectorErrors, { Database }, 1), datum(CollectorErrors, { Database, Collector: 'statements' }, 1)];
  const clean = [datum(CollectorErrors, { Database }, 0)];

  /** One rule's windowed evaluation after each run of a session. */
  function afterEachRun(runs: readonly (readonly Datum[])[], ruleId: string, rules: readonly AlarmRule[] = alarmRules): (AlarmEvaluation | undefined)[] {
    const evaluated = runs.map((datums) => evaluateAlarmRules(datums, { ...target, rules }));
    return evaluated.map((_, i) => applyEvaluationWindow(evaluated.slice(0, i + 1)).find((e) => e.ruleId === ruleId));
  }

  it('raises Collector Degraded after three runs in a row with collector errors, and not before', () => {
    // Act
    const states = afterEachRun([failed, failed, failed, clean, failed, failed, failed], 'collector-degraded').map((e) => e?.state);
    // Assess
    expect(states).toEqual(['OK', 'OK', 'ALARM', 'OK', 'OK', 'OK', 'ALARM']);
  });

  it('keeps Collector Degraded OK while failed and clean runs alternate, and without errors', () => {
    // Act
    const alternating = afterEachRun([failed, clean, failed, clean, failed], 'collector-degraded').map((e) => e?.state);
    const healthy = afterEachRun([clean, clean, clean, clean], 'collector-degraded').map((e) => e?.state);
    const silent = afterEachRun([[], [], []], 'collector-degraded').map((e) => e?.state);
    // Assess
    expect(alternating).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
    expect(healthy).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(silent).toEqual(['OK', 'OK', 'OK']);
  });

  it('says how many runs of the window breach', () => {
    // Act
    const [first, second, third] = afterEachRun([failed, failed, failed], 'collector-degraded');
    // Assess
    expect(first).toMatchObject({ state: AlarmState.Ok, value: 1, window: { breaching: 1, runs: 1 }, reason: '1 > 0; 1 of the last 1 runs breaching, ALARM at 3 of 3' });
    expect(second).toMatchObject({ state: AlarmState.Ok, value: 1, window: { breaching: 2, runs: 2 }, reason: '1 > 0; 2 of the last 2 runs breaching, ALARM at 3 of 3' });
    expect(third).toMatchObject({ state: AlarmState.Alarm, value: 1, window: { breaching: 3, runs: 3 }, reason: '1 > 0; 3 of the last 3 runs breaching, ALARM at 3 of 3' });
  });

  it('follows an overridden M of N', () => {
    // Prepare: 2 of 4 instead of 3 of 3
    const rules = alarmRules.map((r) => (r.id === 'collector-degraded' ? { ...r, evaluationPeriods: 4, datapointsToAlarm: 2 } : r));
    // Act
    const states = afterEachRun([failed, clean, clean, failed, clean], 'collector-degraded', rules).map((e) => e?.state);
    // Assess: the fourth run has two breaching of four; the fifth drops the first
    expect(states).toEqual(['OK', 'OK', 'OK', 'ALARM', 'OK']);
  });

  it('leaves a one-period rule and a rule it cannot evaluate as the run left them', () => {
    // Prepare
    const down = [datum(DatabaseUp, { Database }, 0), datum(ConnectionFailures, { Database }, 1)];
    // Act
    const [databaseDown] = afterEachRun([down], 'database-down');
    const [elb] = afterEachRun([down], 'api-error-rate-high');
    // Assess
    expect(databaseDown).toMatchObject({ state: AlarmState.Alarm, value: 2, window: { breaching: 1, runs: 1 }, reason: '2 > 0' });
    expect(elb).toMatchObject({ state: AlarmState.InsufficientData, reason: 'needs AWS/ApplicationELB (evaluated by CloudWatch only)' });
    expect(elb?.window).toBeUndefined();
  });
});
