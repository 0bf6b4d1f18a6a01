/**
 * The notifier: a Lambda subscribed to the severity topics that posts alarms to Slack and
 * PagerDuty. Each subscription's payload filter policy admits exactly the alarms the
 * routing table sends to the notifier (the same function the handler routes with), a
 * failed delivery ends in an encrypted SQS dead-letter queue, and two P1 alarms (dead
 * letters, errors) go to the ops topic directly, never through the notifier they watch.
 */
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Channel, Severity, severities } from '../../lambdas/core/catalog/index.js';
import { alarmName } from '../../lambdas/core/routing/alarm-name.js';
import type { RoutingTable } from '../../lambdas/core/routing/routing-table.js';
import { notifierRoutes, type DestinationOptions } from '../../lambdas/notifier/destinations.js';
import { NotifierEnv } from '../../lambdas/notifier/env-names.js';
import { MAX_ENCODED_ROUTES_LENGTH, encodeRoutes } from '../../lambdas/notifier/routes-env.js';
import { alarmNameFilterPolicy } from '../routing/alarm-name-filter.js';

export interface NotifierProps {
  /** One topic per severity; the notifier subscribes to those with alarms routed to it. */
  readonly topics: Record<Severity, sns.ITopic>;
  readonly routingTable: RoutingTable;
  readonly slack?: {
    /** Secret holding the operations channel's incoming-webhook URL. */
    readonly webhookSecret: secretsmanager.ISecret;
    /** Secret holding the security channel's webhook URL (catalog channel `security-team`). */
    readonly securityWebhookSecret?: secretsmanager.ISecret;
  };
  readonly pagerDuty?: {
    /** Secret holding the Events API v2 integration (routing) key. */
    readonly routingKeySecret: secretsmanager.ISecret;
  };
  /** Where the notifier's own alarms go (P1); must not be routed through the notifier. */
  readonly opsAlarmTopic: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
}

/** Lambda's async retries of a failed invocation before it goes to the dead-letter queue. */
const ASYNC_RETRY_ATTEMPTS = 2;
/** An alarm notification older than this is stale: dead-letter it and alarm instead. */
const MAX_EVENT_AGE = Duration.hours(1);
/** Covers bounded retries of every delivery of one alarm (see lambdas/notifier/http-post.ts). */
const FUNCTION_TIMEOUT = Duration.seconds(60);
const FUNCTION_MEMORY_MB = 256;
/** SQS maximum: two weeks to inspect and redrive a lost notification. */
const DEAD_LETTER_RETENTION = Duration.days(14);
const OPS_ALARM_PERIOD = Duration.minutes(1);

export const NOTIFIER_ENTRY = fileURLToPath(new URL('../../lambdas/notifier/handler.ts', import.meta.url));
/**
 * CommonJS output: no import.meta in the runtime code, so no require() shim is needed; the
 * AWS SDK v3 stays external (NodejsFunction's default on Node.js 18+: the runtime's own).
 */
export const NOTIFIER_BUNDLING = { minify: true, sourceMap: false, target: 'node24', format: OutputFormat.CJS } as const;

