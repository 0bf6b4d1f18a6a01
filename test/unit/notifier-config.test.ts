import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Channel, alarmRules } from '../../lambdas/core/catalog/index.js';
import { Destination, destinationsFor, notifierRoutes } from '../../lambdas/notifier/destinations.js';
import { NotifierEnv } from '../../lambdas/notifier/env-names.js';
import { parseRetryAfter, retryDelay, DEFAULT_HTTP_RETRY_POLICY } from '../../lambdas/notifier/http-post.js';
import { MAX_ENCODED_ROUTES_LENGTH, decodeRoutes, encodeRoutes } from '../../lambdas/notifier/routes-env.js';
import { secretField } from '../../lambdas/notifier/secrets.js';
import { PAGERDUTY_EVENTS_URL, loadNotifierSettings } from '../../lambdas/notifier/settings.js';
import { catalogRoute } from '../fixtures/sns/index.js';

describe('destinationsFor', () => {
  it.each([
    [[Channel.PagerDuty, Channel.Sms], true, [Destination.PagerDuty]],
    [[Channel.Slack, Channel.Email], true, [Destination.Slack]],
    [[Channel.SecurityTeam, Channel.PagerDuty], true, [Destination.SecuritySlack, Destination.PagerDuty]],
    [[Channel.SecurityTeam, Channel.PagerDuty], false, [Destination.PagerDuty]],
    [[Channel.Slack, Channel.SecurityTeam], true, [Destination.Slack, Destination.SecuritySlack]],
    [[Channel.Email], true, []],
  ] as const)('%j with security webhook %s → %j', (channels, securitySlack, expected) => {
    // act
    const destinations = destinationsFor({ channels }, { securitySlack });
    // assess
    expect(destinations).toEqual(expected);
  });

  it('keeps only the routes the notifier has somewhere to send', () => {
    // prepare
    const table = alarmRules.map((rule) => catalogRoute(rule, 'orders'));
    // act
    const routes = notifierRoutes(table, { securitySlack: false }).map((r) => r.ruleId);
    // assess: connection-pool-high is email only
    expect(routes).toEqual(alarmRules.map((r) => r.id).filter((id) => id !== 'connection-pool-high'));
  });
});

describe('routes in the environment', () => {
  it('round-trips the routing table through gzip + base64', () => {
    // prepare
    const table = alarmRules.map((rule) => catalogRoute(rule, 'orders'));
    // act
    const encoded = encodeRoutes(table);
    // assess
    expect(decodeRoutes(encoded)).toEqual(table);
    expect(encoded.length).toBeLessThan(MAX_ENCODED_ROUTES_LENGTH);
  });

  it('says what is wrong with a missing, undecodable or invalid value', () => {
    // prepare
    const notATable = gzipSync(JSON.stringify([{ alarmName: 'x' }])).toString('base64');
    // act + assess
    expect(() => decodeRoutes(undefined)).toThrow('TENANTWATCH_ROUTES is not set: the notifier cannot route any alarm');
    expect(() => decodeRoutes('not base64 gzip')).toThrow(/^TENANTWATCH_ROUTES is not gzip\+base64 JSON: /);
    expect(() => decodeRoutes(notATable)).toThrow(/^TENANTWATCH_ROUTES is not a routing table: [\s\S]*ruleId/);
  });

  it('loads settings with the public PagerDuty endpoint unless told otherwise', () => {
    // prepare
    const routes = encodeRoutes([]);
    // act
    const plain = loadNotifierSettings({ [NotifierEnv.Routes]: routes, [NotifierEnv.SlackWebhookSecretArn]: 'arn:slack' });
    // assess
    expect(plain).toEqual({
      routes: [],
      slackWebhookSecretArn: 'arn:slack',
      securitySlackWebhookSecretArn: undefined,
      pagerDutyRoutingKeySecretArn: undefined,
      pagerDutyEventsUrl: PAGERDUTY_EVENTS_URL,
    });
    expect(() => loadNotifierSettings({ [NotifierEnv.Routes]: routes, [NotifierEnv.PagerDutyEventsUrl]: 'nope' }))
      .toThrow('TENANTWATCH_PAGERDUTY_EVENTS_URL is not a URL');
  });
});

describe('secretField', () => {
  it('takes a bare value, or the named key of a JSON secret, without echoing it in errors', () => {
    // act + assess
    expect(secretField('arn:s', '  https://hooks.example/T/B/X \n', ['webhookUrl'])).toBe('https://hooks.example/T/B/X');
    expect(secretField('arn:s', '{"routingKey":"abc123abc123"}', ['routingKey', 'integrationKey'])).toBe('abc123abc123');
    expect(secretField('arn:s', '{"integrationKey":"abc123abc123"}', ['routingKey', 'integrationKey'])).toBe('abc123abc123');
    expect(() => secretField('arn:s', '{"other":"hunter2hunter2"}', ['webhookUrl', 'url']))
      .toThrow('secret arn:s is a JSON object without a non-empty "webhookUrl" or "url"');
    expect(() => secretField('arn:s', '{hunter2hunter2', ['url'])).toThrow('secret arn:s starts with "{" but is not valid JSON');
    expect(() => secretField('arn:s', '   ', ['url'])).toThrow('secret arn:s is empty');
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or as an HTTP date, and ignores garbage', () => {
    // prepare
    const now = Date.parse('2025-03-04T10:00:00Z');
    // act + assess
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Tue, 04 Mar 2025 10:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Tue, 04 Mar 2025 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('backs off exponentially, honours Retry-After, and caps both', () => {
    // act + assess
    expect([1, 2, 3, 4].map((retry) => retryDelay(retry, undefined, DEFAULT_HTTP_RETRY_POLICY))).toEqual([1000, 2000, 4000, 5000]);
    expect(retryDelay(1, 3000, DEFAULT_HTTP_RETRY_POLICY)).toBe(3000);
    expect(retryDelay(1, 3_600_000, DEFAULT_HTTP_RETRY_POLICY)).toBe(DEFAULT_HTTP_RETRY_POLICY.maxDelayMs);
  });
});
