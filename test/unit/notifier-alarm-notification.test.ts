import { describe, expect, it } from 'vitest';
import { alarmFacts, formatNumber, parseStateChangeTime } from '../../lambdas/notifier/alarm-facts.js';
import { parseAlarmNotification, type AlarmNotification } from '../../lambdas/notifier/alarm-notification.js';
import { alarmConsoleUrl, parseAlarmArn } from '../../lambdas/notifier/console-link.js';
import { SnsFixture, snsEvent, type SnsFixture as Fixture } from '../fixtures/sns/index.js';

function parsedFixture(fixture: Fixture): AlarmNotification {
  const result = parseAlarmNotification(snsEvent(fixture).Records[0]!.Sns.Message);
  if (!result.ok) throw new Error(`fixture ${fixture} did not parse: ${result.reason}`);
  return result.notification;
}

describe('parseAlarmNotification', () => {
  it.each([
    [SnsFixture.Classic, 'tenantwatch-orders-P1-cache-hit-rate-degraded', 'OK', 'ALARM'],
    [SnsFixture.ClassicPercentile, 'tenantwatch-api-P2-response-time-degradation', 'OK', 'ALARM'],
    [SnsFixture.Math, 'tenantwatch-orders-P1-database-down', 'OK', 'ALARM'],
    [SnsFixture.Anomaly, 'tenantwatch-orders-P2-disk-io-spike', 'OK', 'ALARM'],
    [SnsFixture.SetAlarmState, 'tenantwatch-orders-P1-cache-hit-rate-degraded', 'OK', 'ALARM'],
    [SnsFixture.UnknownAlarm, 'legacy-rds-cpu-high', 'OK', 'ALARM'],
  ])('reads the CloudWatch format of %s', (fixture, name, oldState, newState) => {
    // prepare
    const message = snsEvent(fixture).Records[0]!.Sns.Message;
    // act
    const result = parseAlarmNotification(message);
    // assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([result.notification.AlarmName, result.notification.OldStateValue, result.notification.NewStateValue]).toEqual([name, oldState, newState]);
    expect(result.notification.AlarmArn).toBe(`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`);
  });

  it.each([
    [SnsFixture.NotJson, 'message is not JSON'],
    [SnsFixture.NoAlarmName, 'message has no AlarmName: not a CloudWatch alarm notification'],
    [SnsFixture.CompositeAlarm, 'not a CloudWatch metric alarm notification: Trigger: Invalid input: expected object, received undefined'],
  ])('refuses %s with a reason that names what is wrong', (fixture, reason) => {
    // prepare
    const message = snsEvent(fixture).Records[0]!.Sns.Message;
    // act
    const result = parseAlarmNotification(message);
    // assess
    expect(result).toEqual({ ok: false, reason });
  });

  it('refuses JSON that is not an object, and an unknown state value', () => {
    // prepare
    const classic = JSON.parse(snsEvent(SnsFixture.Classic).Records[0]!.Sns.Message) as Record<string, unknown>;
    // act
    const array = parseAlarmNotification('[1,2]');
    const badState = parseAlarmNotification(JSON.stringify({ ...classic, NewStateValue: 'ON_FIRE' }));
    // assess
    expect(array).toEqual({ ok: false, reason: 'message is not a JSON object' });
    expect(badState.ok).toBe(false);
    expect(badState.ok ? '' : badState.reason).toMatch(/^not a CloudWatch metric alarm notification: NewStateValue: /);
  });
});

