/**
 * The CDK app: `npx cdk synth` (config path from cdk.json, -c tenantwatch:config=path or
 * TENANTWATCH_CONFIG). The config is validated before any stack is built; an invalid one
 * ends the process with every error listed and no stack trace.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError, readDeploymentConfig } from '../lambdas/core/config/deployment.js';
import { configPath } from '../lib/config/load-config.js';
import { deploymentLimitMessage } from '../lib/config/deployment-limits.js';
import { addAwsSolutionsChecks } from '../lib/nag.js';
import { TenantWatchStack } from '../lib/tenantwatch-stack.js';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const app = new App();
try {
  const config = readDeploymentConfig(configPath(app));
  new TenantWatchStack(app, config.stackName, { config });
  addAwsSolutionsChecks(app);
  app.synth();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  const limit = deploymentLimitMessage(error);
  if (limit) fail(limit);
  throw error;
}
