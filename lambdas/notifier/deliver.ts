/**
 * One delivery: one alarm to one destination. Reads the destination's secret, builds its
 * payload, posts it with bounded retries. When the service refuses the request itself (a
 * 4xx other than 429), the secret is read again once: a rotated webhook or routing key
 * is the usual cause, and a new value gets one more try.
 */
import { postJson, type PostOptions, type PostResult } from './http-post.js';
import { Destination } from './destinations.js';
import { NotifierEnv } from './env-names.js';
import { pagerDutyAction, pagerDutyEvent } from './pagerduty-event.js';
import type { RoutedAlarm } from './routed-alarm.js';
import { type SecretReader, SecretKeys, readSecretField } from './secrets.js';
import type { NotifierSettings } from './settings.js';
import { slackMessage, slackSkipReason } from './slack-message.js';

export type DeliveryOutcome =
  | { readonly destination: Destination; readonly result: 'delivered'; readonly attempts: number; readonly status: number }
  | { readonly destination: Destination; readonly result: 'skipped'; readonly reason: string }
  | {
      readonly destination: Destination;
      readonly result: 'failed';
      readonly error: string;
      readonly attempts: number;
      readonly status?: number;
    };

export interface DeliveryDeps {
  readonly settings: Omit<NotifierSettings, 'routes'>;
  readonly secrets: SecretReader;
  readonly post?: PostOptions;
}

interface Endpoint {
  readonly secretId: string | undefined;
  readonly secretEnv: string;
  readonly secretKeys: readonly string[];
  readonly request: (secret: string) => { readonly url: string; readonly payload: unknown };
}

function endpointFor(destination: Destination, alarm: RoutedAlarm, deps: DeliveryDeps): Endpoint | string {
  const { settings } = deps;
  switch (destination) {
    case Destination.Slack:
    case Destination.SecuritySlack: {
      const security = destination === Destination.SecuritySlack;
      const skip = slackSkipReason(alarm.notification.OldStateValue, alarm.notification.NewStateValue);
      if (skip !== undefined) return skip;
      return {
        secretId: security ? settings.securitySlackWebhookSecretArn : settings.slackWebhookSecretArn,
        secretEnv: security ? NotifierEnv.SecuritySlackWebhookSecretArn : NotifierEnv.SlackWebhookSecretArn,
        secretKeys: SecretKeys.SlackWebhook,
        request: (webhookUrl) => ({ url: webhookUrl, payload: slackMessage(alarm) }),
      };
    }
    case Destination.PagerDuty: {
      if (pagerDutyAction(alarm.notification.NewStateValue) === undefined) {
        return `${alarm.notification.NewStateValue} neither pages nor resolves; the incident, if any, stays open`;
      }
      return {
        secretId: settings.pagerDutyRoutingKeySecretArn,
        secretEnv: NotifierEnv.PagerDutyRoutingKeySecretArn,
        secretKeys: SecretKeys.PagerDutyRoutingKey,
        request: (routingKey) => ({ url: settings.pagerDutyEventsUrl, payload: pagerDutyEvent(alarm, routingKey) }),
      };
    }
  }
}

function outcomeOf(destination: Destination, result: PostResult): DeliveryOutcome {
  return result.ok
    ? { destination, result: 'delivered', attempts: result.attempts, status: result.status }
    : { destination, result: 'failed', error: result.error, attempts: result.attempts, ...(result.status === undefined ? {} : { status: result.status }) };
}

export async function deliver(destination: Destination, alarm: RoutedAlarm, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const endpoint = endpointFor(destination, alarm, deps);
  if (typeof endpoint === 'string') return { destination, result: 'skipped', reason: endpoint };
  const { secretId } = endpoint;
  if (!secretId) {
    return { destination, result: 'failed', attempts: 0, error: `not configured: ${endpoint.secretEnv} is not set` };
  }
  const send = (secret: string) => {
    const { url, payload } = endpoint.request(secret);
    return postJson(url, payload, deps.post);
  };

  let secret: string;
  try {
    secret = await readSecretField(deps.secrets, secretId, endpoint.secretKeys);
  } catch (error) {
    return { destination, result: 'failed', attempts: 0, error: (error as Error).message };
  }
  const first = await send(secret);
  if (first.ok || first.retryable) return outcomeOf(destination, first);

  let fresh: string;
  try {
    fresh = await readSecretField(deps.secrets, secretId, endpoint.secretKeys, 'refresh');
  } catch {
    return outcomeOf(destination, first);
  }
  if (fresh === secret) return outcomeOf(destination, first);
  const second = await send(fresh);
  const attempts = first.attempts + second.attempts;
  return outcomeOf(destination, second.ok
    ? { ...second, attempts }
    : { ...second, attempts, error: `${second.error}; the previous secret value was refused too` });
}