describe('alarmFacts', () => {
  it('describes a classic single-metric alarm: statistic, dimensions, threshold, latest datapoint', () => {
    // act
    const facts = alarmFacts(parsedFixture(SnsFixture.Classic));
    // assess
    expect(facts).toEqual({
      region: 'eu-west-1',
      account: '123456789012',
      consoleUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/tenantwatch-orders-P1-cache-hit-rate-degraded',
      metric: 'TenantWatch/Database CacheHitRate (AVERAGE, Database=orders)',
      threshold: '< 90',
      value: 85.12,
      stateChange: 'OK → ALARM',
      changedAt: new Date('2025-03-04T10:15:23.456Z'),
    });
  });

  it('describes a percentile alarm by its extended statistic', () => {
    // act
    const facts = alarmFacts(parsedFixture(SnsFixture.ClassicPercentile));
    // assess
    expect([facts.metric, facts.threshold, facts.value]).toEqual([
      'AWS/ApplicationELB TargetResponseTime (p95, LoadBalancer=app/payroll-api/50dc6c495c0c9188, TargetGroup=targetgroup/payroll-api/943f017f100becff)',
      '> 0.2',
      0.3127,
    ]);
  });

  it('describes a metric-math alarm by its label, expression and inputs', () => {
    // act
    const facts = alarmFacts(parsedFixture(SnsFixture.Math));
    // assess
    expect([facts.metric, facts.threshold, facts.value]).toEqual([
      'Connection failures or database not up: failures + (1 - up) where failures = TenantWatch/Database ConnectionFailures (Sum, Database=orders); up = TenantWatch/Database DatabaseUp (Minimum, Database=orders)',
      '> 0',
      2,
    ]);
  });

  it('takes an anomaly alarm\'s threshold from the band edge in the reason (it has no Threshold)', () => {
    // act
    const facts = alarmFacts(parsedFixture(SnsFixture.Anomaly));
    // assess
    expect([facts.metric, facts.threshold, facts.value]).toEqual([
      'TenantWatch/Database DiskReads (Sum, Database=orders) vs ANOMALY_DETECTION_BAND(value, 2)',
      '> upper band 20313',
      48211,
    ]);
  });

  it('has no value when the reason carries no datapoint (set-alarm-state)', () => {
    // act
    const facts = alarmFacts(parsedFixture(SnsFixture.SetAlarmState));
    // assess
    expect([facts.value, facts.threshold]).toEqual([undefined, '< 90']);
  });

  it('describes a band alarm that fires on both edges by its two edges', () => {
    // prepare
    const anomaly = parsedFixture(SnsFixture.Anomaly);
    const both: AlarmNotification = {
      ...anomaly,
      NewStateReason: 'Thresholds Crossed: 1 out of the last 4 datapoints [537.0 (14/11/25 18:39:00)] was less than the lower thresholds [193.33593366980995] or greater than the upper thresholds [531.4406901351432] (minimum 1 datapoint for OK -> ALARM transition).',
      Trigger: { ...anomaly.Trigger, ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' },
    };
    // act
    const facts = alarmFacts(both);
    // assess
    expect([facts.threshold, facts.value]).toEqual(['outside the band [193.3, 531.4]', 537]);
  });
});

describe('console links and times', () => {
  it.each([
    ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:a b/c', 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/a%20b%2Fc'],
    ['arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:x', 'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/x'],
    ['arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:x', 'https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#alarmsV2:alarm/x'],
    ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:name:with:colons', 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/name%3Awith%3Acolons'],
  ])('links %s to its own region and partition', (arn, url) => {
    // act
    const link = alarmConsoleUrl(parseAlarmArn(arn));
    // assess
    expect(link).toBe(url);
  });

  it('refuses an ARN that is not a CloudWatch alarm', () => {
    // act + assess
    expect(() => parseAlarmArn('arn:aws:sns:eu-west-1:123456789012:topic')).toThrow('not a CloudWatch alarm ARN');
  });

  it('parses CloudWatch\'s basic-format offset, and gives undefined for garbage', () => {
    // act + assess
    expect(parseStateChangeTime('2025-03-04T10:15:23.456+0000')).toEqual(new Date('2025-03-04T10:15:23.456Z'));
    expect(parseStateChangeTime('2025-03-04T12:15:23.456+0200')).toEqual(new Date('2025-03-04T10:15:23.456Z'));
    expect(parseStateChangeTime('yesterday')).toBeUndefined();
  });

  it.each([[85.123, '85.12'], [0.2, '0.2'], [0.050002640067216934, '0.05'], [48211.4, '48211'], [-1234.5, '-1234'], [0, '0']])(
    'formats %d as %s',
    (value, text) => {
      // act + assess
      expect(formatNumber(value)).toBe(text);
    },
  );
});
