/**
 * Which config file `cdk synth` reads: TENANTWATCH_CONFIG when set, else the
 * `tenantwatch:config` context (`-c tenantwatch:config=path`, default in cdk.json).
 */
import { resolve } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { ConfigError } from '../../lambdas/core/config/deployment.js';

export const CONFIG_ENV = 'TENANTWATCH_CONFIG';
export const CONFIG_CONTEXT_KEY = 'tenantwatch:config';

export function configPath(app: App, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[CONFIG_ENV];
  const fromContext: unknown = app.node.tryGetContext(CONFIG_CONTEXT_KEY);
  const path = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromContext;
  if (typeof path !== 'string' || path === '') {
    throw new ConfigError('(none)', [{
      path: '',
      message: `no config file: set ${CONFIG_ENV}=path or pass -c ${CONFIG_CONTEXT_KEY}=path`,
    }]);
  }
  return resolve(path);
}
