/**
 * The collector per target, the encrypted severity topics and the access each part gets,
 * asserted on the synthesised template.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { alarmRules, publishableNamespaces } from '../../lambdas/core/catalog/index.js';
import { deploymentLimitMessage } from '../../lib/config/deployment-limits.js';
import { exampleWith, secretArn } from './support/config.js';
import { type Synthesised, synth } from './support/synth.js';
import { resources } from './support/template-reading.js';

const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenantwatch/payroll-prod-Gh1jK2';
const STATE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenantwatch/state-db-AbCdEf';
const DATABASE_SG = 'sg-0123456789abcdef0';
const STATE_SG = 'sg-0a1b2c3d4e5f60718';

type Json = Record<string, unknown>;
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Json; Effect: string; Principal?: unknown };

function collectorPolicy(s: Synthesised, target = 'payroll-prod'): Statement[] {
  const role = s.stack.getLogicalId(s.stack.collectors.get(target)!.role.node.defaultChild as never);
  const policy = resources(s.template, 'AWS::IAM::Policy').find((p) => JSON.stringify(p.properties.Roles) === JSON.stringify([{ Ref: role }]));
  return (policy!.properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

describe('collector of a target (example config)', () => {
  let s: Synthesised;
  beforeAll(() => { s = synth(exampleWith(() => undefined)); });

  it('is a Node.js 24 arm64 function with reserved concurrency 1 and a timeout above the run budget', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'tenantwatch-payroll-prod-collector',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      // run budget 40 s + 20 s headroom
      Timeout: 60,
      ReservedConcurrentExecutions: 1,
      VpcConfig: { SubnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'], SecurityGroupIds: [Match.anyValue()] },
      Environment: {
        Variables: {
          TENANTWATCH_SETTINGS: '{"target":"payroll-prod","healthChecks":[{"name":"api-health","url":"https://api.example.com/health","timeoutMs":3000}]}',
          DB_SECRET_ARN: TARGET_SECRET,
          STATE_DB_SECRET_ARN: STATE_SECRET,
          // verify-full TLS (the default) needs the Amazon CAs, which Node.js 24 on Lambda does not load by itself
          NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        },
      },
    });
    // A failed or late run is not retried: the next scheduled run is due.
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: s.stack.getLogicalId(s.stack.collectors.get('payroll-prod')!.function.node.defaultChild as never) },
      MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60,
    });
  });

  it('runs on an EventBridge schedule of one minute by default', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'tenantwatch-payroll-prod-schedule',
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
  });

  it('writes to its own log group with the configured retention', () => {
    s.template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/tenantwatch-payroll-prod-collector', RetentionInDays: 30 });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'tenantwatch-payroll-prod-collector',
      LoggingConfig: { LogGroup: { Ref: s.stack.getLogicalId(s.stack.collectors.get('payroll-prod')!.logGroup.node.defaultChild as never) } },
    });
  });

  it('may publish metrics only to tenantwatch namespaces and read exactly its two secrets', () => {
    // Act
    const statements = collectorPolicy(s);
    // Assess
    expect(statements.find((st) => st.Sid === 'PublishTenantWatchMetricsOnly')).toEqual({
      Sid: 'PublishTenantWatchMetricsOnly', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': ['TenantWatch/Database', 'TenantWatch/Api', 'TenantWatch/Tenants', 'TenantWatch/Security', 'TenantWatch/Collector'] } },
    });
    expect(publishableNamespaces).toHaveLength(5);
    const secretStatements = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements.map((st) => st.Resource)).toEqual([TARGET_SECRET, STATE_SECRET]);
    for (const st of secretStatements) expect(st.Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    expect(statements.map((st) => st.Sid ?? [st.Action].flat().join(','))).toEqual([
      'WriteOwnLogGroup', 'AttachToVpc', 'PublishTenantWatchMetricsOnly',
      'secretsmanager:GetSecretValue,secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue,secretsmanager:DescribeSecret',
    ]);
    // No AWS-managed policy on the collector role.
    const role = s.stack.getLogicalId(s.stack.collectors.get('payroll-prod')!.role.node.defaultChild as never);
    expect((s.template.toJSON().Resources as Record<string, { Properties: Json }>)[role]?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('may decrypt with a customer-managed secret key only through Secrets Manager', () => {
    // Prepare
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const withKey = synth(exampleWith((c) => { c.targets[0]!.kmsKeyArn = key; }));
    // Act
    const decrypt = collectorPolicy(withKey).filter((st) => [st.Action].flat().includes('kms:Decrypt'));
    // Assess
    expect(decrypt).toEqual([{
      Effect: 'Allow', Action: 'kms:Decrypt', Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    }]);
    expect(collectorPolicy(s).some((st) => [st.Action].flat().includes('kms:Decrypt'))).toBe(false);
  });

  it('allows egress only to the two database ports and HTTPS', () => {
    // Prepare
    const collectorSg = s.stack.getLogicalId(s.stack.collectors.get('payroll-prod')!.securityGroup.node.defaultChild as never);
    const sgId = { 'Fn::GetAtt': [collectorSg, 'GroupId'] };
    // Act
    const group = resources(s.template, 'AWS::EC2::SecurityGroup').find((r) => r.logicalId === collectorSg)!;
    const egress = resources(s.template, 'AWS::EC2::SecurityGroupEgress').map((r) => r.properties);
    const ingress = resources(s.template, 'AWS::EC2::SecurityGroupIngress').map((r) => r.properties);
    // Assess
    expect(group.properties.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: 'HTTPS: Secrets Manager, CloudWatch, health checks', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
    ]);
    expect(group.properties.SecurityGroupIngress).toBeUndefined();
    expect(egress).toEqual([
      { GroupId: sgId, DestinationSecurityGroupId: DATABASE_SG, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, Description: 'tenantwatch collector to the monitored database (read-only)' },
      { GroupId: sgId, DestinationSecurityGroupId: STATE_SG, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, Description: 'tenantwatch collector to the monitoring (state) database' },
    ]);
    // manageIngress (default true): the databases accept the collector's group on their port.
    expect(ingress).toEqual([
      { GroupId: DATABASE_SG, SourceSecurityGroupId: sgId, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, Description: 'tenantwatch collector to the monitored database (read-only)' },
      { GroupId: STATE_SG, SourceSecurityGroupId: sgId, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, Description: 'tenantwatch collector to the monitoring (state) database' },
    ]);
  });
});

describe('collector: options', () => {
  it('follows scheduleMinutes, memory and run budget; adds egress for a health check on another port; leaves database groups alone without manageIngress', () => {
    // Prepare
    const input = exampleWith((c) => {
      const target = c.targets[0]!;
      target.scheduleMinutes = 5;
      target.memoryMb = 512;
      target.port = 6432;
      target.network.manageIngress = false;
      c.monitoringDatabase.manageIngress = false;
      target.collector = { runBudgetMs: 120_000, healthChecks: [{ name: 'internal', url: 'http://10.0.0.10:8080/health' }] };
      target.sslMode = 'require';
      c.monitoringDatabase.sslMode = 'disable';
    });
    // Act
    const s = synth(input);
    // Assess
    s.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    s.template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'tenantwatch-payroll-prod-collector', Timeout: 140, MemorySize: 512 });
    const variables = resources(s.template, 'AWS::Lambda::Function')
      .find((f) => f.properties.FunctionName === 'tenantwatch-payroll-prod-collector')!.properties.Environment as { Variables: Json };
    expect(variables.Variables).toMatchObject({ DB_SSLMODE: 'require', STATE_DB_SSLMODE: 'disable' });
    expect(variables.Variables.NODE_EXTRA_CA_CERTS).toBeUndefined();
    s.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(resources(s.template, 'AWS::EC2::SecurityGroupEgress').map((r) => [r.properties.DestinationSecurityGroupId, r.properties.FromPort])).toEqual([
      [DATABASE_SG, 6432], [STATE_SG, 5432],
    ]);
    const group = resources(s.template, 'AWS::EC2::SecurityGroup')[0]!;
    expect((group.properties.SecurityGroupEgress as Json[]).map((e) => [e.CidrIp, e.FromPort])).toEqual([['0.0.0.0/0', 443], ['0.0.0.0/0', 8080]]);
  });

  it('gives every target its own collector, schedule and secret', () => {
    // Prepare
    const input = exampleWith((c) => {
      c.targets.push({ ...structuredClone(c.targets[0]!), name: 'payroll-eu', secretArn: secretArn('payroll-eu'), collector: {} });
    });
    // Act
    const s = synth(input);
    // Assess
    s.template.resourceCountIs('AWS::Events::Rule', 2);
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'tenantwatch-payroll-eu-collector',
      Environment: { Variables: Match.objectLike({ TENANTWATCH_SETTINGS: '{"target":"payroll-eu"}', DB_SECRET_ARN: secretArn('payroll-eu') }) },
    });
    expect(collectorPolicy(s, 'payroll-eu').filter((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue')).map((st) => st.Resource))
      .toEqual([secretArn('payroll-eu'), STATE_SECRET]);
  });
});

describe('one stack\'s limits', () => {
  it('turns CloudFormation\'s 500-resource limit into a message saying how to split the deployment', () => {
    // Prepare: 25 targets, about 24 resources each; email only (the notifier's own limit,
    // its routing table in 4 KB of environment, would be reached first)
    const input = exampleWith((c) => {
      for (let i = 1; i < 25; i++) c.targets.push({ ...structuredClone(c.targets[0]!), name: `payroll-${i}`, secretArn: secretArn(`payroll-${i}`), collector: {} });
      delete c.notifications.pagerDuty;
      delete c.notifications.slack;
      c.alarms = Object.fromEntries(alarmRules.map((r) => [r.id, { channels: ['email'] }]));
    });
    // Act
    let thrown: unknown;
    try {
      synth(input);
    } catch (error) {
      thrown = error;
    }
    // Assess
    expect(deploymentLimitMessage(thrown)).toMatch(
      /^tenantwatch: stack TenantWatch would need \d{3} CloudFormation resources; one stack allows 500\. .*split the targets across several config files, each with its own stackName, and deploy each one\.$/,
    );
    expect(deploymentLimitMessage(new Error('something else'))).toBeUndefined();
  });

  it('says the same when the notifier\'s routing table outgrows its environment variable', () => {
    // Prepare: 25 targets routed to Slack and PagerDuty as the catalog says
    const input = exampleWith((c) => {
      for (let i = 1; i < 25; i++) c.targets.push({ ...structuredClone(c.targets[0]!), name: `payroll-${i}`, secretArn: secretArn(`payroll-${i}`), collector: {} });
    });
    // Act
    let thrown: unknown;
    try {
      synth(input);
    } catch (error) {
      thrown = error;
    }
    // Assess
    expect(deploymentLimitMessage(thrown)).toMatch(/^tenantwatch: Notifier: the \d+ alarms routed to Slack\/PagerDuty .*; or split the targets across several config files/);
  });
});

describe('severity topics, dashboards and tags', () => {
  let s: Synthesised;
  beforeAll(() => { s = synth(exampleWith(() => undefined)); });

  it('encrypts P0, P1 and P2 with one rotating customer-managed key that CloudWatch may use', () => {
    // Prepare
    const key = s.stack.getLogicalId(s.stack.topics.key.node.defaultChild as never);
    // Act
    const keyResource = resources(s.template, 'AWS::KMS::Key')[0]!;
    const topics = resources(s.template, 'AWS::SNS::Topic').map((t) => t.properties);
    // Assess
    expect(keyResource.properties.EnableKeyRotation).toBe(true);
    expect((keyResource.properties.KeyPolicy as { Statement: Statement[] }).Statement).toContainEqual({
      Sid: 'AllowCloudWatchAlarmsToUseTheKey', Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*',
    });
    expect(topics.map((t) => t.DisplayName)).toEqual(['tenantwatch P0 alarms', 'tenantwatch P1 alarms', 'tenantwatch P2 alarms']);
    for (const topic of topics) expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
  });

  it('lets CloudWatch alarms of this account publish, over TLS only', () => {
    for (const { properties } of resources(s.template, 'AWS::SNS::TopicPolicy')) {
      const statements = (properties.PolicyDocument as { Statement: Statement[] }).Statement;
      const topic = (properties.Topics as unknown[])[0];
      expect(statements).toEqual([
        { Sid: 'AllowPublishThroughSSLOnly', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topic, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        {
          Sid: 'AllowCloudWatchAlarmsOfThisAccount', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: topic,
          Condition: {
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']] } },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        },
      ]);
    }
    s.template.resourceCountIs('AWS::SNS::TopicPolicy', 3);
  });

  it('builds the four dashboards for the target and the API', () => {
    expect(resources(s.template, 'AWS::CloudWatch::Dashboard').map((d) => d.properties.DashboardName).sort()).toEqual([
      'tenantwatch-api-performance',
      'tenantwatch-payroll-prod-infrastructure-health',
      'tenantwatch-payroll-prod-multi-tenant-insights',
      'tenantwatch-payroll-prod-security-events',
    ]);
  });

  it('tags every taggable resource with the config\'s tags', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', { Tags: [{ Key: 'service', Value: 'tenantwatch' }, { Key: 'team', Value: 'platform' }] });
    s.template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'tenantwatch-payroll-prod-collector', Tags: [{ Key: 'service', Value: 'tenantwatch' }, { Key: 'team', Value: 'platform' }] });
  });
});
