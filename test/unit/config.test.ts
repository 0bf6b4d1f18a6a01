import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorEnvVar, settingsFromEnvironment } from '../../lambdas/collector/runtime/environment.js';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import { GZIP_ENV_PREFIX } from '../../lambdas/core/config/env-json.js';
import { DEFAULT_SOURCES } from '../../lambdas/core/config/sources.js';
import {
  ConfigError, type ConfigIssue, collectorSettingsEnv, collectorSettingsFor, collectorTimeoutSeconds,
  MAX_COLLECTOR_SETTINGS_BYTES, configuredChannels, parseDeploymentConfig, readDeploymentConfig,
} from '../../lambdas/core/config/deployment.js';
import { type ConfigInput, EXAMPLE_CONFIG_PATH, exampleConfig, exampleWith } from '../cdk/support/config.js';

/** The issues a config is rejected with (fails the test when it is accepted). */
function issuesOf(input: ConfigInput): readonly ConfigIssue[] {
  try {
    parseDeploymentConfig(input, 'test.json');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('the config was accepted');
}

type Target = ConfigInput['targets'][number] & Record<string, unknown>;
const firstTarget = (config: ConfigInput) => config.targets[0] as Target;
/** For deleting required keys on purpose. */
const loose = (value: object) => value as Record<string, unknown>;

const SECRET_ARN_EXPECTED = '(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)';

describe('deployment config: the committed example', () => {
  it('is valid and gets the documented defaults', () => {
    // Act
    const config = readDeploymentConfig(EXAMPLE_CONFIG_PATH);
    // Assess
    const target = config.targets[0]!;
    expect(config.stackName).toBe('TenantWatch');
    expect(config.logRetentionDays).toBe(30);
    expect(target.scheduleMinutes).toBe(1);
    expect(target.memoryMb).toBe(256);
    expect(target.port).toBe(5432);
    expect(target.network.manageIngress).toBe(true);
    expect(config.monitoringDatabase.manageIngress).toBe(true);
    expect(target.collector.runBudgetMs).toBe(40_000);
    expect(collectorTimeoutSeconds(target)).toBe(60);
    expect(config.alarms).toEqual({ 'connection-pool-high': { threshold: 70 } });
    expect([...configuredChannels(config.notifications)].sort()).toEqual(['email', 'pagerduty', 'security-team', 'slack', 'sms']);
  });

  it('passes the collector only the settings that differ from the defaults, and they parse back to the same settings', () => {
    // Prepare
    const target = readDeploymentConfig(EXAMPLE_CONFIG_PATH).targets[0]!;
    // Act
    const env = collectorSettingsEnv(target);
    // Assess
    expect(JSON.parse(env)).toEqual({
      target: 'payroll-prod',
      healthChecks: [{ name: 'api-health', url: 'https://api.example.com/health', timeoutMs: 3000 }],
    });
    expect(collectorSettingsSchema.parse(JSON.parse(env))).toEqual(collectorSettingsFor(target));
  });

  it('compresses configured SQL sources that would not fit as plain JSON, and the collector reads them back', () => {
    // Prepare: the default sources with one changed, so all of them travel (about 5 KB of JSON)
    const sources = DEFAULT_SOURCES.map((source, i) => (i === 0 ? { ...source, timeoutMs: 4_321 } : source));
    const input = exampleWith((c) => { firstTarget(c).collector = { sources }; });
    const target = parseDeploymentConfig(input).targets[0]!;
    // Act
    const env = collectorSettingsEnv(target);
    const read = settingsFromEnvironment({ [CollectorEnvVar.Settings]: env });
    // Assess
    expect(Buffer.byteLength(JSON.stringify(collectorSettingsFor(target)))).toBeGreaterThan(MAX_COLLECTOR_SETTINGS_BYTES);
    expect(env.startsWith(GZIP_ENV_PREFIX)).toBe(true);
    expect(env.length).toBeLessThanOrEqual(MAX_COLLECTOR_SETTINGS_BYTES);
    expect(read).toEqual(collectorSettingsFor(target));
    expect(read.sources[0]?.timeoutMs).toBe(4_321);
  });
});

describe('deployment config: rejected with precise messages', () => {
  it('a missing secret', () => {
    // Prepare
    const input = exampleWith((c) => { delete loose(firstTarget(c)).secretArn; });
    // Act
    const issues = issuesOf(input);
    // Assess
    expect(issues).toEqual([{
      path: 'targets[0].secretArn',
      message: `required: the complete ARN of the Secrets Manager secret holding the read-only monitoring role's connection settings (host, port, dbname, username, password) ${SECRET_ARN_EXPECTED}`,
    }]);
  });

  it('a secret ARN without the 6-character suffix (a partial ARN)', () => {
    const input = exampleWith((c) => { c.monitoringDatabase.secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenantwatch/state'; });
    expect(issuesOf(input)).toEqual([{
      path: 'monitoringDatabase.secretArn',
      message: `expected the complete ARN of the Secrets Manager secret holding the connection settings of the monitoring (state) database, a separate database ${SECRET_ARN_EXPECTED}`,
    }]);
  });

  it('an unknown key, naming the keys that are allowed', () => {
    const input = exampleWith((c) => { (c.notifications as Record<string, unknown>).pagerduty = {}; });
    expect(issuesOf(input)).toEqual([{
      path: 'notifications',
      message: 'unknown key "pagerduty" (allowed: pagerDuty, slack, emails, smsNumbers, securityTeamEmails)',
    }]);
  });

  it('an unknown alarm rule id, naming the ids that exist', () => {
    const input = exampleWith((c) => { c.alarms = { 'cache-hit-rate-low': { threshold: 80 } }; });
    const [issue, ...rest] = issuesOf(input);
    expect(rest).toEqual([]);
    expect(issue?.path).toBe('alarms');
    expect(issue?.message).toBe(
      'unknown alarm rule id "cache-hit-rate-low" (expected one of: database-down, cache-hit-rate-degraded, api-error-rate-high, '
      + 'tenant-isolation-breach, response-time-degradation, connection-pool-high, disk-io-spike, deadlocks-detected, query-latency-high, '
      + 'api-p99-high, failed-login-rate-high, availability-below-slo, database-host-cpu-high, collector-heartbeat-missing, collector-degraded)',
    );
  });

  it('a threshold of the wrong type', () => {
    const input = exampleWith((c) => { c.alarms = { 'cache-hit-rate-degraded': { threshold: '90' as unknown as number } }; });
    expect(issuesOf(input)).toEqual([{
      path: 'alarms.cache-hit-rate-degraded.threshold',
      message: 'Invalid input: expected number, received string',
    }]);
  });

  it('an empty channel list for a P0 alarm', () => {
    const input = exampleWith((c) => { c.alarms = { 'tenant-isolation-breach': { channels: [] } }; });
    expect(issuesOf(input)).toEqual([{
      path: 'alarms.tenant-isolation-breach.channels',
      message: 'a P0 alarm must notify at least one channel (catalog: security-team, pagerduty); an unrouted security incident pages nobody',
    }]);
  });

  it('an empty channel list for a P2 alarm, pointing at enabled: false', () => {
    const input = exampleWith((c) => { c.alarms = { 'deadlocks-detected': { channels: [] } }; });
    expect(issuesOf(input)).toEqual([{
      path: 'alarms.deadlocks-detected.channels',
      message: 'expected at least one channel; to silence the alarm set "enabled": false',
    }]);
  });

  it('every structural error at once, each with its path', () => {
    // Prepare: four unrelated mistakes in one file
    const input = exampleWith((c) => {
      delete loose(firstTarget(c)).secretArn;
      (c.notifications as Record<string, unknown>).pagerduty = {};
      c.alarms = {
        'cache-hit-rate-degraded': { threshold: '90' as unknown as number },
        'tenant-isolation-breach': { channels: [] },
      };
    });
    // Act
    const issues = issuesOf(input);
    // Assess
    expect(issues.map((i) => i.path)).toEqual([
      'targets[0].secretArn',
      'notifications',
      'alarms.cache-hit-rate-degraded.threshold',
      'alarms.tenant-isolation-breach.channels',
    ]);
  });

  it('formats the error as one readable block, without a stack trace', () => {
    const input = exampleWith((c) => { c.logRetentionDays = 31; firstTarget(c).scheduleMinutes = 0; });
    let message = '';
    try {
      parseDeploymentConfig(input, 'my.json');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe([
      'tenantwatch config my.json is invalid (2 errors):',
      '  - logRetentionDays: expected one of the CloudWatch Logs retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
      '  - targets[0].scheduleMinutes: Too small: expected number to be >=1',
    ].join('\n'));
  });

  it('datapointsToAlarm above evaluationPeriods, naming the catalog default it came from', () => {
    const input = exampleWith((c) => { c.alarms = { 'cache-hit-rate-degraded': { evaluationPeriods: 2 } }; });
    expect(issuesOf(input)).toEqual([{
      path: 'alarms.cache-hit-rate-degraded.evaluationPeriods',
      message: 'expected datapointsToAlarm (3, the catalog default) <= evaluationPeriods (2)',
    }]);
  });

  it('a threshold on the anomaly-detection alarm', () => {
    const input = exampleWith((c) => { c.alarms = { 'disk-io-spike': { threshold: 2 } }; });
    expect(issuesOf(input)).toEqual([{
      path: 'alarms.disk-io-spike.threshold',
      message: '"disk-io-spike" is an anomaly-detection alarm without a threshold: set bandWidth (standard deviations) instead',
    }]);
  });

  it('an alarm routed to a channel that is not configured', () => {
    const input = exampleWith((c) => { c.notifications.smsNumbers = []; });
    expect(issuesOf(input)).toEqual([{
      path: 'notifications',
      message: 'alarm "database-down" (P1) routes to sms, which is not configured: set notifications.smsNumbers, or route the alarm elsewhere with alarms.database-down.channels',
    }]);
  });

  it('an override routing to an unconfigured channel, at the override', () => {
    const input = exampleWith((c) => {
      delete c.notifications.pagerDuty;
      c.alarms = {
        'database-down': { channels: ['sms'] },
        'api-error-rate-high': { channels: ['email'] },
        'tenant-isolation-breach': { channels: ['security-team', 'pagerduty'] },
        'collector-heartbeat-missing': { channels: ['slack'] },
      };
    });
    expect(issuesOf(input)).toEqual([{
      path: 'alarms.tenant-isolation-breach.channels',
      message: 'alarm "tenant-isolation-breach" (P0) routes to pagerduty, which is not configured: set notifications.pagerDuty, or route the alarm elsewhere with alarms.tenant-isolation-breach.channels',
    }]);
  });

  it('a notifier whose own failure alarms would reach nobody', () => {
    const input = exampleWith((c) => {
      c.notifications.emails = [];
      c.notifications.smsNumbers = [];
      c.alarms = {
        'database-down': { channels: ['pagerduty'] },
        'cache-hit-rate-degraded': { channels: ['slack'] },
        'connection-pool-high': { channels: ['slack'] },
        'availability-below-slo': { channels: ['slack'] },
      };
    });
    expect(issuesOf(input)).toEqual([{
      path: 'notifications',
      message: 'expected at least one address in emails or smsNumbers: the Slack/PagerDuty notifier\'s own failure alarms (P1) go there, never through the notifier they watch',
    }]);
  });

  it('target names that collide with alarm-name segments or with each other', () => {
    const input = exampleWith((c) => {
      const copy = structuredClone(firstTarget(c));
      c.targets.push(copy, { ...structuredClone(copy), name: 'api', collector: {} }, { ...structuredClone(copy), name: 'notifier', collector: {} });
    });
    expect(issuesOf(input)).toEqual([
      { path: 'targets[1].name', message: 'duplicate target name "payroll-prod"' },
      { path: 'targets[2].name', message: 'expected a name other than "api", "notifier" or "health-...": those name the API, notifier and health-check alarms' },
      { path: 'targets[3].name', message: 'expected a name other than "api", "notifier" or "health-...": those name the API, notifier and health-check alarms' },
      { path: 'targets[1].collector.healthChecks[0].name', message: 'health check "api-health" is also configured on targets[0]: give each endpoint to one target' },
    ]);
  });

  it('a run budget that does not fit the schedule', () => {
    const input = exampleWith((c) => { firstTarget(c).collector = { runBudgetMs: 45_000 }; });
    expect(issuesOf(input)).toEqual([{
      path: 'targets[0].collector.runBudgetMs',
      message: 'expected at most 40000 ms: the Lambda timeout (run budget + 20 s) must fit in the 1-minute schedule, or runs overlap',
    }]);
  });

  it('collector settings too large for the Lambda environment, even compressed', () => {
    // Prepare: 20 health checks with long URLs that do not compress (hex digests)
    const digest = (i: number, part: number) => createHash('sha256').update(`${i}/${part}`).digest('hex');
    const healthChecks = Array.from({ length: 20 }, (_, i) => ({
      name: `endpoint-${i}`, url: `https://api.example.com/health/${Array.from({ length: 8 }, (_, p) => digest(i, p)).join('/')}`,
    }));
    const input = exampleWith((c) => { firstTarget(c).collector = { healthChecks }; });
    // Act
    const issues = issuesOf(input);
    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('targets[0].collector');
    expect(issues[0]?.message).toMatch(/^expected at most 3584 bytes of collector settings after compression \(Lambda's 4 KB environment limit\), got \d{4}: shorten the SQL sources or move them into database views$/);
  });

  it('credentials in a health-check URL', () => {
    const input = exampleWith((c) => {
      firstTarget(c).collector = { healthChecks: [{ name: 'api-health', url: 'https://probe:hunter22@api.example.com/health' }] };
    });
    expect(issuesOf(input)).toEqual([{
      path: 'targets[0].collector.healthChecks[0].url',
      message: 'expected a URL without credentials: the URL is stored in plain text in the template and the Lambda environment',
    }]);
  });

  it('a phone number that is not E.164 and an email that is not an address', () => {
    const input = exampleWith((c) => { c.notifications.smsNumbers = ['0155 5501']; c.notifications.emails = ['oncall']; });
    expect(issuesOf(input)).toEqual([
      { path: 'notifications.emails[0]', message: 'expected an email address' },
      { path: 'notifications.smsNumbers[0]', message: 'expected a phone number in E.164 format, e.g. +14155550100' },
    ]);
  });

  it('no targets at all', () => {
    const input = exampleWith((c) => { c.targets = []; });
    expect(issuesOf(input)).toEqual([{ path: 'targets', message: 'at least one database target' }]);
  });
});

describe('deployment config: reading the file', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tenantwatch-config-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('reports a missing file', () => {
    const path = join(dir, 'absent.json');
    expect(() => readDeploymentConfig(path)).toThrow(`tenantwatch config ${path} is invalid (1 error):\n  - (file): cannot read the file: file not found`);
  });

  it('reports malformed JSON', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "targets": [');
    expect(() => readDeploymentConfig(path)).toThrow(/^tenantwatch config .*broken\.json is invalid \(1 error\):\n {2}- \(file\): expected JSON: /);
  });

  it('reads a valid file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(exampleConfig()));
    expect(readDeploymentConfig(path).targets.map((t) => t.name)).toEqual(['payroll-prod']);
  });
});
