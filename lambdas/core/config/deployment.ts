/**
 * The deployment config file: what `cdk synth` builds and what `npm start` can read.
 * Runtime-neutral (zod only, no CDK), so the local runner validates the same file the
 * same way. Every object is strict (unknown keys are errors) and every error is reported
 * with its path and what was expected, all at once, before anything is built.
 */
import { encodeEnvJson } from './env-json.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  type AlarmRule, type Channel, Channel as C, Severity, alarmRules, channels as allChannels,
} from '../catalog/index.js';
import { HEALTH_CHECK_INSTANCE_PREFIX, RESERVED_INSTANCE_NAMES, planAlarms } from '../routing/build-routing-table.js';
import { type CollectorSettings, collectorSettingsSchema } from './collector-settings.js';

// ── Limits and defaults ─────────────────────────────────────────────────────────────

export const DEFAULT_STACK_NAME = 'TenantWatch';
export const DEFAULT_POSTGRES_PORT = 5432;
export const DEFAULT_SCHEDULE_MINUTES = 1;
export const MAX_SCHEDULE_MINUTES = 60;
export const DEFAULT_COLLECTOR_MEMORY_MB = 256;
export const MIN_LAMBDA_MEMORY_MB = 128;
export const MAX_LAMBDA_MEMORY_MB = 3008;
/** The Lambda timeout is the run budget plus this, so a run always ends before Lambda kills it. */
export const COLLECTOR_TIMEOUT_HEADROOM_MS = 20_000;
export const DEFAULT_LOG_RETENTION_DAYS = 30;
/** The retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/**
 * Lambda allows 4 KB of environment variables in total; TENANTWATCH_SETTINGS gets this
 * much, the secret ARNs and NODE_OPTIONS take the rest.
 */
export const MAX_COLLECTOR_SETTINGS_BYTES = 3_584;
/** CloudWatch evaluates at most one day of data per alarm (periods x period). */
export const MAX_ALARM_EVALUATION_SECONDS = 86_400;
const MS_PER_MINUTE = 60_000;
const MS_PER_SECOND = 1_000;

