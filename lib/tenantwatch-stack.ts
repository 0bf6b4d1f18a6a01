/**
 * The whole monitoring system from one validated config: a scheduled collector per
 * database target, the catalog's alarms per scope instance, one encrypted SNS topic per
 * severity, email/SMS subscriptions and the Slack/PagerDuty notifier, each receiving
 * exactly the alarms the routing table sends it.
 */
import { fileURLToPath } from 'node:url';
import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Channel, Severity } from '../lambdas/core/catalog/index.js';
import type { DeploymentConfig } from '../lambdas/core/config/deployment.js';
import { parseAlarmName } from '../lambdas/core/routing/alarm-name.js';
import { type PlannedAlarm, planAlarms, routingTableOf } from '../lambdas/core/routing/build-routing-table.js';
import type { AlarmRoute, RoutingTable } from '../lambdas/core/routing/routing-table.js';
import { createAlarm } from './alarms/alarm-factory.js';
import { AlarmTopics } from './constructs/alarm-topics.js';
import { Collector } from './constructs/collector.js';
import { importSecret } from './constructs/import-secret.js';
import { addNativeSubscriptions } from './constructs/native-subscriptions.js';
import { Notifier } from './constructs/notifier.js';
import { type BuiltDashboard, buildDashboards } from './dashboards/index.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const COLLECTOR_ENTRY = fileURLToPath(new URL('../lambdas/collector/index.ts', import.meta.url));

/**
 * The notifier's own failure alarms cannot go through the notifier they watch: they reach
 * the native P1 recipients (email and SMS) instead.
 */
const OPS_ALARM_CHANNELS = [Channel.Email, Channel.Sms] as const;
const OPS_ALARM_RUNBOOK = 'The Slack/PagerDuty notifier failed: read its log group and dead-letter queue (README: Notifications).';

export interface TenantWatchStackProps extends Omit<StackProps, 'env' | 'stackName'> {
  readonly config: DeploymentConfig;
}

export class TenantWatchStack extends Stack {
  readonly config: DeploymentConfig;
  readonly topics: AlarmTopics;
  /** Collectors by target name. */
  readonly collectors: ReadonlyMap<string, Collector>;
  /** Every alarm built from the catalog, by alarm name, with its plan (rule, instance, dimensions). */
  readonly alarms: ReadonlyMap<string, { readonly alarm: cloudwatch.Alarm; readonly planned: PlannedAlarm }>;
  /** The catalog alarms' routes (what the notifier receives). */
  readonly routingTable: RoutingTable;
  /** routingTable plus the notifier's own alarms: every alarm that publishes to the topics. */
  readonly topicRoutes: RoutingTable;
  readonly notifier?: Notifier;
  readonly dashboards: readonly BuiltDashboard[];

  constructor(scope: Construct, id: string, props: TenantWatchStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      stackName: config.stackName,
      ...(config.env ? { env: config.env } : {}),
      description: props.description ?? 'tenantwatch: read-only monitoring of a schema-per-tenant PostgreSQL SaaS',
    });
    this.config = config;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    const collectors = new Map<string, Collector>();
    for (const target of config.targets) {
      collectors.set(target.name, new Collector(this, `Collector-${target.name}`, {
        target,
        monitoringDatabase: config.monitoringDatabase,
        logRetention,
        entry: COLLECTOR_ENTRY,
        projectRoot: PROJECT_ROOT,
      }));
    }
    this.collectors = collectors;

    this.topics = new AlarmTopics(this, 'AlarmTopics');
    const planned = planAlarms(config);
    this.routingTable = routingTableOf(planned);
    const alarmsScope = new Construct(this, 'Alarms');
    this.alarms = new Map(planned.map((p) => [
      p.alarmName,
      { alarm: createAlarm(alarmsScope, p, this.topics.topics[p.rule.severity]), planned: p },
    ]));

    const { pagerDuty, slack } = config.notifications;
    let opsRoutes: AlarmRoute[] = [];
    if (pagerDuty || slack) {
      this.notifier = new Notifier(this, 'Notifier', {
        topics: this.topics.topics,
        routingTable: this.routingTable,
        ...(slack ? {
          slack: {
            webhookSecret: importSecret(this, 'SlackWebhookSecret', slack.webhookSecretArn, slack.kmsKeyArn),
            ...(slack.securityWebhookSecretArn
              ? { securityWebhookSecret: importSecret(this, 'SecuritySlackWebhookSecret', slack.securityWebhookSecretArn, slack.kmsKeyArn) }
              : {}),
          },
        } : {}),
        ...(pagerDuty
          ? { pagerDuty: { routingKeySecret: importSecret(this, 'PagerDutyRoutingKeySecret', pagerDuty.routingKeySecretArn, pagerDuty.kmsKeyArn) } }
          : {}),
        opsAlarmTopic: this.topics.topics[Severity.P1],
        logRetention,
      });
      opsRoutes = this.notifier.opsAlarmNames.map(opsRoute);
    }
    this.topicRoutes = [...this.routingTable, ...opsRoutes];
    addNativeSubscriptions({ topics: this.topics.topics, routingTable: this.topicRoutes, notifications: config.notifications });

    this.dashboards = buildDashboards(this, {
      targets: config.targets,
      ...(config.api ? { api: config.api } : {}),
      healthChecks: config.targets.flatMap((t) => t.collector.healthChecks),
      collectorLogGroups: Object.fromEntries([...collectors].map(([name, c]) => [name, c.logGroup.logGroupName])),
      alarms: [...this.alarms.values()].map(({ alarm, planned: p }) => ({ alarm, rule: p.rule, instance: p.instance.name })),
    });

    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);
  }
}

function opsRoute(alarmName: string): AlarmRoute {
  const parsed = parseAlarmName(alarmName);
  if (!parsed || parsed.severity !== Severity.P1) {
    throw new Error(`notifier ops alarm "${alarmName}" must be named tenantwatch-<instance>-P1-<id>`);
  }
  return {
    alarmName,
    ruleId: parsed.ruleId,
    title: parsed.ruleId,
    severity: parsed.severity,
    channels: [...OPS_ALARM_CHANNELS],
    runbook: OPS_ALARM_RUNBOOK,
  };
}
