/**
 * The Slack incoming-webhook payload for an alarm: a message someone can act on in five
 * seconds. The top line says state, severity, what and where, value against threshold;
 * the colour bar says how bad; the title links to the alarm in the CloudWatch console;
 * then the reason, the state change, the metric and the runbook line.
 */
import { Severity } from '../core/catalog/index.js';
import { valueVersusThreshold } from './alarm-facts.js';
import { AlarmState } from './alarm-notification.js';
import { type RoutedAlarm, headline } from './routed-alarm.js';

export interface SlackField {
  readonly title: string;
  readonly value: string;
  readonly short: boolean;
}

export interface SlackMessage {
  readonly text: string;
  readonly attachments: readonly {
    readonly color: string;
    readonly fallback: string;
    readonly title: string;
    readonly title_link: string;
    readonly text: string;
    readonly fields: readonly SlackField[];
    readonly footer: string;
    readonly ts?: number;
  }[];
}

/** Alarm colours by severity: the worse, the darker. Recovery is green, no data grey. */
export const SlackColour = {
  [Severity.P0]: '#8B0000',
  [Severity.P1]: '#E01E5A',
  [Severity.P2]: '#ECB22E',
  ok: '#2EB67D',
  insufficientData: '#9E9E9E',
} as const;

const MS_PER_SECOND = 1000;

/** Slack reads `<`, `>` and `&` as markup (links, mentions): user text must be escaped. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Why a state change is not posted, or undefined to post it. INSUFFICIENT_DATA → OK is not:
 * every new alarm makes that transition on its first evaluation (a deploy would post one
 * green message per alarm), and the stack sends no INSUFFICIENT_DATA notifications, so it
 * is never the recovery of anything the channel was told about.
 */
export function slackSkipReason(oldState: AlarmState, newState: AlarmState): string | undefined {
  if (oldState === AlarmState.InsufficientData && newState === AlarmState.Ok) {
    return 'INSUFFICIENT_DATA → OK is a first evaluation, not a recovery: not posted';
  }
  return undefined;
}

function colourOf(alarm: RoutedAlarm): string {
  switch (alarm.notification.NewStateValue) {
    case AlarmState.Alarm: return SlackColour[alarm.route.severity];
    case AlarmState.Ok: return SlackColour.ok;
    case AlarmState.InsufficientData: return SlackColour.insufficientData;
  }
}

export function slackMessage(alarm: RoutedAlarm): SlackMessage {
  const { facts, notification } = alarm;
  const summary = `${notification.NewStateValue} ${headline(alarm)}: ${valueVersusThreshold(facts)}`;
  const fields: SlackField[] = [
    { title: 'State', value: facts.stateChange, short: true },
    { title: 'Value', value: valueVersusThreshold(facts), short: true },
    { title: 'Metric', value: facts.metric, short: false },
    { title: 'Runbook', value: alarm.runbook, short: false },
    { title: 'Alarm', value: notification.AlarmName, short: false },
    { title: 'Account / region', value: `${facts.account} / ${facts.region}`, short: true },
  ];
  return {
    text: `*${escapeSlack(summary)}*`,
    attachments: [{
      color: colourOf(alarm),
      fallback: escapeSlack(summary),
      title: escapeSlack(`${headline(alarm)}: open the alarm in CloudWatch`),
      title_link: facts.consoleUrl,
      text: escapeSlack(notification.NewStateReason),
      fields: fields.map((f) => ({ ...f, value: escapeSlack(f.value) })),
      footer: 'tenantwatch',
      ...(facts.changedAt ? { ts: Math.floor(facts.changedAt.getTime() / MS_PER_SECOND) } : {}),
    }],
  };
}
