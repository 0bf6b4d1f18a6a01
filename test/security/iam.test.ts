/**
 * IAM least privilege, over every policy statement of the synthesised stack (identity
 * policies, the KMS key policy, SNS topic and SQS queue policies, Lambda permissions): no
 * Allow statement has a wildcard action or resource, except the ones AWS's APIs require,
 * each listed here with its reason (README "Security": IAM). A new wildcard fails this
 * test; so does an exception that disappears (then the list and the README are stale).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { publishableNamespaces } from '../../lambdas/core/catalog/index.js';
import { exampleConfig, exampleWith, secretArn } from '../cdk/support/config.js';
import { synth } from '../cdk/support/synth.js';

type Json = Record<string, unknown>;

interface FoundStatement {
  readonly type: string;
  readonly sid?: string;
  readonly effect: string;
  readonly principal?: unknown;
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
  readonly condition?: Json;
}

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
];

/** The wildcards AWS requires, and why. The README's IAM table says the same. */
const ALLOWED_WILDCARDS = [
  {
    what: 'collector: cloudwatch:PutMetricData on *',
    why: 'PutMetricData has no resource-level permissions; the cloudwatch:namespace condition limits it to the TenantWatch/* namespaces',
    matches: (s: FoundStatement) => s.type === 'AWS::IAM::Policy' && s.sid === 'PublishTenantWatchMetricsOnly'
      && sameList(s.actions, ['cloudwatch:PutMetricData']) && sameList(s.resources, ['*'])
      && JSON.stringify(s.condition) === JSON.stringify({ StringEquals: { 'cloudwatch:namespace': [...publishableNamespaces] } }),
  },
  {
    what: 'collector: the Lambda VPC network-interface actions on *',
    why: 'Lambda creates and deletes the function\'s network interfaces with its execution role; the EC2 Describe actions support no resource-level permissions (the set of AWSLambdaVPCAccessExecutionRole)',
    matches: (s: FoundStatement) => s.type === 'AWS::IAM::Policy' && s.sid === 'AttachToVpc' && sameList(s.actions, VPC_ENI_ACTIONS) && sameList(s.resources, ['*']),
  },
  {
    what: 'alarm-topic key policy: the account root, kms:* on *',
    why: 'the default key policy: it delegates the key\'s use to IAM policies of this account; without it the key becomes unmanageable. In a key policy, Resource * means this key',
    matches: (s: FoundStatement) => s.type === 'AWS::KMS::Key' && sameList(s.actions, ['kms:*']) && sameList(s.resources, ['*'])
      && JSON.stringify(s.principal).includes(':iam::123456789012:root'),
  },
  {
    what: 'alarm-topic key policy: CloudWatch, kms:Decrypt and kms:GenerateDataKey* on *',
    why: 'AWS\'s documented statement that lets CloudWatch alarms publish to an encrypted SNS topic (without it notifications are silently lost). Resource * means this key',
    matches: (s: FoundStatement) => s.type === 'AWS::KMS::Key' && s.sid === 'AllowCloudWatchAlarmsToUseTheKey'
      && sameList(s.actions, ['kms:Decrypt', 'kms:GenerateDataKey*']) && sameList(s.resources, ['*'])
      && JSON.stringify(s.principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
  },
] as const;

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const hasWildcard = (value: unknown): boolean => JSON.stringify(value).includes('*');

/** Every statement of every policy document in the template. */
function statements(template: Json): FoundStatement[] {
  const found: FoundStatement[] = [];
  for (const r of Object.values(template.Resources as Record<string, { Type: string; Properties?: Json }>)) {
    const p = r.Properties ?? {};
    const docs = [p.PolicyDocument, p.KeyPolicy, ...list(p.Policies).map((x) => (x as Json).PolicyDocument)].filter(Boolean) as { Statement: Json[] }[];
    for (const doc of docs) {
      for (const st of doc.Statement) {
        found.push({
          type: r.Type,
          ...(typeof st.Sid === 'string' ? { sid: st.Sid } : {}),
          effect: String(st.Effect),
          ...(st.Principal === undefined ? {} : { principal: st.Principal }),
          actions: list(st.Action) as string[],
          resources: list(st.Resource),
          ...(st.Condition === undefined ? {} : { condition: st.Condition as Json }),
        });
      }
    }
  }
  return found;
}

function allowedWildcard(s: FoundStatement): string | undefined {
  return ALLOWED_WILDCARDS.find((w) => w.matches(s))?.what;
}

/** Example config, two targets, every secret with a customer-managed key, a plain-HTTP health check. */
function everythingConfig() {
  return exampleWith((c) => {
    const second = structuredClone(c.targets[0]!);
    second.name = 'payroll-eu';
    second.secretArn = secretArn('payroll-eu');
    second.collector = { healthChecks: [{ name: 'eu-health', url: 'http://api-eu.example.com:8080/health' }] };
    c.targets.push(second);
    for (const t of c.targets) t.kmsKeyArn = KEY_ARN;
    c.monitoringDatabase.kmsKeyArn = KEY_ARN;
    c.notifications!.pagerDuty!.kmsKeyArn = KEY_ARN;
    c.notifications!.slack!.kmsKeyArn = KEY_ARN;
  });
}

describe.each([
  ['the example config', exampleConfig, 1],
  ['two targets, every secret with a customer-managed key', everythingConfig, 2],
] as const)('IAM of the stack: %s', (_name, config, targets) => {
  let template: Json;
  let found: FoundStatement[];
  beforeAll(() => {
    template = synth(config()).template.toJSON() as Json;
    found = statements(template);
  });

  it('no Allow statement has a wildcard action or resource beyond the documented exceptions', () => {
    // Act
    const wildcards = found.filter((s) => s.effect === 'Allow' && (hasWildcard(s.actions) || hasWildcard(s.resources)));
    // Assess
    expect(found.length).toBeGreaterThan(10);
    expect(wildcards.filter((s) => allowedWildcard(s) === undefined)).toEqual([]);
    const perTarget = ALLOWED_WILDCARDS.slice(0, 2).flatMap((w) => Array(targets).fill(w.what));
    expect(wildcards.map(allowedWildcard).sort()).toEqual([...perTarget, ALLOWED_WILDCARDS[2].what, ALLOWED_WILDCARDS[3].what].sort());
  });

  it('a Deny statement may name every action only to refuse requests without TLS', () => {
    // Act
    const denies = found.filter((s) => s.effect === 'Deny');
    // Assess
    expect(denies.length).toBeGreaterThan(0);
    for (const d of denies) {
      expect(d.condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
      expect(hasWildcard(d.resources)).toBe(false);
    }
  });

  it('no AWS-managed policy is attached anywhere, and every Lambda permission names its source', () => {
    // Act
    const resources = Object.values(template.Resources as Record<string, { Type: string; Properties?: Json }>);
    const permissions = resources.filter((r) => r.Type === 'AWS::Lambda::Permission').map((r) => r.Properties ?? {});
    // Assess
    expect(resources.filter((r) => r.Properties?.ManagedPolicyArns !== undefined)).toEqual([]);
    expect(resources.filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')).toEqual([]);
    expect(permissions.length).toBeGreaterThan(0);
    for (const p of permissions) {
      expect(p.Action).toBe('lambda:InvokeFunction');
      expect(p.SourceArn).toBeDefined();
      expect(hasWildcard(p.Principal)).toBe(false);
    }
  });
});
