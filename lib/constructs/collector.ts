/**
 * One database target's collector: a scheduled, VPC-attached Lambda that reads the
 * production database (read-only role) and the monitoring database (state), and may
 * publish only to tenantwatch's CloudWatch namespaces. Least privilege throughout: its
 * own role, exactly its secrets, egress only to the two database ports and HTTPS.
 */
import { Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { publishableNamespaces } from '../../lambdas/core/catalog/index.js';
import {
  type DeploymentConfig, SslMode, type TargetConfig, collectorSettingsEnv, collectorTimeoutSeconds,
} from '../../lambdas/core/config/deployment.js';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { grantSecretRead, importSecret } from './import-secret.js';

/**
 * Node.js 20+ Lambda runtimes no longer trust the Amazon CAs (RDS server certificates
 * among them) by default; this file of the runtime holds them. Loading it costs some
 * cold-start time, once per execution environment.
 */
const AMAZON_CA_BUNDLE = '/var/runtime/ca-cert.pem';

const HTTPS_PORT = 443;
const HTTP_PORT = 80;
/** Lambda's minimum; an event older than one schedule interval is stale, the next run is due. */
const MAX_EVENT_AGE = Duration.seconds(60);
/**
 * pg's optional native binding is never installed; the AWS SDK v3 ships with the Node.js
 * 24 runtime, so it is not bundled (the bundle stays far below 1 MB).
 */
const EXTERNAL_MODULES = ['@aws-sdk/*', 'pg-native'];
/** ESM output needs `require` for the CommonJS dependencies (pg) that esbuild inlines. */
const ESM_REQUIRE_BANNER = "import { createRequire as __twCreateRequire } from 'node:module'; const require = __twCreateRequire(import.meta.url);";
/** The collector's esbuild options; the benchmark (test/bench) bundles with exactly these. */
export const COLLECTOR_BUNDLING = {
  minify: true,
  sourceMap: false,
  target: 'node24',
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  externalModules: EXTERNAL_MODULES,
} as const satisfies BundlingOptions;

export interface CollectorProps {
  readonly target: TargetConfig;
  readonly monitoringDatabase: DeploymentConfig['monitoringDatabase'];
  readonly logRetention: logs.RetentionDays;
  /** The handler's source file (lambdas/collector/index.ts). */
  readonly entry: string;
  /** The repository root (package-lock.json lives there). */
  readonly projectRoot: string;
}

export class Collector extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly securityGroup: ec2.SecurityGroup;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: CollectorProps) {
    super(scope, id);
    const { target, monitoringDatabase } = props;
    const functionName = `tenantwatch-${target.name}-collector`;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `tenantwatch collector of ${target.name}: read its two secrets, publish tenantwatch metrics, write its logs`,
    });
    this.role.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogGroup',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));
    this.role.addToPolicy(new iam.PolicyStatement({
      sid: 'AttachToVpc',
      // What AWSLambdaVPCAccessExecutionRole grants; EC2 supports no resource scoping for the Describe calls.
      actions: [
        'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }));
    this.role.addToPolicy(new iam.PolicyStatement({
      sid: 'PublishTenantWatchMetricsOnly',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': [...publishableNamespaces] } },
    }));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData has no resource-level permissions (it is limited to tenantwatch namespaces by the cloudwatch:namespace condition); the Lambda VPC ENI actions (ec2:Describe*, ec2:CreateNetworkInterface as Lambda calls it) cannot be scoped to resources.',
    });

    const databaseSecret = importSecret(this, 'DatabaseSecret', target.secretArn, target.kmsKeyArn);
    const stateSecret = importSecret(this, 'StateDatabaseSecret', monitoringDatabase.secretArn, monitoringDatabase.kmsKeyArn);
    grantSecretRead(databaseSecret, this.role);
    grantSecretRead(stateSecret, this.role);

    // Only the VPC id is used: the function's subnets are selected explicitly below.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: target.network.vpcId, availabilityZones: Fn.getAzs() });
    const subnets = target.network.subnetIds.map((subnetId, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, subnetId));
    Validations.of(this).acknowledge(
      { id: 'Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones', reason: 'Only the imported VPC\'s id is used (security group); the function\'s subnets are given explicitly, so no construct needs the VPC\'s zones or subnet lists.' },
      { id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId', reason: 'The imported subnets only place the function\'s network interfaces; nothing reads their route tables.' },
    );
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `tenantwatch collector of ${target.name}: egress to its databases and HTTPS only`,
      allowAllOutbound: false,
    });
    this.allowDatabaseEgress(target.network.databaseSecurityGroupId, target.port, target.network.manageIngress, 'the monitored database (read-only)');
    this.allowDatabaseEgress(monitoringDatabase.securityGroupId, monitoringDatabase.port, monitoringDatabase.manageIngress, 'the monitoring (state) database');
    for (const port of webPorts(target)) {
      this.securityGroup.addEgressRule(
        ec2.Peer.anyIpv4(), ec2.Port.tcp(port),
        port === HTTPS_PORT ? 'HTTPS: Secrets Manager, CloudWatch, health checks' : `health checks on port ${port}`,
      );
    }

    this.function = new NodejsFunction(this, 'Function', {
      functionName,
      description: `tenantwatch: collects ${target.name} metrics every ${target.scheduleMinutes} min (read-only)`,
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: target.memoryMb,
      timeout: Duration.seconds(collectorTimeoutSeconds(target)),
      // One run at a time: two concurrent runs would race for the same counter baseline.
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      maxEventAge: MAX_EVENT_AGE,
      role: this.role,
      logGroup: this.logGroup,
      vpc,
      vpcSubnets: { subnets },
      securityGroups: [this.securityGroup],
      environment: {
        [CollectorEnvVar.Settings]: collectorSettingsEnv(target),
        [CollectorEnvVar.DatabaseSecretArn]: databaseSecret.secretArn,
        [CollectorEnvVar.StateDatabaseSecretArn]: stateSecret.secretArn,
        // Only what differs from the collector's default (verify-full).
        ...(target.sslMode === SslMode.VerifyFull ? {} : { [CollectorEnvVar.DatabaseSslMode]: target.sslMode }),
        ...(monitoringDatabase.sslMode === SslMode.VerifyFull ? {} : { [CollectorEnvVar.StateDatabaseSslMode]: monitoringDatabase.sslMode }),
        ...([target.sslMode, monitoringDatabase.sslMode].includes(SslMode.VerifyFull) ? { NODE_EXTRA_CA_CERTS: AMAZON_CA_BUNDLE } : {}),
      },
      bundling: COLLECTOR_BUNDLING,
    });

    this.schedule = new events.Rule(this, 'Schedule', {
      ruleName: `tenantwatch-${target.name}-schedule`,
      description: `tenantwatch: runs the ${target.name} collector`,
      schedule: events.Schedule.rate(Duration.minutes(target.scheduleMinutes)),
      targets: [new eventTargets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: MAX_EVENT_AGE })],
    });
  }

  /**
   * Egress to a database's security group on its port, and, when the config lets
   * tenantwatch manage it, the matching ingress rule on that group (removed by cdk destroy).
   */
  private allowDatabaseEgress(securityGroupId: string, port: number, manageIngress: boolean, what: string): void {
    const id = `Peer-${securityGroupId}`;
    const peer = (this.node.tryFindChild(id) as ec2.ISecurityGroup | undefined)
      ?? ec2.SecurityGroup.fromSecurityGroupId(this, id, securityGroupId, { mutable: manageIngress, allowAllOutbound: false });
    this.securityGroup.connections.allowTo(peer, ec2.Port.tcp(port), `tenantwatch collector to ${what}`);
  }
}

/** HTTPS always (AWS APIs); plus each health-check URL's port, when it is another one. */
function webPorts(target: TargetConfig): number[] {
  const ports = new Set<number>([HTTPS_PORT]);
  for (const check of target.collector.healthChecks) {
    const url = new URL(check.url);
    ports.add(url.port === '' ? (url.protocol === 'https:' ? HTTPS_PORT : HTTP_PORT) : Number(url.port));
  }
  return [...ports].sort((a, b) => a - b);
}
