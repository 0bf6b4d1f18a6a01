/**
 * One SNS topic per severity, encrypted with a customer-managed key. CloudWatch must be
 * allowed to use that key: without the key-policy statement, alarms on an encrypted topic
 * fail to publish and the notification is silently dropped.
 */
import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type Severity, severities } from '../../lambdas/core/catalog/index.js';

const CLOUDWATCH = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

export class AlarmTopics extends Construct {
  readonly key: kms.Key;
  readonly topics: Record<Severity, sns.Topic>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'tenantwatch: encrypts the alarm topics (P0, P1, P2)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [CLOUDWATCH],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));

    const topics: Partial<Record<Severity, sns.Topic>> = {};
    for (const severity of severities) {
      const topic = new sns.Topic(this, severity, {
        displayName: `tenantwatch ${severity} alarms`,
        masterKey: this.key,
        enforceSSL: true,
      });
      topic.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [CLOUDWATCH],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }));
      topics[severity] = topic;
    }
    this.topics = topics as Record<Severity, sns.Topic>;
  }
}
