/**
 * The notifier handler end to end over real HTTP: SNS events in, requests to a fake Slack
 * and a fake PagerDuty out, secrets read from a fake Secrets Manager by the real SDK.
 * Retries do not really sleep: the handler's sleep is replaced by one that records the
 * delays it was asked for, so they can be asserted exactly.
 */
import type { Context, SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Channel, CacheHitRateDegraded, DatabaseDown, DiskIoSpike, TenantIsolationBreach, alarmRules, AlarmScope,
} from '../../lambdas/core/catalog/index.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import type { RoutingTable } from '../../lambdas/core/routing/routing-table.js';
import { createSecretReader } from '../../lambdas/collector/runtime/secrets.js';
import { NotifierEnv } from '../../lambdas/notifier/env-names.js';
import { createNotifierHandler } from '../../lambdas/notifier/handler.js';
import type { HttpRetryPolicy } from '../../lambdas/notifier/http-post.js';
import type { NotifyReport } from '../../lambdas/notifier/notify.js';
import { encodeRoutes } from '../../lambdas/notifier/routes-env.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/fake-cloudwatch.js';
import { startFakePagerDuty, type FakePagerDuty } from '../support/fake-pagerduty.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import {
  SnsFixture, catalogRoute, insufficientData, recovered, snsEvent, withMessage, type SnsFixture as Fixture,
} from '../fixtures/sns/index.js';

const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY01';
const ROTATED_ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY02';
const ACCOUNT = '123456789012';
const ARN_PREFIX = `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:`;
const CONSOLE_PREFIX = 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/';

/** Every target-scope rule on `orders`, API rules on `api`; Disk I/O Spike also pages (a P2 page). */
const routes: RoutingTable = alarmRules
  .filter((rule) => rule.scope !== AlarmScope.HealthCheck)
  .map((rule) => rule.id === DiskIoSpike.id
    ? catalogRoute(rule, 'orders', [Channel.Slack, Channel.PagerDuty])
    : catalogRoute(rule, rule.scope === AlarmScope.Api ? 'api' : 'orders'));

let slack: FakeSlack;
let pagerDuty: FakePagerDuty;
let secretsManager: FakeSecretsManager;
const secretArns = { slack: '', security: '', pagerDuty: '' };
/** Every log line of every invocation in this file: none may hold a secret. */
const allLogLines: string[] = [];
const allErrors: string[] = [];

const FAST_RETRIES: HttpRetryPolicy = { maxAttempts: 3, timeoutMs: 5_000, baseDelayMs: 1_000, maxDelayMs: 5_000 };

