/**
 * Synthesises the stack from a config, without bundling Lambda code (context
 * `aws:cdk:bundling-stacks: []`): template assertions do not need the bundles, and the
 * one test that does bundles for real (bundle.test.ts).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type DeploymentConfig, parseDeploymentConfig } from '../../../lambdas/core/config/deployment.js';
import { DEFAULT_COLLECTOR_ENTRY, TenantWatchStack } from '../../../lib/tenantwatch-stack.js';
import { type ConfigInput, REPO_ROOT } from './config.js';

/**
 * The collector handler; until the runtime's entry exists, a stand-in under the ignored
 * .tenantwatch/ directory (NodejsFunction requires the entry file to exist, inside the
 * project root, even when bundling is skipped).
 */
export function collectorEntry(): string {
  if (existsSync(DEFAULT_COLLECTOR_ENTRY)) return DEFAULT_COLLECTOR_ENTRY;
  const dir = join(REPO_ROOT, '.tenantwatch', 'test-entries');
  const entry = join(dir, 'collector-index.ts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(entry, 'export const handler = async (): Promise<void> => undefined;\n');
  return entry;
}

export interface Synthesised {
  readonly app: App;
  readonly stack: TenantWatchStack;
  readonly config: DeploymentConfig;
  readonly template: Template;
}

export function synth(input: ConfigInput): Synthesised {
  const config = parseDeploymentConfig(input, 'test config');
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TenantWatchStack(app, 'TenantWatch', { config, collectorEntry: collectorEntry() });
  return { app, stack, config, template: Template.fromStack(stack) };
}