// ── Identifier formats ──────────────────────────────────────────────────────────────

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const RDS_IDENTIFIER = /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/;
const ALB_FULL_NAME = /^app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const TARGET_GROUP_FULL_NAME = /^targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** A strict object whose unknown-key error lists the keys it accepts. */
function strictObject<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => issue.code === 'unrecognized_keys'
      ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: ${allowed})`
      : undefined,
  });
}

/** A required string; `what` says what belongs there, shown when it is missing or malformed. */
function requiredString(pattern: RegExp, what: string) {
  return z.string({
    error: (issue) => issue.input === undefined ? `required: ${what}` : `expected a string: ${what}`,
  }).regex(pattern, `expected ${what}`);
}

const secretArn = (what: string) => requiredString(
  SECRET_ARN,
  `the complete ARN of the Secrets Manager secret holding ${what} (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)`,
);
const kmsKeyArn = requiredString(KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');
const port = z.number().int().min(1).max(65_535);

/** libpq-style TLS modes the collector understands (lambdas/collector/runtime/environment.ts). */
export const SslMode = { VerifyFull: 'verify-full', Require: 'require', Disable: 'disable' } as const;
export type SslMode = (typeof SslMode)[keyof typeof SslMode];
/** verify-full: the server certificate is verified (RDS: against the Amazon CAs of the Lambda runtime). */
const sslMode = z.enum([SslMode.VerifyFull, SslMode.Require, SslMode.Disable]).default(SslMode.VerifyFull);

// ── Sections ────────────────────────────────────────────────────────────────────────

export const networkSchema = strictObject({
  vpcId: requiredString(VPC_ID, 'the id of the VPC the database is reachable from (vpc-...)'),
  subnetIds: z.array(requiredString(SUBNET_ID, 'a private subnet id (subnet-...)')).min(1, 'at least one private subnet id'),
  databaseSecurityGroupId: requiredString(SECURITY_GROUP_ID, 'the security group of the database (sg-...)'),
  /** Add an ingress rule on the database's security group for the collector (else add it yourself). */
  manageIngress: z.boolean().default(true),
});

/** A collector's settings in the config file: the target's name is the target's `name`. */
export const targetCollectorSchema = collectorSettingsSchema.omit({ target: true });

export const targetSchema = strictObject({
  name: collectorSettingsSchema.shape.target,
  secretArn: secretArn('the read-only monitoring role\'s connection settings (host, port, dbname, username, password)'),
  /** The customer-managed key that encrypts the secret, when it is not the AWS-managed one. */
  kmsKeyArn: kmsKeyArn.optional(),
  port: port.default(DEFAULT_POSTGRES_PORT),
  sslMode,
  network: networkSchema,
  rdsInstanceId: requiredString(RDS_IDENTIFIER, 'an RDS DB instance identifier').optional(),
  rdsClusterId: requiredString(RDS_IDENTIFIER, 'an Aurora DB cluster identifier').optional(),
  scheduleMinutes: z.number().int().min(1).max(MAX_SCHEDULE_MINUTES).default(DEFAULT_SCHEDULE_MINUTES),
  memoryMb: z.number().int().min(MIN_LAMBDA_MEMORY_MB).max(MAX_LAMBDA_MEMORY_MB).default(DEFAULT_COLLECTOR_MEMORY_MB),
  collector: targetCollectorSchema.prefault({}),
}).superRefine((target, ctx) => {
  const timeoutMs = target.collector.runBudgetMs + COLLECTOR_TIMEOUT_HEADROOM_MS;
  const intervalMs = target.scheduleMinutes * MS_PER_MINUTE;
  // A schedule out of range is reported by its own check; this one needs a valid interval.
  const validSchedule = Number.isInteger(target.scheduleMinutes) && target.scheduleMinutes >= 1 && target.scheduleMinutes <= MAX_SCHEDULE_MINUTES;
  if (validSchedule && timeoutMs > intervalMs) {
    ctx.addIssue({
      code: 'custom', path: ['collector', 'runBudgetMs'],
      message: `expected at most ${intervalMs - COLLECTOR_TIMEOUT_HEADROOM_MS} ms: the Lambda timeout (run budget + ${COLLECTOR_TIMEOUT_HEADROOM_MS / MS_PER_SECOND} s) must fit in the ${target.scheduleMinutes}-minute schedule, or runs overlap`,
    });
  }
  const settingsBytes = Buffer.byteLength(collectorSettingsEnv(target));
  if (settingsBytes > MAX_COLLECTOR_SETTINGS_BYTES) {
    ctx.addIssue({
      code: 'custom', path: ['collector'],
      message: `expected at most ${MAX_COLLECTOR_SETTINGS_BYTES} bytes of collector settings after compression (Lambda's 4 KB environment limit), got ${settingsBytes}: shorten the SQL sources or move them into database views`,
    });
  }
  target.collector.healthChecks.forEach((check, index) => {
    // An unparseable URL is already reported at this path; refinements still run after it.
    if (!URL.canParse(check.url)) return;
    const url = new URL(check.url);
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({
        code: 'custom', path: ['collector', 'healthChecks', index, 'url'],
        message: 'expected a URL without credentials: the URL is stored in plain text in the template and the Lambda environment',
      });
    }
  });
});

export const monitoringDatabaseSchema = strictObject({
  secretArn: secretArn('the connection settings of the monitoring (state) database, a separate database'),
  kmsKeyArn: kmsKeyArn.optional(),
  port: port.default(DEFAULT_POSTGRES_PORT),
  sslMode,
  securityGroupId: requiredString(SECURITY_GROUP_ID, 'the security group of the monitoring database (sg-...)'),
  manageIngress: z.boolean().default(true),
});

export const apiSchema = strictObject({
  loadBalancerFullName: requiredString(ALB_FULL_NAME, 'the load balancer\'s full name, app/<name>/<16 hex digits> (the LoadBalancer dimension)'),
  targetGroupFullName: requiredString(TARGET_GROUP_FULL_NAME, 'the target group\'s full name, targetgroup/<name>/<16 hex digits> (the TargetGroup dimension)'),
});

