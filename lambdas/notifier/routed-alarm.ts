/** One alarm notification, with its route and the facts both channels render. */
import { parseAlarmName } from '../core/routing/alarm-name.js';
import type { AlarmRoute } from '../core/routing/routing-table.js';
import { type AlarmFacts, alarmFacts } from './alarm-facts.js';
import type { AlarmNotification } from './alarm-notification.js';

export interface RoutedAlarm {
  readonly notification: AlarmNotification;
  readonly route: AlarmRoute;
  readonly facts: AlarmFacts;
  /** What the alarm watches: a database target, `api`, or `health-<endpoint>`. */
  readonly instance: string;
  /** The runbook line: the route's, else the alarm description (the CDK puts it there). */
  readonly runbook: string;
}

export function routedAlarm(notification: AlarmNotification, route: AlarmRoute): RoutedAlarm {
  return {
    notification,
    route,
    facts: alarmFacts(notification),
    instance: parseAlarmName(route.alarmName)?.instance ?? route.alarmName,
    runbook: route.runbook || notification.AlarmDescription || '',
  };
}

/** `[P1] Cache Hit Rate Degraded on orders`: the words a responder reads first. */
export function headline(alarm: RoutedAlarm): string {
  return `[${alarm.route.severity}] ${alarm.route.title} on ${alarm.instance}`;
}
