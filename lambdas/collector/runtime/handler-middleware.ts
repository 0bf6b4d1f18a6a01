/** Cross-cutting concerns of the collector invocation, as middy middleware. */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import type { Logger } from '../../core/log/logger.js';
import { invocationDeadline } from './deadline.js';

export interface CollectorContext extends Context {
  /** Validated settings (cold start). */
  settings?: CollectorSettings;
  /** Epoch ms by which the run must have published (Lambda end minus a safety margin). */
  deadline?: number;
}

export type CollectorMiddleware = MiddlewareObj<unknown, unknown, Error, CollectorContext>;

/**
 * Loads and validates the settings once per execution environment (cold start). An
 * invalid configuration fails every invocation with the same clear error: the Lambda
 * Errors metric and the heartbeat alarm then show it, nothing is published as if healthy.
 */
export function collectorSettings(load: () => CollectorSettings): CollectorMiddleware {
  let settings: CollectorSettings | undefined;
  return {
    before: (request) => {
      settings ??= load();
      request.context.settings = settings;
    },
  };
}

/** The run's hard deadline from the Lambda's remaining time. */
export function runDeadline(clock: () => number = Date.now): CollectorMiddleware {
  return {
    before: (request) => {
      const remaining = request.context.getRemainingTimeInMillis?.();
      if (typeof remaining === 'number') request.context.deadline = invocationDeadline(clock(), remaining);
    },
  };
}

/** One structured line for an invocation that failed (configuration errors only: a run never throws). */
export function invocationFailureLog(log: Logger): CollectorMiddleware {
  return {
    onError: (request) => {
      log.error('invocation_failed', { requestId: request.context.awsRequestId, error: request.error });
    },
  };
}
