/**
 * `npx cdk synth` as the README documents it, offline, with the committed example config:
 * the real CDK CLI, the real esbuild bundling of the collector (the one test that
 * bundles), cdk-nag as the app runs it. And the same command with an invalid config,
 * which must end with the config errors and no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_CONTEXT_KEY, CONFIG_ENV, configPath } from '../../lib/config/load-config.js';
import { REPO_ROOT, exampleWith } from './support/config.js';

/** The target the README sets: under 1 MB minified. */
const MAX_COLLECTOR_BUNDLE_BYTES = 1024 * 1024;
const CLI_TIMEOUT_MS = 180_000;
const PEM_BODY_LINE = /^[A-Za-z0-9+/=]{1,76}$/;
/** The RDS CA bundle holds a root and intermediates per region: well over a hundred. */
const MIN_SHIPPED_RDS_CAS = 100;
const MIN_MINIFIED_AVERAGE_LINE = 1_000;

function cdk(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('npx', ['cdk', ...args, '--no-notices'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS,
    // Offline: no telemetry; the config path comes from cdk.json unless a test passes one.
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', [CONFIG_ENV]: '', ...env },
  });
}

interface Resource { Type: string; Properties: Record<string, unknown> }

describe('npx cdk synth with the example config', () => {
  let dir = '';
  let result: ReturnType<typeof cdk>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenantwatch-synth-'));
    result = cdk(['synth', '-q', '-o', dir]);
  }, CLI_TIMEOUT_MS);
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('succeeds offline, with no warning and no cdk-nag finding', () => {
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/WARNING|ERROR/);
    const report = JSON.parse(readFileSync(join(dir, 'validation-report.json'), 'utf8')) as { pluginReports: { conclusion: string; violations: unknown[] }[] };
    expect(report.pluginReports.map((r) => [r.conclusion, r.violations.length])).toEqual([['success', 0]]);
  });

  it('produces the stack named in the config, with its collector and alarms', () => {
    const template = JSON.parse(readFileSync(join(dir, 'TenantWatch.template.json'), 'utf8')) as { Resources: Record<string, Resource> };
    const resources = Object.values(template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties.FunctionName ?? 'notifier').sort())
      .toEqual(['notifier', 'tenantwatch-payroll-prod-collector']);
    expect(resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm')).toHaveLength(17);
  });

  it('bundles the collector with esbuild into one minified ESM file under 1 MB', () => {
    // Prepare: the collector's asset directory, from its S3 key in the template
    const template = JSON.parse(readFileSync(join(dir, 'TenantWatch.template.json'), 'utf8')) as { Resources: Record<string, Resource> };
    const collector = Object.values(template.Resources).find((r) => r.Properties.FunctionName === 'tenantwatch-payroll-prod-collector')!;
    const hash = (collector.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    const assetDir = join(dir, `asset.${hash}`);
    // Act
    const files = readdirSync(assetDir);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    // Assess
    expect(files).toEqual(['index.mjs']);
    expect(statSync(join(assetDir, 'index.mjs')).size).toBeLessThan(MAX_COLLECTOR_BUNDLE_BYTES);
    // Minified: long lines (source layout averages well under 100 characters a line; the
    // remaining line breaks are inside template literals of the dependencies, among them
    // the shipped RDS CA certificates, whose base64 lines are left out of the average).
    const codeLines = bundle.split('\n').filter((line) => !PEM_BODY_LINE.test(line));
    expect(bundle.length / codeLines.length).toBeGreaterThan(MIN_MINIFIED_AVERAGE_LINE);
    expect(bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length).toBeGreaterThan(MIN_SHIPPED_RDS_CAS);
    expect(bundle).toContain('export{');
    // The AWS SDK comes from the Node.js 24 runtime; pg is bundled.
    expect(bundle).toMatch(/from"@aws-sdk\/client-cloudwatch"|import\("@aws-sdk\/client-cloudwatch"\)|require\("@aws-sdk\/client-cloudwatch"\)/);
  });
});

describe('npx cdk synth with an invalid config', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tenantwatch-bad-config-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('fails before building anything, listing every error without a stack trace (-c tenantwatch:config=path)', () => {
    // Prepare
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify(exampleWith((c) => {
      delete (c.targets[0] as Record<string, unknown>).secretArn;
      c.alarms = { 'tenant-isolation-breach': { channels: [] } };
    })));
    // Act
    const result = cdk(['synth', '-q', '-c', `${CONFIG_CONTEXT_KEY}=${path}`, '-o', join(dir, 'out')]);
    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain([
      `tenantwatch config ${path} is invalid (2 errors):`,
      '  - targets[0].secretArn: required: the complete ARN of the Secrets Manager secret holding the read-only monitoring role\'s connection settings (host, port, dbname, username, password) (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)',
      '  - alarms.tenant-isolation-breach.channels: a P0 alarm must notify at least one channel (catalog: security-team, pagerduty); an unrouted security incident pages nobody',
    ].join('\n'));
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain('Bundling');
  }, CLI_TIMEOUT_MS);
});

describe('which config file the app reads', () => {
  it('takes TENANTWATCH_CONFIG over the tenantwatch:config context', () => {
    const app = new App({ context: { [CONFIG_CONTEXT_KEY]: 'from-context.json' } });
    expect(configPath(app, { [CONFIG_ENV]: '/etc/tenantwatch/prod.json' })).toBe('/etc/tenantwatch/prod.json');
    expect(configPath(app, {})).toBe(join(process.cwd(), 'from-context.json'));
  });

  it('says how to name one when there is none', () => {
    expect(() => configPath(new App(), {})).toThrow(`no config file: set ${CONFIG_ENV}=path or pass -c ${CONFIG_CONTEXT_KEY}=path`);
  });
});
