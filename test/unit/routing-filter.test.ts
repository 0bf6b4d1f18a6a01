import { describe, expect, it } from 'vitest';
import type { Channel, Severity } from '../../lambdas/core/catalog/index.js';
import type { AlarmRoute } from '../../lambdas/core/routing/routing-table.js';
import { MAX_FILTER_POLICY_VALUES, alarmNameMatch } from '../../lib/routing/alarm-name-filter.js';

const route = (instance: string, severity: Severity, ruleId: string, channels: Channel[]): AlarmRoute => ({
  alarmName: `tenantwatch-${instance}-${severity}-${ruleId}`, ruleId, title: ruleId, severity, channels, runbook: 'r',
});

/** n targets, each with a Slack and an email P2 rule. */
function p2Routes(targets: number): AlarmRoute[] {
  return Array.from({ length: targets }, (_, i) => [
    route(`db-${i}`, 'P2', 'deadlocks-detected', ['slack']),
    route(`db-${i}`, 'P2', 'connection-pool-high', ['email']),
  ]).flat();
}

describe('SNS filter values for AlarmName', () => {
  it('lists the exact alarm names while they fit one policy', () => {
    // Prepare
    const topic = p2Routes(MAX_FILTER_POLICY_VALUES);
    const email = topic.filter((r) => r.channels.includes('email'));
    // Act
    const match = alarmNameMatch(email, topic);
    // Assess
    expect(match.kind).toBe('exact');
    expect(match.kind === 'exact' && match.names.length).toBe(MAX_FILTER_POLICY_VALUES);
  });

  it('switches to the rule suffixes above 150 names, admitting the same alarms', () => {
    // Prepare
    const topic = p2Routes(MAX_FILTER_POLICY_VALUES + 1);
    const email = topic.filter((r) => r.channels.includes('email'));
    // Act
    const match = alarmNameMatch(email, topic);
    // Assess
    expect(match).toEqual({ kind: 'suffix', suffixes: ['-P2-connection-pool-high'] });
    const admitted = topic.filter((r) => r.alarmName.endsWith('-P2-connection-pool-high')).map((r) => r.alarmName);
    expect(admitted).toEqual(email.map((r) => r.alarmName));
  });

  it('refuses suffix matching when it would admit an alarm that is not routed there', () => {
    // Prepare: one target's connection-pool-high routed elsewhere (not expressible by rule suffix)
    const topic = p2Routes(MAX_FILTER_POLICY_VALUES + 1);
    const email = topic.filter((r) => r.channels.includes('email') && r.alarmName !== 'tenantwatch-db-0-P2-connection-pool-high');
    email.push(...p2Routes(1).map((r) => ({ ...r, alarmName: r.alarmName.replace('db-0', 'extra') })).filter((r) => r.channels.includes('email')));
    // Act / Assess
    expect(() => alarmNameMatch(email, topic)).toThrow(
      'cannot express the routing of 151 alarms in one SNS filter policy: suffix matching would also admit tenantwatch-db-0-P2-connection-pool-high',
    );
  });
});
