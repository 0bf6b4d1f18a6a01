/**
 * The routing matrix, computed from the synthesised template only: for every alarm, the
 * topic its actions publish to, the subscriptions of that topic whose payload filter
 * policy admits its name, and, for the notifier's subscription, the destinations the
 * notifier's handler derives from the routing table it is deployed with. The result must
 * equal the spec's channel list for each alarm, exactly: no channel missing, none extra.
 */
import { parseAlarmName } from '../../lambdas/core/routing/alarm-name.js';
import { describe, expect, it } from 'vitest';
import type { Channel } from '../../lambdas/core/catalog/index.js';
import type { DeploymentConfig } from '../../lambdas/core/config/deployment.js';
import { Destination, destinationsFor } from '../../lambdas/notifier/destinations.js';
import { NotifierEnv } from '../../lambdas/notifier/env-names.js';
import { decodeRoutes } from '../../lambdas/notifier/routes-env.js';
import type { Template } from 'aws-cdk-lib/assertions';
import { type ConfigInput, exampleWith, secretArn } from './support/config.js';
import { synth } from './support/synth.js';
import { readAlarms, readSubscriptions, receivingSubscriptions, resources } from './support/template-reading.js';

/** The spec's alert table and the design's KPI rows: rule id → channels. */
const specChannels: Record<string, readonly Channel[]> = {
  // Spec alert table
  'database-down': ['pagerduty', 'sms'],
  'cache-hit-rate-degraded': ['slack', 'email'],
  'api-error-rate-high': ['pagerduty'],
  'tenant-isolation-breach': ['security-team', 'pagerduty'],
  'response-time-degradation': ['slack'],
  'connection-pool-high': ['email'],
  'disk-io-spike': ['slack'],
  // KPIs and self-monitoring (design)
  'deadlocks-detected': ['slack'],
  'query-latency-high': ['slack'],
  'api-p99-high': ['slack'],
  'failed-login-rate-high': ['slack', 'security-team'],
  'availability-below-slo': ['slack', 'email'],
  'database-host-cpu-high': ['slack'],
  'collector-heartbeat-missing': ['pagerduty', 'slack'],
  'collector-degraded': ['slack'],
  // The notifier's own failures cannot go through the notifier.
  'notifier-delivery-errors': ['email', 'sms'],
  'notifier-dead-letters': ['email', 'sms'],
};

const notifierDestinationChannel: Record<Destination, Channel> = {
  [Destination.Slack]: 'slack',
  [Destination.SecuritySlack]: 'security-team',
  [Destination.PagerDuty]: 'pagerduty',
};

/** alarm name → the channels a notification of it reaches, read from the template. */
function routingMatrix(template: Template, config: DeploymentConfig): Map<string, Channel[]> {
  const subscriptions = readSubscriptions(template);
  const functions = new Map(resources(template, 'AWS::Lambda::Function').map((f) => [f.logicalId, f.properties]));
  const matrix = new Map<string, Channel[]>();
  for (const alarm of readAlarms(template).values()) {
    const reached = new Set<Channel>();
    for (const topic of alarm.alarmActions) {
      for (const subscription of receivingSubscriptions(subscriptions, topic, alarm.name)) {
        switch (subscription.protocol) {
          case 'email':
            if (config.notifications.emails.includes(subscription.endpoint)) reached.add('email');
            if (config.notifications.securityTeamEmails.includes(subscription.endpoint)) reached.add('security-team');
            break;
          case 'sms':
            reached.add('sms');
            break;
          case 'lambda': {
            const variables = (functions.get(subscription.endpoint)?.Environment as { Variables: Record<string, string> }).Variables;
            const route = decodeRoutes(variables[NotifierEnv.Routes]).find((r) => r.alarmName === alarm.name);
            // The handler logs and drops an alarm it has no route for.
            if (!route) break;
            const securitySlack = variables[NotifierEnv.SecuritySlackWebhookSecretArn] !== undefined;
            for (const destination of destinationsFor(route, { securitySlack })) reached.add(notifierDestinationChannel[destination]);
            break;
          }
          default:
            throw new Error(`unexpected subscription protocol ${subscription.protocol}`);
        }
      }
    }
    matrix.set(alarm.name, [...reached].sort());
  }
  return matrix;
}

