/** Cross-cutting concerns of the notifier invocation, as middy middleware. */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from '../core/log/logger.js';

/** Leave this much of the Lambda timeout for logging and returning the error. */
export const DEADLINE_MARGIN_MS = 2_000;

export interface DeadlineContext extends Context {
  /** Epoch ms by which the last delivery attempt must be done. */
  deadline?: number;
}

/** Puts the invocation's deadline on the context, so no retry starts that cannot finish. */
export function invocationDeadline(now: () => number = Date.now): MiddlewareObj<unknown, unknown, Error, DeadlineContext> {
  return {
    before: (request) => {
      const remaining = request.context.getRemainingTimeInMillis?.();
      if (typeof remaining === 'number') request.context.deadline = now() + remaining - DEADLINE_MARGIN_MS;
    },
  };
}

/**
 * One structured line per failed invocation. The error is logged through the redacting
 * logger; its message is already free of secrets, since the Lambda runtime prints it too.
 */
export function invocationErrorLogging(log: Logger): MiddlewareObj<unknown, unknown, Error, DeadlineContext> {
  return {
    onError: (request) => {
      log.error('invocation_failed', { requestId: request.context.awsRequestId, error: request.error });
    },
  };
}