function lambdaContext(remainingMs = 60_000): Context {
  return {
    awsRequestId: 'c0ffee00-0000-4000-8000-000000000001',
    functionName: 'tenantwatch-notifier',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

interface Invocation {
  readonly report?: NotifyReport;
  readonly error?: Error;
  readonly sleeps: number[];
  readonly log: ReturnType<typeof createMemoryLogger>;
}

interface SessionOptions {
  readonly env?: Record<string, string | undefined>;
  readonly policy?: HttpRetryPolicy;
}

/** One execution environment: a handler whose secret cache lives across its invocations. */
function session(options: SessionOptions = {}) {
  const sleeps: number[] = [];
  const log = createMemoryLogger('notifier');
  const secrets = createSecretReader({ endpoint: secretsManager.url, region: FAKE_AWS_REGION, credentials: FAKE_AWS_CREDENTIALS });
  const handler = createNotifierHandler({
    env: {
      [NotifierEnv.Routes]: encodeRoutes(routes),
      [NotifierEnv.SlackWebhookSecretArn]: secretArns.slack,
      [NotifierEnv.SecuritySlackWebhookSecretArn]: secretArns.security,
      [NotifierEnv.PagerDutyRoutingKeySecretArn]: secretArns.pagerDuty,
      [NotifierEnv.PagerDutyEventsUrl]: pagerDuty.eventsUrl,
      ...options.env,
    },
    log,
    secrets,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retryPolicy: options.policy ?? FAST_RETRIES,
  });
  return {
    async run(event: SNSEvent, remainingMs?: number): Promise<Invocation> {
      try {
        return { report: await handler(event, lambdaContext(remainingMs)), sleeps, log };
      } catch (error) {
        allErrors.push((error as Error).message);
        return { error: error as Error, sleeps, log };
      }
    },
    close() {
      allLogLines.push(...log.lines);
      secrets.close();
    },
  };
}

async function invoke(event: SNSEvent, options: SessionOptions & { remainingMs?: number } = {}): Promise<Invocation> {
  const environment = session(options);
  try {
    return await environment.run(event, options.remainingMs);
  } finally {
    environment.close();
  }
}

function slackRequests(channel: string) {
  const path = new URL(slack.webhookUrl(channel)).pathname;
  return slack.server.requests.filter((r) => r.path === path);
}

beforeAll(async () => {
  [slack, pagerDuty, secretsManager] = await Promise.all([
    startFakeSlack(),
    startFakePagerDuty([ROUTING_KEY, ROTATED_ROUTING_KEY]),
    startFakeSecretsManager(FAKE_AWS_REGION),
  ]);
});

afterAll(async () => {
  await Promise.all([slack?.stop(), pagerDuty?.stop(), secretsManager?.stop()]);
});

beforeEach(() => {
  // Bare value, JSON with webhookUrl, JSON with routingKey: the three shapes the README allows.
  secretArns.slack = secretsManager.setSecret('tenantwatch/slack-ops', slack.webhookUrl('ops'));
  secretArns.security = secretsManager.setSecret('tenantwatch/slack-security', JSON.stringify({ webhookUrl: slack.webhookUrl('security') }));
  secretArns.pagerDuty = secretsManager.setSecret('tenantwatch/pagerduty', JSON.stringify({ routingKey: ROUTING_KEY }));
  for (const server of [slack.server, pagerDuty.server, secretsManager.server]) {
    server.clearFaults();
    server.clearRequests();
  }
});

/** The Slack message layout, with every value spelled out by the test. */
function slackMessage(m: {
  text: string; color: string; title: string; alarm: string; reason: string; state: string; value: string; metric: string; runbook: string; ts: number;
}) {
  return {
    text: `*${m.text}*`,
    attachments: [{
      color: m.color,
      fallback: m.text,
      title: m.title,
      title_link: `${CONSOLE_PREFIX}${m.alarm}`,
      text: m.reason,
      fields: [
        { title: 'State', value: m.state, short: true },
        { title: 'Value', value: m.value, short: true },
        { title: 'Metric', value: m.metric, short: false },
        { title: 'Runbook', value: m.runbook, short: false },
        { title: 'Alarm', value: m.alarm, short: false },
        { title: 'Account / region', value: `${ACCOUNT} / eu-west-1`, short: true },
      ],
      footer: 'tenantwatch',
      ts: m.ts,
    }],
  };
}

describe('exact payloads for ALARM and OK of each severity', () => {
  it('P0 Tenant Isolation Breach: the security Slack channel and a critical page, resolved on OK with the same dedup key', async () => {
    // prepare
    const alarm = snsEvent(SnsFixture.SecurityMath);
    const ok = recovered(alarm, 'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (04/03/25 10:50:00)] was not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).');
    const name = 'tenantwatch-orders-P0-tenant-isolation-breach';
    const metric = 'Cross-tenant statements + isolation violations: FILL(cross, 0) + FILL(violations, 0) where cross = TenantWatch/Security CrossTenantQueries (Sum, Database=orders); violations = TenantWatch/Security TenantIsolationViolations (Sum, Database=orders)';
    // act
    const first = await invoke(alarm);
    const second = await invoke(ok);
    // assess
    expect([first.error, second.error]).toEqual([undefined, undefined]);
    expect(slack.messages('ops')).toEqual([]);
    expect(slack.messages('security')).toEqual([
      slackMessage({
        text: 'ALARM [P0] Tenant Isolation Breach on orders: 3 (threshold &gt; 0)', color: '#8B0000',
        title: '[P0] Tenant Isolation Breach on orders: open the alarm in CloudWatch', alarm: name,
        reason: 'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (04/03/25 10:40:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -&gt; ALARM transition).',
        state: 'OK → ALARM', value: '3 (threshold &gt; 0)', metric, runbook: TenantIsolationBreach.runbook, ts: 1741084867,
      }),
      slackMessage({
        text: 'OK [P0] Tenant Isolation Breach on orders: 0 (threshold &gt; 0)', color: '#2EB67D',
        title: '[P0] Tenant Isolation Breach on orders: open the alarm in CloudWatch', alarm: name,
        reason: 'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (04/03/25 10:50:00)] was not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -&gt; OK transition).',
        state: 'ALARM → OK', value: '0 (threshold &gt; 0)', metric, runbook: TenantIsolationBreach.runbook, ts: 1741084867,
      }),
    ]);
    expect(pagerDuty.events()).toEqual([
      {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: `${ARN_PREFIX}${name}`,
        client: 'tenantwatch',
        client_url: `${CONSOLE_PREFIX}${name}`,
        links: [{ href: `${CONSOLE_PREFIX}${name}`, text: 'CloudWatch alarm' }],
        payload: {
          summary: '[P0] Tenant Isolation Breach on orders: 3 (threshold > 0). Threshold Crossed: 1 out of the last 1 datapoints [3.0 (04/03/25 10:40:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
          source: 'orders (eu-west-1)',
          severity: 'critical',
          timestamp: '2025-03-04T10:41:07.220Z',
          component: 'orders',
          group: 'tenantwatch',
          class: 'tenant-isolation-breach',
          custom_details: {
            alarm_name: name,
            state_change: 'OK → ALARM',
            reason: 'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (04/03/25 10:40:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
            metric,
            value: '3',
            threshold: '> 0',
            region: 'eu-west-1',
            account: ACCOUNT,
            runbook: TenantIsolationBreach.runbook,
          },
        },
      },
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `${ARN_PREFIX}${name}` },
    ]);
    expect(pagerDuty.incidents.get(`${ARN_PREFIX}${name}`)).toBe('resolved');
  });

  it('P1 Database Down (metric math): a critical page only, and its resolve', async () => {
    // prepare
    const alarm = snsEvent(SnsFixture.Math);
    const ok = recovered(alarm, 'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (04/03/25 10:50:00)] was not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).');
    const dedup = `${ARN_PREFIX}tenantwatch-orders-P1-database-down`;
    // act
    const first = await invoke(alarm);
    const triggered = pagerDuty.incidents.get(dedup);
    const second = await invoke(ok);
    // assess
    expect([first.error, second.error, triggered]).toEqual([undefined, undefined, 'triggered']);
    expect(slack.server.requests).toEqual([]);
    const [trigger, resolve] = pagerDuty.events();
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: dedup,
      payload: {
        summary: '[P1] Database Down on orders: 2 (threshold > 0). Threshold Crossed: 1 out of the last 1 datapoints [2.0 (04/03/25 10:20:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
        severity: 'critical',
        class: 'database-down',
        custom_details: { value: '2', threshold: '> 0', runbook: DatabaseDown.runbook, region: 'eu-west-1', account: ACCOUNT },
      },
    });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: dedup });
    expect(pagerDuty.incidents.get(dedup)).toBe('resolved');
  });

  it('P1 Cache Hit Rate Degraded (classic): the ops Slack channel, red then green, no page', async () => {
    // prepare
    const alarm = snsEvent(SnsFixture.Classic);
    const ok = recovered(alarm, 'Threshold Crossed: 3 out of the last 3 datapoints [96.4 (04/03/25 10:44:00), 95.9 (04/03/25 10:43:00), 96.1 (04/03/25 10:42:00)] were not less than the threshold (90.0) (minimum 3 datapoints for ALARM -> OK transition).');
    const name = 'tenantwatch-orders-P1-cache-hit-rate-degraded';
    const common = {
      title: '[P1] Cache Hit Rate Degraded on orders: open the alarm in CloudWatch', alarm: name,
      metric: 'TenantWatch/Database CacheHitRate (AVERAGE, Database=orders)', runbook: CacheHitRateDegraded.runbook, ts: 1741083323,
    };
    // act
    await invoke(alarm);
    await invoke(ok);
    // assess
    expect(pagerDuty.server.requests).toEqual([]);
    expect(slack.messages('security')).toEqual([]);
    expect(slack.messages('ops')).toEqual([
      slackMessage({
        ...common, text: 'ALARM [P1] Cache Hit Rate Degraded on orders: 85.12 (threshold &lt; 90)', color: '#E01E5A',
        reason: 'Threshold Crossed: 3 out of the last 3 datapoints [85.12 (04/03/25 10:14:00), 87.5 (04/03/25 10:13:00), 88.9 (04/03/25 10:12:00)] were less than the threshold (90.0) (minimum 3 datapoints for OK -&gt; ALARM transition).',
        state: 'OK → ALARM', value: '85.12 (threshold &lt; 90)',
      }),
      slackMessage({
        ...common, text: 'OK [P1] Cache Hit Rate Degraded on orders: 96.4 (threshold &lt; 90)', color: '#2EB67D',
        reason: 'Threshold Crossed: 3 out of the last 3 datapoints [96.4 (04/03/25 10:44:00), 95.9 (04/03/25 10:43:00), 96.1 (04/03/25 10:42:00)] were not less than the threshold (90.0) (minimum 3 datapoints for ALARM -&gt; OK transition).',
        state: 'ALARM → OK', value: '96.4 (threshold &lt; 90)',
      }),
    ]);
  });

  it('P2 Disk I/O Spike (anomaly band): amber Slack message and a warning page, then green and resolved', async () => {
    // prepare
    const alarm = snsEvent(SnsFixture.Anomaly);
    const ok = recovered(alarm, 'Thresholds Crossed: 1 out of the last 3 datapoints [12040.0 (04/03/25 10:55:00)] was not greater than the upper thresholds [20110.3] (minimum 1 datapoint for ALARM -> OK transition).');
    const dedup = `${ARN_PREFIX}tenantwatch-orders-P2-disk-io-spike`;
    // act
    await invoke(alarm);
    await invoke(ok);
    // assess
    const messages = slack.messages('ops') as { text: string; attachments: { color: string }[] }[];
    expect(messages.map((m) => [m.text, m.attachments[0]!.color])).toEqual([
      ['*ALARM [P2] Disk I/O Spike on orders: 48211 (threshold &gt; upper band 20313)*', '#ECB22E'],
      ['*OK [P2] Disk I/O Spike on orders: 12040 (threshold &gt; upper band 20110)*', '#2EB67D'],
    ]);
    const [trigger, resolve] = pagerDuty.events();
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: dedup,
      payload: {
        severity: 'warning',
        summary: '[P2] Disk I/O Spike on orders: 48211 (threshold > upper band 20313). Thresholds Crossed: 2 out of the last 3 datapoints [48211.0 (04/03/25 10:25:00), 45102.0 (04/03/25 10:20:00)] were greater than the upper thresholds [20312.55, 19876.01] (minimum 2 datapoints for OK -> ALARM transition).',
        custom_details: {
          metric: 'TenantWatch/Database DiskReads (Sum, Database=orders) vs ANOMALY_DETECTION_BAND(value, 2)',
          value: '48211',
          threshold: '> upper band 20313',
        },
      },
    });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: dedup });
  });

  it('INSUFFICIENT_DATA: grey Slack message, no page and no resolve (the incident stays open)', async () => {
    // prepare
    const cache = insufficientData(snsEvent(SnsFixture.Classic));
    const down = insufficientData(snsEvent(SnsFixture.Math));
    // act
    const slackOnly = await invoke(cache);
    const pageOnly = await invoke(down);
    // assess
    expect([slackOnly.error, pageOnly.error]).toEqual([undefined, undefined]);
    const messages = slack.messages('ops') as { text: string; attachments: { color: string }[] }[];
    expect(messages.map((m) => [m.text, m.attachments[0]!.color])).toEqual([
      ['*INSUFFICIENT_DATA [P1] Cache Hit Rate Degraded on orders: threshold &lt; 90*', '#9E9E9E'],
    ]);
    expect(pagerDuty.server.requests).toEqual([]);
    expect(pageOnly.report?.deliveries).toEqual([{
      alarmName: 'tenantwatch-orders-P1-database-down', state: 'INSUFFICIENT_DATA', destination: 'pagerduty', result: 'skipped',
      reason: 'INSUFFICIENT_DATA neither pages nor resolves; the incident, if any, stays open',
    }]);
  });
});

