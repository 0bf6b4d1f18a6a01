/**
 * The notifier Lambda: SNS (CloudWatch alarm notifications) → Slack and PagerDuty.
 * Configuration comes from the environment the CDK construct sets (settings.ts); the
 * secrets from Secrets Manager (the SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER, which
 * the tests point at a local endpoint).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { createLogger, type Logger } from '../core/log/logger.js';
import type { HttpRetryPolicy } from './http-post.js';
import { type DeadlineContext, invocationDeadline, invocationErrorLogging } from './middleware.js';
import { notify, type NotifyDeps, type NotifyReport } from './notify.js';
import { secretCache, type SecretFetcher, secretsManagerFetcher } from './secrets.js';
import { loadNotifierSettings } from './settings.js';

/** Secrets Manager is one call per secret per TTL: a short timeout, the SDK's own retries. */
const SECRETS_REQUEST_TIMEOUT_MS = 3_000;
const SECRETS_CONNECTION_TIMEOUT_MS = 1_000;

export interface NotifierHandlerOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
  readonly fetchSecret?: SecretFetcher;
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
      secrets: secretCache(options.fetchSecret ?? secretsManagerFetcher(new SecretsManagerClient({
        requestHandler: { requestTimeout: SECRETS_REQUEST_TIMEOUT_MS, connectionTimeout: SECRETS_CONNECTION_TIMEOUT_MS },
      }))),
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