function expectedChannels(alarmName: string, overrides: Partial<Record<string, readonly Channel[]>> = {}): Channel[] {
  const ruleId = parseAlarmName(alarmName)?.ruleId ?? '';
  const channels = overrides[ruleId] ?? specChannels[ruleId];
  if (!channels) throw new Error(`no expected channels for ${alarmName}`);
  return [...channels].sort();
}

describe('routing matrix from the template', () => {
  it('sends every alarm of the example deployment to exactly the spec\'s channels', () => {
    // Prepare
    const { template, config } = synth(exampleWith(() => undefined));
    // Act
    const matrix = routingMatrix(template, config);
    // Assess: the spec's table, row by row
    expect(matrix.get('tenantwatch-payroll-prod-P1-database-down')).toEqual(['pagerduty', 'sms']);
    expect(matrix.get('tenantwatch-payroll-prod-P1-cache-hit-rate-degraded')).toEqual(['email', 'slack']);
    expect(matrix.get('tenantwatch-api-P1-api-error-rate-high')).toEqual(['pagerduty']);
    expect(matrix.get('tenantwatch-payroll-prod-P0-tenant-isolation-breach')).toEqual(['pagerduty', 'security-team']);
    expect(matrix.get('tenantwatch-api-P2-response-time-degradation')).toEqual(['slack']);
    expect(matrix.get('tenantwatch-payroll-prod-P2-connection-pool-high')).toEqual(['email']);
    expect(matrix.get('tenantwatch-payroll-prod-P2-disk-io-spike')).toEqual(['slack']);
    // ... the degraded collector to Slack alone (P2), not with the blind monitor's page ...
    expect(matrix.get('tenantwatch-payroll-prod-P2-collector-degraded')).toEqual(['slack']);
    // ... and every other alarm, the KPI and self-monitoring ones included
    expect(matrix.size).toBe(17);
    for (const [name, reached] of matrix) expect(reached, name).toEqual(expectedChannels(name));
  });

  it('follows channel overrides, and reaches the security team by email alone without a security webhook', () => {
    // Prepare
    const overrides = { 'cache-hit-rate-degraded': ['email'], 'deadlocks-detected': ['slack', 'email'] } as const;
    const input = exampleWith((c) => {
      delete c.notifications.slack!.securityWebhookSecretArn;
      c.alarms = { 'cache-hit-rate-degraded': { channels: [...overrides['cache-hit-rate-degraded']] }, 'deadlocks-detected': { channels: [...overrides['deadlocks-detected']] } };
    });
    const { template, config } = synth(input);
    // Act
    const matrix = routingMatrix(template, config);
    // Assess
    for (const [name, reached] of matrix) expect(reached, name).toEqual(expectedChannels(name, overrides));
  });

  it('keeps the routing exact when a subscription has more alarms than one SNS filter policy can list', () => {
    // Prepare: 8 more targets with 20 health checks each: 170 P2 alarms routed to email (to
    // email only: the notifier's routing table must still fit its environment variable)
    const HEALTH_CHECKS_PER_TARGET = 20;
    const overrides = { 'availability-below-slo': ['email'] } as const;
    const input: ConfigInput = exampleWith((c) => {
      c.alarms = { 'availability-below-slo': { channels: ['email'] } };
      const template = c.targets[0]!;
      for (let i = 1; i <= 8; i++) {
        const healthChecks = Array.from({ length: HEALTH_CHECKS_PER_TARGET }, (_, j) => ({ name: `t${i}-h${j}`, url: `https://api.example.com/h/${i}/${j}` }));
        c.targets.push({ ...structuredClone(template), name: `payroll-${i}`, secretArn: secretArn(`payroll-${i}`), collector: { healthChecks } });
      }
    });
    const { template, config } = synth(input);
    // Act
    const matrix = routingMatrix(template, config);
    const p2Email = readSubscriptions(template).find((s) => s.protocol === 'email' && s.endpoint === 'platform-oncall@example.com' && s.topic.includes('P2'));
    // Assess: the policy switched to rule suffixes ...
    expect(p2Email?.filterPolicy).toEqual({ AlarmName: [{ suffix: '-P2-availability-below-slo' }, { suffix: '-P2-connection-pool-high' }] });
    // ... and every alarm still reaches exactly its channels.
    expect(matrix.size).toBe(9 * 11 + 3 + (1 + 8 * HEALTH_CHECKS_PER_TARGET) + 2);
    for (const [name, reached] of matrix) expect(reached, name).toEqual(expectedChannels(name, overrides));
  });
});
