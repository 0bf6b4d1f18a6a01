import { describe, expect, it } from 'vitest';
import { CacheHitRateDegraded, DatabaseDown, DiskIoSpike, TenantIsolationBreach } from '../../lambdas/core/catalog/index.js';
import type { AlarmRoute } from '../../lambdas/core/routing/routing-table.js';
import { parseAlarmNotification } from '../../lambdas/notifier/alarm-notification.js';
import {
  MAX_DEDUP_KEY_LENGTH, MAX_SUMMARY_LENGTH, PAGERDUTY_SEVERITY, dedupKey, pagerDutyEvent,
} from '../../lambdas/notifier/pagerduty-event.js';
import { routedAlarm, type RoutedAlarm } from '../../lambdas/notifier/routed-alarm.js';
import { SlackColour, escapeSlack, slackMessage, slackSkipReason } from '../../lambdas/notifier/slack-message.js';
import {
  SnsFixture, catalogRoute, forAlarm, insufficientData, recovered, snsEvent, withMessage,
} from '../fixtures/sns/index.js';
import type { SNSEvent } from 'aws-lambda';

const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY01';

function alarmOf(event: SNSEvent, route: AlarmRoute): RoutedAlarm {
  const parsed = parseAlarmNotification(event.Records[0]!.Sns.Message);
  if (!parsed.ok) throw new Error(parsed.reason);
  return routedAlarm(parsed.notification, route);
}

const cacheRoute = catalogRoute(CacheHitRateDegraded, 'orders');
const downRoute = catalogRoute(DatabaseDown, 'orders');
const CACHE_URL = 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/tenantwatch-orders-P1-cache-hit-rate-degraded';
const DOWN_ARN = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:tenantwatch-orders-P1-database-down';
const DOWN_URL = 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/tenantwatch-orders-P1-database-down';
const CACHE_REASON = 'Threshold Crossed: 3 out of the last 3 datapoints [85.12 (04/03/25 10:14:00), 87.5 (04/03/25 10:13:00), 88.9 (04/03/25 10:12:00)] were less than the threshold (90.0) (minimum 3 datapoints for OK -> ALARM transition).';
const DOWN_REASON = 'Threshold Crossed: 1 out of the last 1 datapoints [2.0 (04/03/25 10:20:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).';

describe('slackMessage', () => {
  it('builds the exact message for a classic ALARM: summary line, colour, link, reason, fields', () => {
    // prepare
    const alarm = alarmOf(snsEvent(SnsFixture.Classic), cacheRoute);
    // act
    const message = slackMessage(alarm);
    // assess
    expect(message).toEqual({
      text: '*ALARM [P1] Cache Hit Rate Degraded on orders: 85.12 (threshold &lt; 90)*',
      attachments: [{
        color: '#E01E5A',
        fallback: 'ALARM [P1] Cache Hit Rate Degraded on orders: 85.12 (threshold &lt; 90)',
        title: '[P1] Cache Hit Rate Degraded on orders: open the alarm in CloudWatch',
        title_link: CACHE_URL,
        text: CACHE_REASON.replace('->', '-&gt;'),
        fields: [
          { title: 'State', value: 'OK → ALARM', short: true },
          { title: 'Value', value: '85.12 (threshold &lt; 90)', short: true },
          { title: 'Metric', value: 'TenantWatch/Database CacheHitRate (AVERAGE, Database=orders)', short: false },
          { title: 'Runbook', value: CacheHitRateDegraded.runbook, short: false },
          { title: 'Alarm', value: 'tenantwatch-orders-P1-cache-hit-rate-degraded', short: false },
          { title: 'Account / region', value: '123456789012 / eu-west-1', short: true },
        ],
        footer: 'tenantwatch',
        ts: 1741083323,
      }],
    });
  });

  it.each([
    ['P0 ALARM', catalogRoute(TenantIsolationBreach, 'orders'), 'ALARM', SlackColour.P0],
    ['P1 ALARM', cacheRoute, 'ALARM', SlackColour.P1],
    ['P2 ALARM', catalogRoute(DiskIoSpike, 'orders'), 'ALARM', SlackColour.P2],
    ['P1 OK', cacheRoute, 'OK', SlackColour.ok],
    ['P1 INSUFFICIENT_DATA', cacheRoute, 'INSUFFICIENT_DATA', SlackColour.insufficientData],
  ])('colours %s by severity, or green on recovery, grey without data', (_label, route, state, colour) => {
    // prepare
    const base = forAlarm(snsEvent(SnsFixture.Classic), route.alarmName);
    const event = state === 'OK' ? recovered(base, 'recovered') : state === 'INSUFFICIENT_DATA' ? insufficientData(base) : base;
    // act
    const message = slackMessage(alarmOf(event, route));
    // assess
    expect(message.attachments[0]!.color).toBe(colour);
    expect(message.text.startsWith(`*${state} [${route.severity}] ${route.title} on orders`)).toBe(true);
  });

  it('escapes Slack markup in alarm text so a reason cannot ping @channel or forge a link', () => {
    // prepare
    const event = withMessage(snsEvent(SnsFixture.Classic), (m) => ({ ...m, NewStateReason: '<!channel> see <https://evil|here> & more' }));
    // act
    const message = slackMessage(alarmOf(event, cacheRoute));
    // assess
    expect(message.attachments[0]!.text).toBe('&lt;!channel&gt; see &lt;https://evil|here&gt; &amp; more');
    expect(escapeSlack('a < b > c & d')).toBe('a &lt; b &gt; c &amp; d');
  });

  it('falls back to the alarm description for the runbook line when the route has none', () => {
    // prepare
    const route = { ...cacheRoute, runbook: '' };
    // act
    const message = slackMessage(alarmOf(snsEvent(SnsFixture.Classic), route));
    // assess
    expect(message.attachments[0]!.fields.find((f) => f.title === 'Runbook')!.value).toBe(
      'Check shared_buffers sizing and the top-10 statements by disk reads (Infrastructure Health dashboard).',
    );
  });
});

