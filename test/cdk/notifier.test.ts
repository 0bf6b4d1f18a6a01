/**
 * The Notifier construct in a small stack of its own: what it subscribes to and with which
 * filter, what its role may do, where failed deliveries go and who hears about them.
 * Bundling is skipped (context aws:cdk:bundling-stacks: []).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { AlarmScope, Channel, type Severity, alarmRules } from '../../lambdas/core/catalog/index.js';
import type { RoutingTable } from '../../lambdas/core/routing/routing-table.js';
import { Destination, destinationsFor } from '../../lambdas/notifier/destinations.js';
import { NotifierEnv } from '../../lambdas/notifier/env-names.js';
import { decodeRoutes } from '../../lambdas/notifier/routes-env.js';
import { addAwsSolutionsChecks } from '../../lib/nag.js';
import { Notifier, type NotifierProps } from '../../lib/constructs/notifier.js';
import { catalogRoute } from '../fixtures/sns/index.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:tenantwatch/${name}-AbC123`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** Every catalog rule on the given database targets, on `api` and on one health check. */
function routingTable(targets: readonly string[] = ['orders']): RoutingTable {
  return alarmRules.flatMap((rule) => {
    const instances = rule.scope === AlarmScope.Target ? targets : rule.scope === AlarmScope.Api ? ['api'] : ['health-main'];
    return instances.map((instance) => catalogRoute(rule, instance));
  });
}

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly notifier: Notifier;
  readonly template: Template;
}

function build(change: (props: NotifierProps, stack: Stack) => NotifierProps = (p) => p, nag = false): Built {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  if (nag) addAwsSolutionsChecks(app);
  const stack = new Stack(app, 'NotifierTest', { env: { account: ACCOUNT, region: REGION } });
  const key = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
  const topic = (severity: Severity) => new sns.Topic(stack, `Topic${severity}`, { masterKey: key, enforceSSL: true });
  const topics = { P0: topic('P0'), P1: topic('P1'), P2: topic('P2') };
  const props: NotifierProps = {
    topics,
    routingTable: routingTable(),
    slack: {
      webhookSecret: secretsmanager.Secret.fromSecretAttributes(stack, 'Slack', { secretCompleteArn: secretArn('slack-ops') }),
      securityWebhookSecret: secretsmanager.Secret.fromSecretAttributes(stack, 'SecuritySlack', {
        secretCompleteArn: secretArn('slack-security'),
        encryptionKey: kms.Key.fromKeyArn(stack, 'SecretKey', KEY_ARN),
      }),
    },
    pagerDuty: { routingKeySecret: secretsmanager.Secret.fromSecretAttributes(stack, 'PagerDuty', { secretCompleteArn: secretArn('pagerduty') }) },
    opsAlarmTopic: topics.P1,
    logRetention: logs.RetentionDays.ONE_MONTH,
  };
  const notifier = new Notifier(stack, 'Notifier', change(props, stack));
  let template: Template | undefined;
  return {
    app, stack, notifier,
    // Synthesised on first use: with cdk-nag on, synthesis itself is the assertion.
    get template() {
      template ??= Template.fromStack(stack);
      return template;
    },
  };
}

function logicalId(built: Built, construct: { node: { defaultChild?: unknown } }): string {
  return built.stack.getLogicalId(construct.node.defaultChild as never);
}

