/**
 * Email and SMS subscriptions on the severity topics. One subscription per recipient and
 * topic (SNS keeps one subscription per endpoint and topic), whose filter policy admits
 * the alarms routed to any channel the recipient belongs to: an address both in `emails`
 * and in `securityTeamEmails` gets the union, once.
 */
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { type Channel, Channel as C, type Severity, severities } from '../../lambdas/core/catalog/index.js';
import type { NotificationsConfig } from '../../lambdas/core/config/deployment.js';
import type { RoutingTable } from '../../lambdas/core/routing/routing-table.js';
import { alarmNameFilterPolicy } from '../routing/alarm-name-filter.js';

export const NativeProtocol = { Email: 'email', Sms: 'sms' } as const;
export type NativeProtocol = (typeof NativeProtocol)[keyof typeof NativeProtocol];

export interface NativeRecipient {
  readonly protocol: NativeProtocol;
  readonly endpoint: string;
  readonly channels: ReadonlySet<Channel>;
}

/** Every email address and phone number of the config, with the channels each belongs to. */
export function nativeRecipients(notifications: NotificationsConfig): NativeRecipient[] {
  const emails = new Map<string, { endpoint: string; channels: Set<Channel> }>();
  const addEmail = (address: string, channel: Channel) => {
    const key = address.toLowerCase();
    const entry = emails.get(key) ?? { endpoint: address, channels: new Set<Channel>() };
    entry.channels.add(channel);
    emails.set(key, entry);
  };
  notifications.emails.forEach((address) => addEmail(address, C.Email));
  notifications.securityTeamEmails.forEach((address) => addEmail(address, C.SecurityTeam));
  const numbers = [...new Set(notifications.smsNumbers)];
  return [
    ...[...emails.values()].map((e) => ({ protocol: NativeProtocol.Email, endpoint: e.endpoint, channels: e.channels })),
    ...numbers.map((n) => ({ protocol: NativeProtocol.Sms, endpoint: n, channels: new Set<Channel>([C.Sms]) })),
  ];
}

export interface NativeSubscriptionsProps {
  readonly topics: Record<Severity, sns.ITopic>;
  /** Every alarm that publishes to the topics, with its channels. */
  readonly routingTable: RoutingTable;
  readonly notifications: NotificationsConfig;
}

/** Subscribes every recipient to every topic that has alarms routed to it. */
export function addNativeSubscriptions(props: NativeSubscriptionsProps): void {
  const recipients = nativeRecipients(props.notifications);
  for (const severity of severities) {
    const topicRoutes = props.routingTable.filter((r) => r.severity === severity);
    for (const recipient of recipients) {
      const admitted = topicRoutes.filter((r) => r.channels.some((c) => recipient.channels.has(c)));
      if (admitted.length === 0) continue;
      const options = { filterPolicyWithMessageBody: alarmNameFilterPolicy(admitted, topicRoutes) };
      props.topics[severity].addSubscription(recipient.protocol === NativeProtocol.Email
        ? new subscriptions.EmailSubscription(recipient.endpoint, options)
        : new subscriptions.SmsSubscription(recipient.endpoint, options));
    }
  }
}
