/**
 * The spec's alert table, end to end: from the committed example config, through the
 * routing table, the Notifier construct's SNS filter policies and the environment it gives
 * its Lambda, to the deployed handler (the module's exported `handler`, configured only by
 * environment variables, reading its secrets with the SDK from a local Secrets Manager)
 * and the fake Slack and PagerDuty. For each alarm of the table, the channels that hear
 * about it (the notifier's deliveries plus the native email/SMS subscriptions of its
 * route) must be exactly the spec's list.
 */
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Context, SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlarmRule, Channel, type Severity, alarmRules, severities, specAlertRules } from '../../lambdas/core/catalog/index.js';
import { type DeploymentConfig, readDeploymentConfig } from '../../lambdas/core/config/deployment.js';
import { buildRoutingTable } from '../../lambdas/core/routing/build-routing-table.js';
import type { AlarmRoute, RoutingTable } from '../../lambdas/core/routing/routing-table.js';
import { NotifierEnv } from '../../lambdas/notifier/env-names.js';
import { Notifier } from '../../lib/constructs/notifier.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION } from '../support/fake-cloudwatch.js';
import { startFakePagerDuty, type FakePagerDuty } from '../support/fake-pagerduty.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { SnsFixture, forAlarm, snsEvent } from '../fixtures/sns/index.js';

/** The spec's "Alerting Rules", copied by hand: title → notification channels. */
const SPEC_TABLE: Readonly<Record<string, readonly string[]>> = {
  'Database Down': ['PagerDuty', 'SMS'],
  'Cache Hit Rate Degraded': ['Slack', 'Email'],
  'API Error Rate High': ['PagerDuty'],
  'Tenant Isolation Breach': ['Security Team', 'PagerDuty'],
  'Response Time Degradation': ['Slack'],
  'Connection Pool High': ['Email'],
  'Disk I/O Spike': ['Slack'],
};

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../tenantwatch.config.example.json', import.meta.url));
const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY01';

/** What SNS does with a subscription's payload filter on AlarmName (exact names or suffixes). */
type AlarmNameFilter = readonly (string | { readonly suffix: string })[];
function admits(filter: AlarmNameFilter | undefined, alarmName: string): boolean {
  return (filter ?? []).some((f) => (typeof f === 'string' ? f === alarmName : alarmName.endsWith(f.suffix)));
}

interface Deployed {
  /** The notifier subscription's AlarmName filter, per severity topic. */
  readonly filters: Partial<Record<Severity, AlarmNameFilter>>;
  /** The Lambda environment the construct synthesised. */
  readonly environment: Record<string, string>;
}

/** Synthesises the Notifier for the config's routing table and reads back what it deployed. */
function deploy(config: DeploymentConfig, routingTable: RoutingTable): Deployed {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RoutingTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const topics = Object.fromEntries(severities.map((s) => [s, new sns.Topic(stack, `Topic${s}`)])) as Record<Severity, sns.Topic>;
  const secret = (id: string, arn: string) => secretsmanager.Secret.fromSecretAttributes(stack, id, { secretCompleteArn: arn });
  const { slack, pagerDuty } = config.notifications;
  new Notifier(stack, 'Notifier', {
    topics,
    routingTable,
    ...(slack ? {
      slack: {
        webhookSecret: secret('Slack', slack.webhookSecretArn),
        ...(slack.securityWebhookSecretArn ? { securityWebhookSecret: secret('SecuritySlack', slack.securityWebhookSecretArn) } : {}),
      },
    } : {}),
    ...(pagerDuty ? { pagerDuty: { routingKeySecret: secret('PagerDuty', pagerDuty.routingKeySecretArn) } } : {}),
    opsAlarmTopic: topics.P1,
    logRetention: logs.RetentionDays.ONE_MONTH,
  });
  const template = Template.fromStack(stack);
  const filters: Partial<Record<Severity, AlarmNameFilter>> = {};
  for (const subscription of Object.values(template.findResources('AWS::SNS::Subscription'))) {
    const properties = subscription.Properties as { TopicArn: { Ref: string }; FilterPolicy: { AlarmName: AlarmNameFilter }; FilterPolicyScope: string };
    expect(properties.FilterPolicyScope).toBe('MessageBody');
    const severity = severities.find((s) => properties.TopicArn.Ref === stack.getLogicalId(topics[s].node.defaultChild as never))!;
    filters[severity] = properties.FilterPolicy.AlarmName;
  }
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as { Properties: { Environment: { Variables: Record<string, string> } } };
  return { filters, environment: fn.Properties.Environment.Variables };
}

/** The fixture of the alarm's shape, renamed to it. */
function alarmEventFor(rule: AlarmRule, route: AlarmRoute): SNSEvent {
  const fixture = rule.condition.kind === 'expression' ? SnsFixture.Math : rule.condition.kind === 'anomaly' ? SnsFixture.Anomaly : SnsFixture.Classic;
  return forAlarm(snsEvent(fixture), route.alarmName);
}

