/**
 * Which of the notifier's endpoints an alarm goes to, derived from its route. The CDK
 * construct builds the SNS filter policies from the same function, so an alarm reaches
 * the notifier exactly when the notifier has somewhere to send it.
 */
import { Channel } from '../core/catalog/index.js';
import type { AlarmRoute } from '../core/routing/routing-table.js';

export const Destination = {
  /** The operations Slack channel (catalog channel `slack`). */
  Slack: 'slack',
  /** The security team's Slack channel (catalog channel `security-team`), when configured. */
  SecuritySlack: 'security-slack',
  PagerDuty: 'pagerduty',
} as const;
export type Destination = (typeof Destination)[keyof typeof Destination];

export interface DestinationOptions {
  /**
   * Whether a security Slack webhook is configured. Without one, `security-team` is the
   * security team's email list only (a native SNS subscription): security incidents are
   * never posted to the general operations channel instead.
   */
  readonly securitySlack: boolean;
}

export function destinationsFor(route: Pick<AlarmRoute, 'channels'>, options: DestinationOptions): Destination[] {
  const out: Destination[] = [];
  if (route.channels.includes(Channel.Slack)) out.push(Destination.Slack);
  if (options.securitySlack && route.channels.includes(Channel.SecurityTeam)) out.push(Destination.SecuritySlack);
  if (route.channels.includes(Channel.PagerDuty)) out.push(Destination.PagerDuty);
  return out;
}

/** The routes the notifier delivers at least one notification for. */
export function notifierRoutes<R extends Pick<AlarmRoute, 'channels'>>(table: readonly R[], options: DestinationOptions): R[] {
  return table.filter((route) => destinationsFor(route, options).length > 0);
}