export class Notifier extends Construct {
  readonly function: NodejsFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLettersAlarm: cloudwatch.Alarm;
  /**
   * The names of the notifier's own alarms. They publish to opsAlarmTopic: a subscription
   * of that topic with an AlarmName filter policy must admit them.
   */
  readonly opsAlarmNames: readonly string[];

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    const options: DestinationOptions = { securitySlack: props.slack?.securityWebhookSecret !== undefined };
    assertChannelsConfigured(props);
    const routes = notifierRoutes(props.routingTable, options);
    const encodedRoutes = encodeRoutes(routes);
    if (encodedRoutes.length > MAX_ENCODED_ROUTES_LENGTH) {
      throw new Error(
        `Notifier: the ${routes.length} alarms routed to Slack/PagerDuty encode to ${encodedRoutes.length} characters, ` +
          `above the ${MAX_ENCODED_ROUTES_LENGTH} that fit in the Lambda environment (4 KB): reduce database targets or health checks`,
      );
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // SQS-managed SSE: SNS can deliver to it (subscription DLQ) without a key policy.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Own role, no AWS-managed policy: logs go to this log group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tenantwatch notifier: read its Slack/PagerDuty secrets, write its log group',
    });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));

    const secrets = {
      [NotifierEnv.SlackWebhookSecretArn]: props.slack?.webhookSecret,
      [NotifierEnv.SecuritySlackWebhookSecretArn]: props.slack?.securityWebhookSecret,
      [NotifierEnv.PagerDutyRoutingKeySecretArn]: props.pagerDuty?.routingKeySecret,
    };
    const environment: Record<string, string> = { [NotifierEnv.Routes]: encodedRoutes };
    for (const [name, secret] of Object.entries(secrets)) {
      if (!secret) continue;
      environment[name] = secret.secretArn;
      grantGetSecretValue(secret, role);
    }

    this.function = new NodejsFunction(this, 'Function', {
      entry: NOTIFIER_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: FUNCTION_TIMEOUT,
      role,
      logGroup,
      environment,
      description: 'tenantwatch: posts CloudWatch alarms to Slack and PagerDuty',
      bundling: NOTIFIER_BUNDLING,
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    for (const severity of severities) {
      const admitted = routes.filter((r) => r.severity === severity);
      if (admitted.length === 0) continue;
      props.topics[severity].addSubscription(new subscriptions.LambdaSubscription(this.function, {
        filterPolicyWithMessageBody: alarmNameFilterPolicy(admitted, props.routingTable.filter((r) => r.severity === severity)),
        // SNS could not invoke the function at all: keep the message too.
        deadLetterQueue: this.deadLetterQueue,
      }));
    }

    const errorsAlarmName = alarmName({ id: 'notifier-delivery-errors', severity: Severity.P1 }, 'notifier');
    const deadLettersAlarmName = alarmName({ id: 'notifier-dead-letters', severity: Severity.P1 }, 'notifier');
    this.opsAlarmNames = [errorsAlarmName, deadLettersAlarmName];
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmName: errorsAlarmName,
      alarmDescription:
        'A Slack or PagerDuty delivery failed (Lambda retries it twice, then dead-letters it): read the notifier log group for "delivery_failed".',
      metric: this.function.metricErrors({ period: OPS_ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLettersAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmName: deadLettersAlarmName,
      alarmDescription:
        'An alarm notification was NOT delivered after all retries: read the dead-letter queue (requestPayload is the SNS event), fix the cause, redrive it (README: Notifications).',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: OPS_ALARM_PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.errorsAlarm, this.deadLettersAlarm]) {
      alarm.addAlarmAction(new cwActions.SnsAction(props.opsAlarmTopic));
      alarm.addOkAction(new cwActions.SnsAction(props.opsAlarmTopic));
    }

    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue IS the dead-letter destination (Lambda onFailure and SNS subscription DLQ); a DLQ of a DLQ would only hide lost notifications.',
    });
  }
}

function assertChannelsConfigured(props: NotifierProps): void {
  const routedTo = (channel: Channel) => props.routingTable.filter((r) => r.channels.includes(channel)).length;
  const slackAlarms = routedTo(Channel.Slack);
  if (slackAlarms > 0 && !props.slack) {
    throw new Error(`Notifier: ${slackAlarms} alarms are routed to slack but notifications.slack.webhookSecretArn is not configured`);
  }
  const pagerDutyAlarms = routedTo(Channel.PagerDuty);
  if (pagerDutyAlarms > 0 && !props.pagerDuty) {
    throw new Error(`Notifier: ${pagerDutyAlarms} alarms are routed to pagerduty but notifications.pagerDuty.routingKeySecretArn is not configured`);
  }
}

/** GetSecretValue on exactly this secret (no DescribeSecret, no other secret), and its key through Secrets Manager. */
function grantGetSecretValue(secret: secretsmanager.ISecret, role: iam.Role): void {
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['secretsmanager:GetSecretValue'],
    // A secret imported by name or partial ARN gets its random 6-character suffix matched.
    resources: [secret.secretFullArn ?? `${secret.secretArn}-??????`],
  }));
  if (!secret.encryptionKey) return;
  // Written out: a grant to a ViaServicePrincipal is silently dropped for an imported key.
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['kms:Decrypt'],
    resources: [secret.encryptionKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` } },
  }));
}