describe('Notifier construct', () => {
  it('runs on Node.js 24, arm64, with the routes and secret ARNs in its environment', () => {
    // act
    const built = build();
    // assess
    const functions = built.template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(1);
    const fn = Object.values(functions)[0] as { Properties: Record<string, unknown> };
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 60,
      MemorySize: 256,
      Handler: 'index.handler',
    });
    const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(Object.keys(env).sort()).toEqual([
      NotifierEnv.PagerDutyRoutingKeySecretArn, NotifierEnv.SecuritySlackWebhookSecretArn, NotifierEnv.SlackWebhookSecretArn, NotifierEnv.Routes,
    ].sort());
    expect([env[NotifierEnv.SlackWebhookSecretArn], env[NotifierEnv.SecuritySlackWebhookSecretArn], env[NotifierEnv.PagerDutyRoutingKeySecretArn]])
      .toEqual([secretArn('slack-ops'), secretArn('slack-security'), secretArn('pagerduty')]);
    // The routes the notifier gets are exactly those with somewhere to go (not the email-only one).
    expect(decodeRoutes(env[NotifierEnv.Routes])).toEqual(routingTable().filter((r) => r.ruleId !== 'connection-pool-high'));
  });

  it('subscribes to each severity topic with a payload filter admitting exactly the alarms it delivers', () => {
    // prepare
    const table = routingTable();
    // act
    const built = build();
    // assess
    const subscriptions = Object.values(built.template.findResources('AWS::SNS::Subscription')) as { Properties: Record<string, unknown> }[];
    const bySeverity = Object.fromEntries(subscriptions.map((s) => {
      const topic = (s.Properties.TopicArn as { Ref: string }).Ref;
      const severity = topic.replace(/^Topic(P\d).*$/, '$1');
      return [severity, s.Properties];
    }));
    for (const severity of ['P0', 'P1', 'P2'] as const) {
      const expected = table
        .filter((r) => r.severity === severity && destinationsFor(r, { securitySlack: true }).length > 0)
        .map((r) => r.alarmName)
        .sort();
      expect(bySeverity[severity]).toMatchObject({
        Protocol: 'lambda',
        FilterPolicyScope: 'MessageBody',
        FilterPolicy: { AlarmName: expected },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(built, built.notifier.deadLetterQueue), 'Arn'] } },
      });
    }
    expect(bySeverity.P0!.FilterPolicy).toEqual({ AlarmName: ['tenantwatch-orders-P0-tenant-isolation-breach'] });
    expect(bySeverity.P1!.FilterPolicy).toEqual({ AlarmName: [
      'tenantwatch-api-P1-api-error-rate-high',
      'tenantwatch-orders-P1-cache-hit-rate-degraded',
      'tenantwatch-orders-P1-collector-heartbeat-missing',
      'tenantwatch-orders-P1-database-down',
    ] });
    expect(subscriptions).toHaveLength(3);
  });

  it('without a security webhook, an alarm routed only to the security team never reaches the notifier', () => {
    // prepare: failed-login-rate-high routed to the security team alone.
    const table = routingTable().map((r) => (r.ruleId === 'failed-login-rate-high' ? { ...r, channels: [Channel.SecurityTeam] } : r));
    // act
    const withWebhook = build((p) => ({ ...p, routingTable: table }));
    const withoutWebhook = build((p) => ({ ...p, routingTable: table, slack: { webhookSecret: p.slack!.webhookSecret } }));
    // assess
    const p2Names = (built: Built) => (Object.values(built.template.findResources('AWS::SNS::Subscription')) as { Properties: { TopicArn: { Ref: string }; FilterPolicy: { AlarmName: string[] } } }[])
      .find((s) => s.Properties.TopicArn.Ref.startsWith('TopicP2'))!.Properties.FilterPolicy.AlarmName;
    expect(p2Names(withWebhook)).toContain('tenantwatch-orders-P2-failed-login-rate-high');
    expect(p2Names(withoutWebhook)).not.toContain('tenantwatch-orders-P2-failed-login-rate-high');
    expect(destinationsFor({ channels: [Channel.SecurityTeam] }, { securitySlack: true })).toEqual([Destination.SecuritySlack]);
  });

  it('may read exactly its three secrets (and one key only through Secrets Manager), its log group and its DLQ', () => {
    // act
    const built = build();
    // assess
    const dlq = logicalId(built, built.notifier.deadLetterQueue);
    const [logGroup, ...otherLogGroups] = Object.keys(built.template.findResources('AWS::Logs::LogGroup'));
    const policies = Object.values(built.template.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: unknown[] } } }[];
    expect(policies).toHaveLength(1);
    expect(otherLogGroups).toEqual([]);
    expect(policies[0]!.Properties.PolicyDocument.Statement).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] } },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: secretArn('slack-ops') },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: secretArn('slack-security') },
      {
        Action: 'kms:Decrypt', Effect: 'Allow', Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
      },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: secretArn('pagerduty') },
      { Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    ]);
    const roles = Object.values(built.template.findResources('AWS::IAM::Role')) as { Properties: Record<string, unknown> }[];
    expect(roles).toHaveLength(1);
    expect(roles[0]!.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('reads only the secrets that are configured', () => {
    // act
    const built = build((p) => ({ ...p, routingTable: routingTable().filter((r) => !r.channels.includes(Channel.Slack) && !r.channels.includes(Channel.SecurityTeam)), slack: undefined }));
    // assess
    const statements = (Object.values(built.template.findResources('AWS::IAM::Policy'))[0] as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } })
      .Properties.PolicyDocument.Statement.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(statements.map((s) => s.Resource)).toEqual([secretArn('pagerduty')]);
  });

  it('dead-letters failed invocations to an encrypted, TLS-only queue after two async retries', () => {
    // act
    const built = build();
    // assess
    const dlq = logicalId(built, built.notifier.deadLetterQueue);
    built.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    built.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
    built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
    built.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('alarms on dead letters and on errors to the ops topic (P1), not through itself', () => {
    // act
    const built = build();
    // assess
    const opsTopic = logicalId(built, built.notifier.node.scope!.node.findChild('TopicP1') as never);
    const alarms = Object.values(built.template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual([...built.notifier.opsAlarmNames].sort());
    expect(built.notifier.opsAlarmNames).toEqual(['tenantwatch-notifier-P1-notifier-delivery-errors', 'tenantwatch-notifier-P1-notifier-dead-letters']);
    const byName = Object.fromEntries(alarms.map((a) => [a.Properties.AlarmName, a.Properties]));
    expect(byName['tenantwatch-notifier-P1-notifier-delivery-errors']).toMatchObject({
      Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Period: 60,
      ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, EvaluationPeriods: 1, DatapointsToAlarm: 1, TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: opsTopic }], OKActions: [{ Ref: opsTopic }],
    });
    expect(byName['tenantwatch-notifier-P1-notifier-dead-letters']).toMatchObject({
      Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', Period: 60,
      ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, EvaluationPeriods: 1, DatapointsToAlarm: 1, TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: opsTopic }], OKActions: [{ Ref: opsTopic }],
    });
    // Its own alarms are in no filter policy of its subscriptions.
    const admitted = (Object.values(built.template.findResources('AWS::SNS::Subscription')) as { Properties: { FilterPolicy: { AlarmName: string[] } } }[])
      .flatMap((s) => s.Properties.FilterPolicy.AlarmName);
    expect(admitted.filter((name) => built.notifier.opsAlarmNames.includes(name))).toEqual([]);
  });

  it('refuses a routing table that pages or posts where nothing is configured', () => {
    // act + assess
    const routedTo = (channel: Channel) => routingTable().filter((r) => r.channels.includes(channel)).length;
    expect(() => build((p) => ({ ...p, slack: undefined })))
      .toThrow(`Notifier: ${routedTo(Channel.Slack)} alarms are routed to slack but notifications.slack.webhookSecretArn is not configured`);
    expect(() => build((p) => ({ ...p, pagerDuty: undefined })))
      .toThrow(`Notifier: ${routedTo(Channel.PagerDuty)} alarms are routed to pagerduty but notifications.pagerDuty.routingKeySecretArn is not configured`);
  });

  it('fits 15 database targets in the Lambda environment, and refuses 60 with a clear error', () => {
    // prepare
    const targets = (n: number) => Array.from({ length: n }, (_, i) => `payroll-db-${String(i).padStart(2, '0')}`);
    // act
    const fifteen = build((p) => ({ ...p, routingTable: routingTable(targets(15)) }));
    // assess
    expect(fifteen.template.findResources('AWS::Lambda::Function')).not.toEqual({});
    const sixty = routingTable(targets(60)).filter((r) => destinationsFor(r, { securitySlack: true }).length > 0);
    expect(() => build((p) => ({ ...p, routingTable: routingTable(targets(60)) }))).toThrow(new RegExp(
      `^Notifier: the ${sixty.length} alarms routed to Slack/PagerDuty encode to \\d+ characters, above the 3000 that fit in the Lambda environment \\(4 KB\\): reduce database targets or health checks$`,
    ));
  });

  it('is cdk-nag clean (AwsSolutions), with only the reasoned acknowledgement of SQS3 on its DLQ', () => {
    // prepare
    const built = build(undefined, true);
    // act + assess: synthesis throws on any unacknowledged finding
    expect(() => built.app.synth()).not.toThrow();
  });
});
