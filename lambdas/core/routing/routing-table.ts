/**
 * The routing table: for every alarm the deployment creates, its severity and the
 * channels it notifies. Computed once (at synth, from catalog + config overrides) and used
 * for the SNS subscription filter policies AND handed to the notifier Lambda, so the two
 * can never disagree about who gets paged.
 */
import type { Channel, Severity } from '../catalog/index.js';

export interface AlarmRoute {
  readonly alarmName: string;
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly channels: readonly Channel[];
  readonly runbook: string;
}

export type RoutingTable = readonly AlarmRoute[];

/** Alarm names routed to a channel (one SNS filter policy per channel subscription). */
export function alarmNamesFor(table: RoutingTable, channel: Channel, severity?: Severity): string[] {
  return table
    .filter((r) => r.channels.includes(channel) && (severity === undefined || r.severity === severity))
    .map((r) => r.alarmName)
    .sort();
}

export function routeFor(table: RoutingTable, alarmName: string): AlarmRoute | undefined {
  return table.find((r) => r.alarmName === alarmName);
}
