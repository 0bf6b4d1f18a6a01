/**
 * An SNS event in, deliveries out. Each record is parsed, routed by alarm name and sent to
 * each of its destinations in parallel. A record that is not a routable alarm notification
 * is logged and dropped: retrying cannot make it one, and throwing would only loop it
 * through Lambda's retries into the dead-letter queue. A failed delivery is different: the
 * invocation throws after every delivery was tried, so Lambda retries it and, in the end,
 * the dead-letter queue keeps it (a retry re-posts to Slack; PagerDuty dedups by key).
 */
import type { SNSEvent } from 'aws-lambda';
import type { Logger } from '../core/log/logger.js';
import { redact } from '../core/log/redact.js';
import { routeFor } from '../core/routing/routing-table.js';
import { messagePreview, parseAlarmNotification } from './alarm-notification.js';
import { deliver, type DeliveryDeps, type DeliveryOutcome } from './deliver.js';
import { destinationsFor } from './destinations.js';
import { routedAlarm } from './routed-alarm.js';
import type { NotifierSettings } from './settings.js';

export interface NotifyDeps extends DeliveryDeps {
  readonly settings: NotifierSettings;
  readonly log: Logger;
}

export interface NotifyReport {
  readonly deliveries: readonly (DeliveryOutcome & { readonly alarmName: string; readonly state: string })[];
  readonly dropped: readonly { readonly messageId: string; readonly reason: string }[];
}

/** Thrown when at least one delivery failed; the message names each one, without secrets. */
export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';
  constructor(readonly failures: readonly string[]) {
    super(redact(`${failures.length} notification deliver${failures.length === 1 ? 'y' : 'ies'} failed: ${failures.join(' | ')}`));
  }
}

export async function notify(event: SNSEvent, deps: NotifyDeps): Promise<NotifyReport> {
  const { log, settings } = deps;
  const deliveries: NotifyReport['deliveries'][number][] = [];
  const dropped: NotifyReport['dropped'][number][] = [];
  const drop = (messageId: string, reason: string, fields: Record<string, unknown> = {}) => {
    dropped.push({ messageId, reason });
    log.warn('notification_dropped', { messageId, reason, ...fields });
  };

  for (const record of event?.Records ?? []) {
    const sns = record?.Sns;
    const messageId = sns?.MessageId ?? 'unknown';
    if (typeof sns?.Message !== 'string') {
      drop(messageId, 'record has no SNS message');
      continue;
    }
    const parsed = parseAlarmNotification(sns.Message);
    if (!parsed.ok) {
      drop(messageId, parsed.reason, { topicArn: sns.TopicArn, preview: messagePreview(sns.Message) });
      continue;
    }
    const { notification } = parsed;
    const alarmName = notification.AlarmName;
    const route = routeFor(settings.routes, alarmName);
    if (!route) {
      drop(messageId, 'alarm is not in the routing table', { alarmName, topicArn: sns.TopicArn });
      continue;
    }
    const destinations = destinationsFor(route, { securitySlack: settings.securitySlackWebhookSecretArn !== undefined });
    if (destinations.length === 0) {
      drop(messageId, 'alarm is routed to no Slack or PagerDuty destination', { alarmName, channels: route.channels });
      continue;
    }
    const alarm = routedAlarm(notification, route);
    const outcomes = await Promise.all(destinations.map((destination) => deliver(destination, alarm, deps)));
    for (const outcome of outcomes) {
      const fields = { alarmName, state: notification.NewStateValue, ...outcome };
      deliveries.push(fields);
      if (outcome.result === 'delivered') log.info('delivered', fields);
      else if (outcome.result === 'skipped') log.info('delivery_skipped', fields);
      else log.error('delivery_failed', fields);
    }
  }

  const failures = deliveries.flatMap((d) => (d.result === 'failed' ? [`${d.destination} for ${d.alarmName} (${d.state}): ${d.error}`] : []));
  if (failures.length > 0) throw new DeliveryFailedError(failures);
  return { deliveries, dropped };
}
