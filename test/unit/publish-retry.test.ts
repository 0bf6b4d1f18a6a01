import { describe, expect, it } from 'vitest';
import { FailureKind, backoffDelay, classifyFailure, describeFailure } from '../../lambdas/collector/publishers/retry.js';

/** The shape the SDK gives a service error (query-compatible code in `Code`). */
function serviceError(name: string, status: number, code?: string, message = 'm') {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, ...(code ? { Code: code } : {}) });
}

describe('classifyFailure', () => {
  it.each([
    ['throttling by query code', serviceError('Throttling', 400, 'Throttling'), FailureKind.Throttling, 'Throttling'],
    ['throttling by exception name', serviceError('ThrottlingException', 400), FailureKind.Throttling, 'ThrottlingException'],
    ['HTTP 429', serviceError('SomethingElse', 429), FailureKind.Throttling, 'SomethingElse'],
    ['HTTP 500', serviceError('InternalServiceFault', 500, 'InternalServiceError'), FailureKind.Server, 'InternalServiceError'],
    ['HTTP 503', serviceError('ServiceUnavailable', 503), FailureKind.Server, 'ServiceUnavailable'],
    ['an aborted attempt', Object.assign(new Error('aborted'), { name: 'AbortError' }), FailureKind.Timeout, 'AbortError'],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), FailureKind.Network, 'ECONNREFUSED'],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), FailureKind.Network, 'ECONNRESET'],
    ['a reset socket as the SDK reports it', Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }), FailureKind.Network, 'ECONNRESET'],
    ['InvalidParameterValue', serviceError('InvalidParameterValueException', 400, 'InvalidParameterValue'), FailureKind.Permanent, 'InvalidParameterValue'],
    ['AccessDenied', serviceError('AccessDenied', 403), FailureKind.Permanent, 'AccessDenied'],
    ['a missing region', new Error('Region is missing'), FailureKind.Permanent, 'Error'],
    ['missing credentials', Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }), FailureKind.Permanent, 'CredentialsProviderError'],
  ])('%s', (_label, error, kind, code) => {
    const failure = classifyFailure(error);
    expect([failure.kind, failure.code, failure.retryable]).toEqual([kind, code, kind !== FailureKind.Permanent]);
  });

  it('describes a failure on one line with its code and status', () => {
    expect(describeFailure(classifyFailure(serviceError('InvalidParameterValueException', 400, 'InvalidParameterValue', 'bad value')))).toBe(
      'InvalidParameterValue (HTTP 400): bad value',
    );
    expect(describeFailure(classifyFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })))).toBe(
      'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
    );
  });
});

describe('backoffDelay', () => {
  const policy = { baseMs: 100, maxMs: 1000 };
  it.each([
    [1, 0, 50],
    [1, 1, 100],
    [2, 0, 100],
    [3, 0.5, 300],
    [4, 1, 800],
    [5, 0, 500],
    [9, 1, 1000],
  ])('retry %i with random %d waits %d ms', (retry, random, expected) => {
    expect(backoffDelay(retry, policy, () => random)).toBe(expected);
  });
});
