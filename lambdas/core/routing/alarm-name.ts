/**
 * Alarm names carry what routing needs: `tenantwatch-<instance>-<severity>-<rule id>`,
 * where instance is the database target, `api`, or `health-<endpoint>`. SNS filter
 * policies match on them and the notifier parses them, so both agree by construction.
 */
import { type AlarmRule, type Severity, severities } from '../catalog/index.js';

export const ALARM_NAME_PREFIX = 'tenantwatch';

export function alarmName(rule: Pick<AlarmRule, 'id' | 'severity'>, instance: string): string {
  return `${ALARM_NAME_PREFIX}-${instance}-${rule.severity}-${rule.id}`;
}

export interface ParsedAlarmName {
  readonly instance: string;
  readonly severity: Severity;
  readonly ruleId: string;
}

const pattern = new RegExp(`^${ALARM_NAME_PREFIX}-(.+)-(${severities.join('|')})-([a-z0-9-]+)$`);

export function parseAlarmName(name: string): ParsedAlarmName | undefined {
  const m = pattern.exec(name);
  if (!m) return undefined;
  return { instance: m[1]!, severity: m[2] as Severity, ruleId: m[3]! };
}
