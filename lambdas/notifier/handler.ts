/**
 * The notifier Lambda: SNS (CloudWatch alarm notifications) → Slack and PagerDuty.
 * Configuration comes from the environment the CDK construct sets (settings.ts); the
 * secrets from Secrets Manager through the execution environment's cached reader (the
 * SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER, which the tests point at a local endpoint).
 */
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { createLogger, type Logger } from '../core/log/logger.js';
import type { HttpRetryPolicy } from './http-post.js';
import { type DeadlineContext, invocationDeadline, invocationErrorLogging } from './middleware.js';
import { notify, type NotifyDeps, type NotifyReport } from './notify.js';
import { lambdaSecretReader } from '../collector/runtime/secrets.js';
import type { SecretReader } from './secrets.js';
import { loadNotifierSettings } from './settings.js';

export interface NotifierHandlerOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
  readonly secrets?: SecretReader;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retryPolicy?: HttpRetryPolicy;
}

export function createNotifierHandler(options: NotifierHandlerOptions = {}) {
  const log = options.log ?? createLogger({ service: 'notifier' });
  // Built on first use, once per execution environment: the secret cache outlives invocations.
  let deps: Omit<NotifyDeps, 'post'> | undefined;
  const dependencies = () => {
    deps ??= {
      settings: loadNotifierSettings(options.env ?? process.env),
      secrets: options.secrets ?? lambdaSecretReader(),
      log,
    };
    return deps;
  };

  return middy<SNSEvent, NotifyReport, Error, DeadlineContext>()
    .use(invocationDeadline())
    .use(invocationErrorLogging(log))
    .handler(async (event, context) => notify(event, {
      ...dependencies(),
      post: {
        ...(context.deadline === undefined ? {} : { deadline: context.deadline }),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.retryPolicy ? { policy: options.retryPolicy } : {}),
      },
    }));
}

export const handler = createNotifierHandler();
