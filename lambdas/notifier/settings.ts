/**
 * The notifier's configuration, all from its environment (set by the CDK construct):
 * the routing table and the ARNs of the secrets it may read. Never the secrets themselves.
 */
import type { RoutingTable } from '../core/routing/routing-table.js';
import { NotifierEnv } from './env-names.js';
import { decodeRoutes } from './routes-env.js';

export { NotifierEnv };

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface NotifierSettings {
  readonly routes: RoutingTable;
  readonly slackWebhookSecretArn?: string;
  readonly securitySlackWebhookSecretArn?: string;
  readonly pagerDutyRoutingKeySecretArn?: string;
  readonly pagerDutyEventsUrl: string;
}

export function loadNotifierSettings(env: Readonly<Record<string, string | undefined>>): NotifierSettings {
  const optional = (name: string) => (env[name] ? env[name] : undefined);
  const eventsUrl = optional(NotifierEnv.PagerDutyEventsUrl) ?? PAGERDUTY_EVENTS_URL;
  try {
    new URL(eventsUrl);
  } catch {
    throw new Error(`${NotifierEnv.PagerDutyEventsUrl} is not a URL`);
  }
  return {
    routes: decodeRoutes(env[NotifierEnv.Routes]),
    slackWebhookSecretArn: optional(NotifierEnv.SlackWebhookSecretArn),
    securitySlackWebhookSecretArn: optional(NotifierEnv.SecuritySlackWebhookSecretArn),
    pagerDutyRoutingKeySecretArn: optional(NotifierEnv.PagerDutyRoutingKeySecretArn),
    pagerDutyEventsUrl: eventsUrl,
  };
}