const lambdaContext = { awsRequestId: 'routing-test', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

let slack: FakeSlack;
let pagerDuty: FakePagerDuty;
let secretsManager: FakeSecretsManager;
let config: DeploymentConfig;
let routingTable: RoutingTable;
let deployed: Deployed;
let handler: (event: SNSEvent, context: Context) => Promise<unknown>;
const savedEnv = { ...process.env };
/** The deployed handler logs to stdout, as in Lambda: its lines are kept here (and not printed). */
const stdoutLines: string[] = [];
const realStdoutWrite = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = String(chunk);
    if (!text.startsWith('{"level"')) return realStdoutWrite(chunk, ...rest);
    stdoutLines.push(text);
    return true;
  }) as typeof process.stdout.write;
  [slack, pagerDuty, secretsManager] = await Promise.all([
    startFakeSlack(), startFakePagerDuty([ROUTING_KEY]), startFakeSecretsManager(FAKE_AWS_REGION),
  ]);
  config = readDeploymentConfig(EXAMPLE_CONFIG);
  routingTable = buildRoutingTable(config);
  deployed = deploy(config, routingTable);
  // The Lambda's environment as deployed, but with the secrets of the local Secrets Manager
  // and the SDK pointed at it, exactly as the runtime would resolve them.
  Object.assign(process.env, deployed.environment, {
    [NotifierEnv.SlackWebhookSecretArn]: secretsManager.setSecret('tenantwatch/slack-ops', slack.webhookUrl('ops')),
    [NotifierEnv.SecuritySlackWebhookSecretArn]: secretsManager.setSecret('tenantwatch/slack-security', slack.webhookUrl('security')),
    [NotifierEnv.PagerDutyRoutingKeySecretArn]: secretsManager.setSecret('tenantwatch/pagerduty', ROUTING_KEY),
    [NotifierEnv.PagerDutyEventsUrl]: pagerDuty.eventsUrl,
    AWS_REGION: FAKE_AWS_REGION,
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
  });
  ({ handler } = await import('../../lambdas/notifier/handler.js'));
});

afterAll(async () => {
  process.stdout.write = realStdoutWrite;
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await Promise.all([slack?.stop(), pagerDuty?.stop(), secretsManager?.stop()]);
});

beforeEach(() => {
  slack.server.clearRequests();
  pagerDuty.server.clearRequests();
});

/** The notifier channels that heard about one alarm: through SNS's filter, then the handler. */
async function notifierChannels(rule: AlarmRule, route: AlarmRoute): Promise<string[]> {
  slack.server.clearRequests();
  pagerDuty.server.clearRequests();
  if (!admits(deployed.filters[route.severity], route.alarmName)) return [];
  await handler(alarmEventFor(rule, route), lambdaContext);
  return [
    ...(slack.messages('ops').length > 0 ? ['Slack'] : []),
    ...(slack.messages('security').length > 0 ? ['Security Team'] : []),
    ...(pagerDuty.events().length > 0 ? ['PagerDuty'] : []),
  ];
}

/** The native subscriptions of the route that have a recipient in the config. */
function nativeChannels(route: AlarmRoute): string[] {
  const { emails, smsNumbers, securityTeamEmails } = config.notifications;
  return [
    ...(route.channels.includes(Channel.Email) && emails.length > 0 ? ['Email'] : []),
    ...(route.channels.includes(Channel.Sms) && smsNumbers.length > 0 ? ['SMS'] : []),
    ...(route.channels.includes(Channel.SecurityTeam) && securityTeamEmails.length > 0 ? ['Security Team'] : []),
  ];
}

describe('the spec\'s alert table, through SNS filters and the deployed notifier', () => {
  it('covers every alarm of the spec\'s table', () => {
    // assess
    expect(specAlertRules.map((r) => r.title).sort()).toEqual(Object.keys(SPEC_TABLE).sort());
    expect(specAlertRules.every((rule) => routingTable.some((r) => r.ruleId === rule.id))).toBe(true);
  });

  it.each(specAlertRules.map((rule) => [rule.title, rule] as const))('%s notifies exactly the spec\'s channels', async (title, rule) => {
    // prepare
    const routes = routingTable.filter((r) => r.ruleId === rule.id);
    for (const route of routes) {
      // act
      const heard = new Set([...(await notifierChannels(rule, route)), ...nativeChannels(route)]);
      // assess
      expect({ alarm: route.alarmName, channels: [...heard].sort() }).toEqual({ alarm: route.alarmName, channels: [...SPEC_TABLE[title]!].sort() });
    }
  });

  it('SNS admits an alarm to the notifier exactly when the notifier delivers it somewhere', async () => {
    // prepare
    const ruleOf = (route: AlarmRoute): AlarmRule => alarmRules.find((r) => r.id === route.ruleId)!;
    const disagreements: string[] = [];
    for (const route of routingTable) {
      const admitted = admits(deployed.filters[route.severity], route.alarmName);
      // act: bypass the filter to see what the handler alone would do
      slack.server.clearRequests();
      pagerDuty.server.clearRequests();
      await handler(alarmEventFor(ruleOf(route), route), lambdaContext);
      const delivered = slack.server.requests.length + pagerDuty.server.requests.length > 0;
      if (admitted !== delivered) disagreements.push(`${route.alarmName}: SNS ${admitted ? 'admits' : 'filters'}, handler ${delivered ? 'delivers' : 'drops'}`);
    }
    // assess
    expect(disagreements).toEqual([]);
  });
});

describe('the deployed handler\'s secrets', () => {
  it('were read through the SDK from AWS_ENDPOINT_URL_SECRETS_MANAGER, once each for all the invocations above', () => {
    // assess
    expect(['tenantwatch/slack-ops', 'tenantwatch/slack-security', 'tenantwatch/pagerduty'].map((name) => secretsManager.getSecretValueCalls(name)))
      .toEqual([1, 1, 1]);
  });

  it('never reached the handler\'s log lines on stdout, not even redacted', () => {
    // prepare
    const secrets = [slack.webhookUrl('ops'), slack.webhookUrl('security'), ROUTING_KEY];
    // assess
    expect(stdoutLines.filter((l) => l.includes('"event":"delivered"')).length).toBeGreaterThan(0);
    expect(stdoutLines.filter((l) => secrets.some((secret) => l.includes(secret)) || l.includes('[REDACTED]'))).toEqual([]);
  });
});