const emailList = z.array(z.email('expected an email address')).default([]);

export const notificationsSchema = strictObject({
  pagerDuty: strictObject({
    routingKeySecretArn: secretArn('the PagerDuty Events API v2 integration (routing) key'),
    kmsKeyArn: kmsKeyArn.optional(),
  }).optional(),
  slack: strictObject({
    webhookSecretArn: secretArn('the Slack incoming-webhook URL'),
    /** A second webhook for alarms routed to the security team (e.g. #security-alerts). */
    securityWebhookSecretArn: secretArn('the security team\'s Slack incoming-webhook URL').optional(),
    kmsKeyArn: kmsKeyArn.optional(),
  }).optional(),
  emails: emailList,
  smsNumbers: z.array(requiredString(E164, 'a phone number in E.164 format, e.g. +14155550100')).default([]),
  securityTeamEmails: emailList,
});

export const alarmOverrideSchema = strictObject({
  enabled: z.boolean().optional(),
  /** In the unit of the rule's metric (ALB response times are in seconds). Not for anomaly rules. */
  threshold: z.number().optional(),
  /** Anomaly rules only: the band width in standard deviations. */
  bandWidth: z.number().positive().optional(),
  evaluationPeriods: z.number().int().min(1).optional(),
  datapointsToAlarm: z.number().int().min(1).optional(),
  channels: z.array(z.enum(allChannels)).optional(),
});
export type AlarmOverride = z.infer<typeof alarmOverrideSchema>;

function alarmOverrideFor(rule: AlarmRule) {
  return alarmOverrideSchema.superRefine((override, ctx) => {
    const anomaly = rule.condition.kind === 'anomaly';
    if (anomaly && override.threshold !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: `"${rule.id}" is an anomaly-detection alarm without a threshold: set bandWidth (standard deviations) instead` });
    }
    if (!anomaly && override.bandWidth !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['bandWidth'], message: `"${rule.id}" is a threshold alarm: bandWidth only applies to anomaly-detection alarms` });
    }
    const periods = override.evaluationPeriods ?? rule.evaluationPeriods;
    const datapoints = override.datapointsToAlarm ?? rule.datapointsToAlarm;
    if (datapoints > periods) {
      ctx.addIssue({
        code: 'custom', path: [override.datapointsToAlarm === undefined ? 'evaluationPeriods' : 'datapointsToAlarm'],
        message: `expected datapointsToAlarm (${datapoints}${override.datapointsToAlarm === undefined ? ', the catalog default' : ''}) <= evaluationPeriods (${periods})`,
      });
    }
    if (periods * rule.periodSeconds > MAX_ALARM_EVALUATION_SECONDS) {
      ctx.addIssue({
        code: 'custom', path: ['evaluationPeriods'],
        message: `expected at most ${Math.floor(MAX_ALARM_EVALUATION_SECONDS / rule.periodSeconds)} periods of ${rule.periodSeconds} s (CloudWatch evaluates at most one day)`,
      });
    }
    if (override.channels?.length === 0) {
      ctx.addIssue({
        code: 'custom', path: ['channels'],
        message: rule.severity === Severity.P0
          ? `a P0 alarm must notify at least one channel (catalog: ${rule.channels.join(', ')}); an unrouted security incident pages nobody`
          : 'expected at least one channel; to silence the alarm set "enabled": false',
      });
    }
    if (override.channels && new Set(override.channels).size !== override.channels.length) {
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'expected each channel once' });
    }
  });
}

const ruleIds = alarmRules.map((r) => r.id);
export const alarmOverridesSchema = z.strictObject(
  Object.fromEntries(alarmRules.map((rule) => [rule.id, alarmOverrideFor(rule).optional()])) as Record<string, z.ZodOptional<typeof alarmOverrideSchema>>,
  {
    error: (issue) => issue.code === 'unrecognized_keys'
      ? `unknown alarm rule id${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (expected one of: ${ruleIds.join(', ')})`
      : undefined,
  },
);

