/**
 * The PagerDuty Events API v2 event for an alarm. The dedup key is the alarm ARN, so the
 * OK that resolves an incident names the same incident the ALARM opened, and a re-sent
 * trigger (a retried invocation) lands on the open incident instead of paging twice.
 */
import { createHash } from 'node:crypto';
import { type Severity, Severity as S } from '../core/catalog/index.js';
import { formatNumber, valueVersusThreshold } from './alarm-facts.js';
import { AlarmState } from './alarm-notification.js';
import { type RoutedAlarm, headline } from './routed-alarm.js';

export const PagerDutyAction = { Trigger: 'trigger', Resolve: 'resolve' } as const;
export type PagerDutyAction = (typeof PagerDutyAction)[keyof typeof PagerDutyAction];

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  [S.P0]: 'critical',
  [S.P1]: 'critical',
  [S.P2]: 'warning',
};

/** Events API v2 limits. */
export const MAX_SUMMARY_LENGTH = 1024;
export const MAX_DEDUP_KEY_LENGTH = 255;

export interface PagerDutyTriggerEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger';
  readonly dedup_key: string;
  readonly client: string;
  readonly client_url: string;
  readonly links: readonly { readonly href: string; readonly text: string }[];
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp?: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Readonly<Record<string, string>>;
  };
}

export interface PagerDutyResolveEvent {
  readonly routing_key: string;
  readonly event_action: 'resolve';
  readonly dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTriggerEvent | PagerDutyResolveEvent;

/** ALARM opens, OK resolves; INSUFFICIENT_DATA neither pages nor resolves (see README). */
export function pagerDutyAction(state: AlarmState): PagerDutyAction | undefined {
  if (state === AlarmState.Alarm) return PagerDutyAction.Trigger;
  if (state === AlarmState.Ok) return PagerDutyAction.Resolve;
  return undefined;
}

/** The alarm ARN; a (theoretical) ARN beyond PagerDuty's limit becomes a stable digest of it. */
export function dedupKey(alarmArn: string): string {
  if (alarmArn.length <= MAX_DEDUP_KEY_LENGTH) return alarmArn;
  return `tenantwatch-alarm-sha256:${createHash('sha256').update(alarmArn).digest('hex')}`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function pagerDutyEvent(alarm: RoutedAlarm, routingKey: string): PagerDutyEvent | undefined {
  const action = pagerDutyAction(alarm.notification.NewStateValue);
  if (action === undefined) return undefined;
  const dedup = dedupKey(alarm.notification.AlarmArn);
  if (action === PagerDutyAction.Resolve) return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedup };
  const { facts, notification, route } = alarm;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedup,
    client: 'tenantwatch',
    client_url: facts.consoleUrl,
    links: [{ href: facts.consoleUrl, text: 'CloudWatch alarm' }],
    payload: {
      summary: truncate(`${headline(alarm)}: ${valueVersusThreshold(facts)}. ${notification.NewStateReason}`, MAX_SUMMARY_LENGTH),
      source: `${alarm.instance} (${facts.region})`,
      severity: PAGERDUTY_SEVERITY[route.severity],
      ...(facts.changedAt ? { timestamp: facts.changedAt.toISOString() } : {}),
      component: alarm.instance,
      group: 'tenantwatch',
      class: route.ruleId,
      custom_details: {
        alarm_name: notification.AlarmName,
        state_change: facts.stateChange,
        reason: notification.NewStateReason,
        metric: facts.metric,
        value: facts.value === undefined ? 'not in the state reason' : formatNumber(facts.value),
        threshold: facts.threshold,
        region: facts.region,
        account: facts.account,
        runbook: alarm.runbook,
      },
    },
  };
}
