/** The committed example config, as input a test can change without touching the file. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeploymentConfigInput } from '../../../lambdas/core/config/deployment.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('../../../tenantwatch.config.example.json', import.meta.url));

/** Mutable type for tests that build invalid configs on purpose. */
export type ConfigInput = DeploymentConfigInput & Record<string, unknown>;

export function exampleConfig(): ConfigInput {
  return JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as ConfigInput;
}

/** A deep copy of the example with `change` applied to it. */
export function exampleWith(change: (config: ConfigInput) => void): ConfigInput {
  const config = exampleConfig();
  change(config);
  return config;
}

export const secretArn = (name: string): string =>
  `arn:aws:secretsmanager:eu-west-1:123456789012:secret:tenantwatch/${name}-AbC123`;