const logRetentionDays = z.number().refine(
  (days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days),
  { message: `expected one of the CloudWatch Logs retention values: ${LOG_RETENTION_DAYS.join(', ')}` },
);

// ── The file ────────────────────────────────────────────────────────────────────────

export const deploymentConfigSchema = strictObject({
  /** Editors' JSON-schema hint; ignored. */
  $schema: z.string().optional(),
  stackName: z.string().regex(STACK_NAME, 'expected a CloudFormation stack name (letters, digits, dashes)').default(DEFAULT_STACK_NAME),
  env: strictObject({
    account: requiredString(ACCOUNT_ID, 'a 12-digit AWS account id').optional(),
    region: requiredString(REGION, 'an AWS region, e.g. eu-west-1').optional(),
  }).optional(),
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  logRetentionDays: logRetentionDays.default(DEFAULT_LOG_RETENTION_DAYS),
  monitoringDatabase: monitoringDatabaseSchema,
  targets: z.array(targetSchema).min(1, 'at least one database target'),
  api: apiSchema.optional(),
  notifications: notificationsSchema,
  alarms: alarmOverridesSchema.default({}),
}).superRefine((config, ctx) => {
  checkNames(config, ctx);
  checkChannelsConfigured(config, ctx);
});

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;
export type DeploymentConfigInput = z.input<typeof deploymentConfigSchema>;
export type TargetConfig = DeploymentConfig['targets'][number];
export type NotificationsConfig = DeploymentConfig['notifications'];

/** Target and endpoint names become alarm-name segments: they must not collide. */
function checkNames(config: DeploymentConfig, ctx: z.RefinementCtx): void {
  const targets = new Set<string>();
  config.targets.forEach((target, index) => {
    const path = ['targets', index, 'name'];
    if (targets.has(target.name)) ctx.addIssue({ code: 'custom', path, message: `duplicate target name "${target.name}"` });
    targets.add(target.name);
    if (RESERVED_INSTANCE_NAMES.includes(target.name) || target.name.startsWith(HEALTH_CHECK_INSTANCE_PREFIX)) {
      ctx.addIssue({ code: 'custom', path, message: `expected a name other than ${RESERVED_INSTANCE_NAMES.map((n) => `"${n}"`).join(', ')} or "${HEALTH_CHECK_INSTANCE_PREFIX}...": those name the API, notifier and health-check alarms` });
    }
  });
  const endpoints = new Map<string, number>();
  config.targets.forEach((target, index) => {
    target.collector.healthChecks.forEach((check, checkIndex) => {
      const first = endpoints.get(check.name);
      if (first !== undefined && first !== index) {
        ctx.addIssue({
          code: 'custom', path: ['targets', index, 'collector', 'healthChecks', checkIndex, 'name'],
          message: `health check "${check.name}" is also configured on targets[${first}]: give each endpoint to one target`,
        });
      }
      endpoints.set(check.name, index);
    });
  });
}

/** Where each channel is configured, for error messages. */
const channelKey: Record<Channel, string> = {
  [C.PagerDuty]: 'notifications.pagerDuty',
  [C.Slack]: 'notifications.slack',
  [C.Email]: 'notifications.emails',
  [C.Sms]: 'notifications.smsNumbers',
  [C.SecurityTeam]: 'notifications.securityTeamEmails (or notifications.slack.securityWebhookSecretArn)',
};

export function configuredChannels(notifications: NotificationsConfig): Set<Channel> {
  const configured = new Set<Channel>();
  if (notifications.pagerDuty) configured.add(C.PagerDuty);
  if (notifications.slack) configured.add(C.Slack);
  if (notifications.emails.length > 0) configured.add(C.Email);
  if (notifications.smsNumbers.length > 0) configured.add(C.Sms);
  if (notifications.securityTeamEmails.length > 0 || notifications.slack?.securityWebhookSecretArn) configured.add(C.SecurityTeam);
  return configured;
}

