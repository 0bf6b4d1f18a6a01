/**
 * cdk-nag's AwsSolutions pack, run the way the app runs it (a validation plugin at
 * synthesis): no unacknowledged finding, and every acknowledgement carries its reason.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../lambdas/core/config/deployment.js';
import { addAwsSolutionsChecks } from '../../lib/nag.js';
import { TenantWatchStack } from '../../lib/tenantwatch-stack.js';
import { exampleConfig } from './support/config.js';

interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations: readonly { readonly ruleName: string; readonly violatingConstructs: readonly { constructPath: string }[] }[];
  readonly suppressedViolations: readonly { readonly ruleName: string; readonly reason: string; readonly acknowledgedAt: string }[];
}

/** A reason must say why this resource may deviate, not just that it may. */
const MIN_REASON_LENGTH = 40;

function buildApp(outdir: string, extra?: (stack: TenantWatchStack) => void): App {
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TenantWatchStack(app, 'TenantWatch', { config: parseDeploymentConfig(exampleConfig()) });
  extra?.(stack);
  addAwsSolutionsChecks(app);
  return app;
}

function report(outdir: string): PluginReport[] {
  return (JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: PluginReport[] }).pluginReports;
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))));
}

describe('cdk-nag AwsSolutions', () => {
  const dirs: string[] = [];
  const outdir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenantwatch-nag-'));
    dirs.push(dir);
    return dir;
  };
  let app: App;
  let dir = '';
  beforeAll(() => {
    dir = outdir();
    app = buildApp(dir);
    app.synth();
  });
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it('reports no unacknowledged finding for the example deployment', () => {
    const [pack, ...others] = report(dir);
    expect(others).toEqual([]);
    expect(pack?.pluginName).toBe('AwsSolutions');
    expect(pack?.violations).toEqual([]);
    expect(pack?.conclusion).toBe('success');
  });

  it('gives every acknowledged finding a specific reason', () => {
    // Act
    const suppressed = report(dir)[0]!.suppressedViolations;
    const acks = acknowledgements(app);
    // Assess
    expect(suppressed.length).toBeGreaterThan(0);
    for (const s of suppressed) expect(s.reason.length, s.ruleName).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
    for (const a of acks) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
    // No reason is pasted onto several different rules.
    const rulesByReason = new Map<string, Set<string>>();
    for (const a of acks) rulesByReason.set(a.reason, (rulesByReason.get(a.reason) ?? new Set()).add(a.id));
    for (const [reason, ids] of rulesByReason) expect([...ids], reason).toHaveLength(1);
  });

  it('fails synthesis on a finding nobody acknowledged (the check can fail)', () => {
    // Prepare: an unencrypted topic without TLS enforcement
    const failingDir = outdir();
    const failing = buildApp(failingDir, (stack) => { new sns.Topic(stack, 'Unencrypted'); });
    // Act / Assess
    expect(() => failing.synth()).toThrow(/AwsSolutions-SNS3/);
    const violations = report(failingDir)[0]!.violations.map((v) => [v.ruleName, v.violatingConstructs.map((c) => c.constructPath)]);
    expect(violations).toEqual([['AwsSolutions-SNS3', ['TenantWatch/Unencrypted/Resource']]]);
  });
});