describe('a new alarm\'s first evaluation', () => {
  it('INSUFFICIENT_DATA → OK posts nothing to Slack, and resolves in PagerDuty (a no-op there)', async () => {
    // prepare
    const firstOk = withMessage(snsEvent(SnsFixture.SecurityMath), (m) => ({
      ...m, OldStateValue: 'INSUFFICIENT_DATA', NewStateValue: 'OK',
      NewStateReason: 'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (04/03/25 10:40:00)] was not greater than the threshold (0.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> OK transition).',
    }));
    // act
    const result = await invoke(firstOk);
    // assess
    expect(result.error).toBeUndefined();
    expect(slack.server.requests).toEqual([]);
    expect(pagerDuty.events().map((e) => e.event_action)).toEqual(['resolve']);
    expect(result.report?.deliveries.map((d) => [d.destination, d.result])).toEqual([['security-slack', 'skipped'], ['pagerduty', 'delivered']]);
  });
});

describe('failures: retries, refusals, timeouts', () => {
  it('429 with Retry-After, then success: waits what Slack asked, exactly one message delivered', async () => {
    // prepare
    slack.server.inject({ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' });
    // act
    const result = await invoke(snsEvent(SnsFixture.Classic));
    // assess
    expect(result.error).toBeUndefined();
    expect(slackRequests('ops').map((r) => r.outcome)).toEqual([429, 200]);
    expect(slack.messages('ops')).toHaveLength(1);
    expect(result.sleeps).toEqual([2000]);
    expect(result.report?.deliveries).toEqual([{
      alarmName: 'tenantwatch-orders-P1-cache-hit-rate-degraded', state: 'ALARM', destination: 'slack', result: 'delivered', attempts: 2, status: 200,
    }]);
  });

  it('429 from PagerDuty with a Retry-After beyond the cap: waits the cap, one event accepted', async () => {
    // prepare
    pagerDuty.server.inject({ status: 429, headers: { 'retry-after': '3600' }, body: '{"status":"throttle event","message":"Requests for this service are arriving too quickly."}' });
    // act
    const result = await invoke(snsEvent(SnsFixture.Math));
    // assess
    expect(result.error).toBeUndefined();
    expect(result.sleeps).toEqual([FAST_RETRIES.maxDelayMs]);
    expect(pagerDuty.events()).toHaveLength(1);
  });

  it('500 forever: the invocation fails after exactly the bounded attempts, with backoff between them', async () => {
    // prepare
    pagerDuty.server.inject({ status: 500, body: 'upstream unavailable' }, Infinity);
    // act
    const result = await invoke(snsEvent(SnsFixture.Math));
    // assess
    expect(pagerDuty.server.requests).toHaveLength(FAST_RETRIES.maxAttempts);
    expect(result.sleeps).toEqual([1000, 2000]);
    expect(result.error?.name).toBe('DeliveryFailedError');
    expect(result.error?.message).toBe(
      '1 notification delivery failed: pagerduty for tenantwatch-orders-P1-database-down (ALARM): HTTP 500: upstream unavailable (gave up after 3 attempts)',
    );
    expect(result.log.records().filter((r) => r.event === 'invocation_failed')).toHaveLength(1);
  });

  it('400 from Slack: no retry, a clear error, and the invocation fails', async () => {
    // prepare
    slack.server.inject({ status: 400, headers: { 'content-type': 'text/html' }, body: 'invalid_payload' });
    const readsBefore = secretsManager.getSecretValueCalls('tenantwatch/slack-ops');
    // act
    const result = await invoke(snsEvent(SnsFixture.Classic));
    // assess
    expect(slackRequests('ops')).toHaveLength(1);
    expect(result.sleeps).toEqual([]);
    expect(result.error?.message).toBe(
      '1 notification delivery failed: slack for tenantwatch-orders-P1-cache-hit-rate-degraded (ALARM): HTTP 400: invalid_payload (not retried: the request itself was refused)',
    );
    // The secret was read again once (it may have been rotated); unchanged, so no second post.
    expect(secretsManager.getSecretValueCalls('tenantwatch/slack-ops') - readsBefore).toBe(2);
  });

  it('400 from PagerDuty for a routing key of no integration: its own words, no retry', async () => {
    // prepare
    secretsManager.setSecret('tenantwatch/pagerduty', 'NOTAKEYNOTAKEYNOTAKEYNOTAKEY0000');
    // act
    const result = await invoke(snsEvent(SnsFixture.Math));
    // assess
    expect(pagerDuty.server.requests).toHaveLength(1);
    expect(result.error?.message).toBe(
      '1 notification delivery failed: pagerduty for tenantwatch-orders-P1-database-down (ALARM): HTTP 400: {"status":"invalid event","message":"Event object is invalid","errors":["\'routing_key\' does not belong to any integration"]} (not retried: the request itself was refused)',
    );
  });

  it('a rotated secret: the refused old value is re-read once, and the new one delivers', async () => {
    // prepare: the handler's cache holds the old routing key; PagerDuty now knows only the rotated one.
    const environment = session();
    await environment.run(snsEvent(SnsFixture.Math));
    secretsManager.setSecret('tenantwatch/pagerduty', ROTATED_ROUTING_KEY);
    pagerDuty.server.inject({ status: 400, headers: { 'content-type': 'application/json' }, body: '{"status":"invalid event","message":"Event object is invalid","errors":["\'routing_key\' does not belong to any integration"]}' });
    // act
    const result = await environment.run(recovered(snsEvent(SnsFixture.Math), 'ok'));
    environment.close();
    // assess
    expect(result.report?.deliveries).toEqual([{
      alarmName: 'tenantwatch-orders-P1-database-down', state: 'OK', destination: 'pagerduty', result: 'delivered', attempts: 2, status: 202,
    }]);
    expect(pagerDuty.events().map((e) => [e.event_action, e.routing_key])).toEqual([['trigger', ROUTING_KEY], ['resolve', ROTATED_ROUTING_KEY]]);
    expect(result.sleeps).toEqual([]);
  });

  it('a request that hangs times out and is retried', async () => {
    // prepare
    slack.server.inject('hang');
    // act
    const result = await invoke(snsEvent(SnsFixture.Classic), { policy: { ...FAST_RETRIES, timeoutMs: 300 } });
    // assess
    expect(result.error).toBeUndefined();
    expect(slackRequests('ops').map((r) => r.outcome)).toEqual(['hang', 200]);
    expect(result.sleeps).toEqual([1000]);
  });

  it('no retry starts that the invocation has no time left to finish', async () => {
    // prepare: 3 s left, of which 2 s are kept back: no room for a 1 s backoff plus a 5 s attempt.
    pagerDuty.server.inject({ status: 503, body: 'busy' }, Infinity);
    // act
    const result = await invoke(snsEvent(SnsFixture.Math), { remainingMs: 3_000 });
    // assess
    expect(pagerDuty.server.requests).toHaveLength(1);
    expect(result.error?.message).toMatch(/HTTP 503: busy \(gave up after 1 attempts: no time left in this invocation for another\)$/);
  });

  it('one failed destination fails the invocation, after the others were delivered', async () => {
    // prepare
    slack.server.inject({ status: 500, body: 'slack is down' }, Infinity);
    // act
    const result = await invoke(snsEvent(SnsFixture.SecurityMath));
    // assess
    expect(pagerDuty.events()).toHaveLength(1);
    expect(slackRequests('security')).toHaveLength(3);
    expect(result.error?.message).toBe(
      '1 notification delivery failed: security-slack for tenantwatch-orders-P0-tenant-isolation-breach (ALARM): HTTP 500: slack is down (gave up after 3 attempts)',
    );
  });

  it('a secret that cannot be read fails the delivery, naming the secret', async () => {
    // prepare
    const missing = `arn:aws:secretsmanager:eu-west-1:000000000000:secret:tenantwatch/gone-AbCdEf`;
    // act
    const result = await invoke(snsEvent(SnsFixture.Classic), { env: { [NotifierEnv.SlackWebhookSecretArn]: missing } });
    // assess
    expect(slack.server.requests).toEqual([]);
    expect(result.error?.message).toBe(
      `1 notification delivery failed: slack for tenantwatch-orders-P1-cache-hit-rate-degraded (ALARM): cannot read secret ${missing}: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    );
  });
});

describe('malformed and foreign messages are dropped, not retried', () => {
  it.each([
    [SnsFixture.NotJson, 'message is not JSON'],
    [SnsFixture.NoAlarmName, 'message has no AlarmName: not a CloudWatch alarm notification'],
    [SnsFixture.CompositeAlarm, 'not a CloudWatch metric alarm notification: Trigger: Invalid input: expected object, received undefined'],
    [SnsFixture.UnknownAlarm, 'alarm is not in the routing table'],
  ] as const)('%s: logged with its reason, nothing sent, no error', async (fixture: Fixture, reason) => {
    // prepare
    const event = snsEvent(fixture);
    // act
    const result = await invoke(event);
    // assess
    expect(result.error).toBeUndefined();
    expect(result.report).toEqual({ deliveries: [], dropped: [{ messageId: event.Records[0]!.Sns.MessageId, reason }] });
    expect(slack.server.requests).toEqual([]);
    expect(pagerDuty.server.requests).toEqual([]);
    expect(result.log.records().filter((r) => r.event === 'notification_dropped').map((r) => r.reason)).toEqual([reason]);
  });

  it('an event that is not an SNS event: records without a message are dropped, no records is nothing to do', async () => {
    // act
    const noMessage = await invoke({ Records: [{ EventSource: 'aws:sqs' }] } as unknown as SNSEvent);
    const empty = await invoke({} as SNSEvent);
    // assess
    expect(noMessage.report).toEqual({ deliveries: [], dropped: [{ messageId: 'unknown', reason: 'record has no SNS message' }] });
    expect(empty.report).toEqual({ deliveries: [], dropped: [] });
  });

  it('an email-only alarm that reaches the notifier is dropped as not routed here', async () => {
    // prepare
    const event = snsEvent(SnsFixture.Classic);
    const poolEvent = { ...event, Records: [{ ...event.Records[0]!, Sns: { ...event.Records[0]!.Sns, Message: event.Records[0]!.Sns.Message.replaceAll('P1-cache-hit-rate-degraded', 'P2-connection-pool-high') } }] };
    // act
    const result = await invoke(poolEvent);
    // assess
    expect(result.report?.dropped.map((d) => d.reason)).toEqual(['alarm is routed to no Slack or PagerDuty destination']);
  });
});

describe('secrets never reach a log line or an error', () => {
  it('no webhook URL, routing key or their redaction marker in anything logged or thrown above', () => {
    // prepare
    const secrets = [slack.webhookUrl('ops'), slack.webhookUrl('security'), new URL(slack.webhookUrl('ops')).pathname, ROUTING_KEY, ROTATED_ROUTING_KEY];
    const everything = [...allLogLines, ...allErrors];
    // assess
    expect(allLogLines.length).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(everything.filter((line) => line.includes(secret))).toEqual([]);
    }
    // Nothing even tried: the redactor would have left its marker.
    expect(everything.filter((line) => line.includes('[REDACTED]'))).toEqual([]);
  });
});