/** An alarm routed to a channel nobody configured would notify no one on that channel, silently. */
function checkChannelsConfigured(config: DeploymentConfig, ctx: z.RefinementCtx): void {
  const configured = configuredChannels(config.notifications);
  const reported = new Set<string>();
  for (const { rule } of planAlarms(config)) {
    for (const channel of rule.channels) {
      const key = `${rule.id}/${channel}`;
      if (configured.has(channel) || reported.has(key)) continue;
      reported.add(key);
      const overridden = config.alarms[rule.id]?.channels !== undefined;
      ctx.addIssue({
        code: 'custom',
        path: overridden ? ['alarms', rule.id, 'channels'] : ['notifications'],
        message: `alarm "${rule.id}" (${rule.severity}) routes to ${channel}, which is not configured: set ${channelKey[channel]}, or route the alarm elsewhere with alarms.${rule.id}.channels`,
      });
    }
  }
  const { pagerDuty, slack, emails, smsNumbers } = config.notifications;
  if ((pagerDuty || slack) && emails.length === 0 && smsNumbers.length === 0) {
    ctx.addIssue({
      code: 'custom', path: ['notifications'],
      message: 'expected at least one address in emails or smsNumbers: the Slack/PagerDuty notifier\'s own failure alarms (P1) go there, never through the notifier they watch',
    });
  }
}

// ── Derived values ──────────────────────────────────────────────────────────────────

/** What the target's collector Lambda receives as TENANTWATCH_SETTINGS. */
export function collectorSettingsFor(target: Pick<TargetConfig, 'name' | 'collector'>): CollectorSettings {
  return { target: target.name, ...target.collector };
}

/**
 * TENANTWATCH_SETTINGS: the settings as JSON, leaving out every top-level key whose value
 * is the schema's default. The collector parses it with the same collectorSettingsSchema
 * (bundled from the same source), which restores those defaults: the default SQL sources
 * alone would otherwise take most of Lambda's 4 KB environment. Settings that still do
 * not fit (configured sources) travel gzip-compressed (env-json.ts).
 */
export function collectorSettingsEnv(target: Pick<TargetConfig, 'name' | 'collector'>): string {
  const settings = collectorSettingsFor(target);
  // The defaults do not depend on the name (which may be invalid while the config is refined).
  const defaults: Record<string, unknown> = targetCollectorSchema.parse({});
  const compact = Object.fromEntries(Object.entries(settings).filter(
    ([key, value]) => key === 'target' || JSON.stringify(value) !== JSON.stringify(defaults[key]),
  ));
  return encodeEnvJson(JSON.stringify(compact), MAX_COLLECTOR_SETTINGS_BYTES);
}

export function collectorTimeoutSeconds(target: Pick<TargetConfig, 'collector'>): number {
  return Math.ceil((target.collector.runBudgetMs + COLLECTOR_TIMEOUT_HEADROOM_MS) / MS_PER_SECOND);
}

// ── Parsing and errors ──────────────────────────────────────────────────────────────

export interface ConfigIssue {
  /** e.g. `targets[0].network.subnetIds[1]`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly source: string, readonly issues: readonly ConfigIssue[]) {
    super(formatConfigIssues(source, issues));
    this.name = 'ConfigError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`, '');
}

export function formatConfigIssues(source: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  - ${i.path === '' ? '(file)' : i.path}: ${i.message}`);
  return [`tenantwatch config ${source} is invalid (${issues.length} error${issues.length === 1 ? '' : 's'}):`, ...lines].join('\n');
}

/** Validates a parsed config; throws ConfigError listing every problem. */
export function parseDeploymentConfig(input: unknown, source = 'config'): DeploymentConfig {
  const result = deploymentConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })));
}

/** Reads and validates a JSON config file; throws ConfigError (never a stack trace worth reading). */
export function readDeploymentConfig(path: string): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(path, [{ path: '', message: `cannot read the file: ${reason}` }]);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `expected JSON: ${(error as Error).message}` }]);
  }
  return parseDeploymentConfig(input, path);
}
