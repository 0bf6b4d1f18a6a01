/**
 * Synthesises the stack from a config, without bundling Lambda code (context
 * `aws:cdk:bundling-stacks: []`): template assertions do not need the bundles, and the
 * one test that does bundles for real (synth-cli.test.ts).
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type DeploymentConfig, parseDeploymentConfig } from '../../../lambdas/core/config/deployment.js';
import { TenantWatchStack } from '../../../lib/tenantwatch-stack.js';
import type { ConfigInput } from './config.js';

export interface Synthesised {
  readonly app: App;
  readonly stack: TenantWatchStack;
  readonly config: DeploymentConfig;
  readonly template: Template;
}

export function synth(input: ConfigInput): Synthesised {
  const config = parseDeploymentConfig(input, 'test config');
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TenantWatchStack(app, 'TenantWatch', { config });
  return { app, stack, config, template: Template.fromStack(stack) };
}