describe('slackSkipReason', () => {
  it.each([
    ['OK', 'ALARM', undefined],
    ['ALARM', 'OK', undefined],
    ['OK', 'INSUFFICIENT_DATA', undefined],
    ['INSUFFICIENT_DATA', 'ALARM', undefined],
    ['INSUFFICIENT_DATA', 'OK', 'INSUFFICIENT_DATA → OK is a first evaluation, not a recovery: not posted'],
  ] as const)('%s → %s: %s', (oldState, newState, reason) => {
    // act + assess
    expect(slackSkipReason(oldState, newState)).toBe(reason);
  });
});

describe('pagerDutyEvent', () => {
  it('builds the exact trigger for a metric-math ALARM', () => {
    // prepare
    const alarm = alarmOf(snsEvent(SnsFixture.Math), downRoute);
    // act
    const event = pagerDutyEvent(alarm, ROUTING_KEY);
    // assess
    expect(event).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: DOWN_ARN,
      client: 'tenantwatch',
      client_url: DOWN_URL,
      links: [{ href: DOWN_URL, text: 'CloudWatch alarm' }],
      payload: {
        summary: `[P1] Database Down on orders: 2 (threshold > 0). ${DOWN_REASON}`,
        source: 'orders (eu-west-1)',
        severity: 'critical',
        timestamp: '2025-03-04T10:21:01.659Z',
        component: 'orders',
        group: 'tenantwatch',
        class: 'database-down',
        custom_details: {
          alarm_name: 'tenantwatch-orders-P1-database-down',
          state_change: 'OK → ALARM',
          reason: DOWN_REASON,
          metric: 'Connection failures or database not up: failures + (1 - up) where failures = TenantWatch/Database ConnectionFailures (Sum, Database=orders); up = TenantWatch/Database DatabaseUp (Minimum, Database=orders)',
          value: '2',
          threshold: '> 0',
          region: 'eu-west-1',
          account: '123456789012',
          runbook: DatabaseDown.runbook,
        },
      },
    });
  });

  it('resolves on OK with the same dedup key, and does nothing on INSUFFICIENT_DATA', () => {
    // prepare
    const alarmEvent = snsEvent(SnsFixture.Math);
    // act
    const trigger = pagerDutyEvent(alarmOf(alarmEvent, downRoute), ROUTING_KEY);
    const resolve = pagerDutyEvent(alarmOf(recovered(alarmEvent, 'ok again'), downRoute), ROUTING_KEY);
    const noData = pagerDutyEvent(alarmOf(insufficientData(alarmEvent), downRoute), ROUTING_KEY);
    // assess
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: DOWN_ARN });
    expect(trigger?.dedup_key).toBe(resolve?.dedup_key);
    expect(noData).toBeUndefined();
  });

  it('maps P0 and P1 to critical and P2 to warning', () => {
    // act + assess
    expect(PAGERDUTY_SEVERITY).toEqual({ P0: 'critical', P1: 'critical', P2: 'warning' });
  });

  it('keeps the summary within PagerDuty\'s 1024 characters', () => {
    // prepare
    const event = withMessage(snsEvent(SnsFixture.Math), (m) => ({ ...m, NewStateReason: 'x'.repeat(5000) }));
    // act
    const trigger = pagerDutyEvent(alarmOf(event, downRoute), ROUTING_KEY);
    // assess
    const summary = trigger?.event_action === 'trigger' ? trigger.payload.summary : '';
    expect(summary.length).toBe(MAX_SUMMARY_LENGTH);
    expect(summary.endsWith('x…')).toBe(true);
  });

  it('keeps the ARN as the dedup key, and digests only an ARN beyond 255 characters', () => {
    // prepare
    const long = `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${'n'.repeat(250)}`;
    // act
    const key = dedupKey(long);
    // assess
    expect(dedupKey(DOWN_ARN)).toBe(DOWN_ARN);
    expect(key).toMatch(/^tenantwatch-alarm-sha256:[0-9a-f]{64}$/);
    expect(key.length).toBeLessThanOrEqual(MAX_DEDUP_KEY_LENGTH);
    expect(dedupKey(long)).toBe(key);
  });
});
