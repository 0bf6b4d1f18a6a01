/**
 * Which PutMetricData failures are worth another attempt, and how long to wait first.
 * Throttling, 5xx, timeouts and network errors are transient; any other 4xx (a bad
 * parameter, an access denial) and a client misconfiguration would fail the same way
 * again, so they are reported at once instead of burning the run's time budget.
 */

export const FailureKind = {
  Throttling: 'throttling',
  Server: 'server',
  Timeout: 'timeout',
  Network: 'network',
  Permanent: 'permanent',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

export interface ClassifiedFailure {
  readonly kind: FailureKind;
  readonly retryable: boolean;
  /** The service's error code (e.g. Throttling, InvalidParameterValue) or the Node error code. */
  readonly code: string;
  readonly status: number | undefined;
  readonly message: string;
}

/** Error names the AWS SDKs treat as throttling. */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown', 'LimitExceededException',
]);
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['AbortError', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT']);
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET',
]);
/** Raised by the SDK before anything is sent: retrying cannot help. */
const CLIENT_CONFIG_CODES: ReadonlySet<string> = new Set(['CredentialsProviderError', 'ProviderError', 'TypeError']);
const HTTP_TOO_MANY_REQUESTS = 429;
const HTTP_SERVER_ERROR = 500;
const HTTP_CLIENT_ERROR = 400;

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export function classifyFailure(error: unknown): ClassifiedFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  // The query-compatible code (Code) is CloudWatch's documented one (e.g. InvalidParameterValue).
  const code = [e.Code, e.code, e.name].find((c): c is string => typeof c === 'string' && c !== 'Error') ?? 'Error';
  const names = [e.Code, e.code, e.name].filter((c): c is string => typeof c === 'string');
  const is = (set: ReadonlySet<string>) => names.some((n) => set.has(n));
  const make = (kind: FailureKind): ClassifiedFailure => ({ kind, retryable: kind !== FailureKind.Permanent, code, status, message });

  if (status === HTTP_TOO_MANY_REQUESTS || is(THROTTLING_CODES)) return make(FailureKind.Throttling);
  if (status !== undefined && status >= HTTP_SERVER_ERROR) return make(FailureKind.Server);
  // Before timeouts: the SDK names a reset socket TimeoutError, with code ECONNRESET.
  if (is(NETWORK_CODES)) return make(FailureKind.Network);
  if (is(TIMEOUT_CODES)) return make(FailureKind.Timeout);
  if (status !== undefined && status >= HTTP_CLIENT_ERROR) return make(FailureKind.Permanent);
  if (is(CLIENT_CONFIG_CODES) || /region is missing/i.test(message)) return make(FailureKind.Permanent);
  // No HTTP answer and no recognisable cause: most likely the connection; bounded anyway.
  return make(FailureKind.Network);
}

/** A human-readable one-liner: `InvalidParameterValue (HTTP 400): The value NaN ...`. */
export function describeFailure(failure: ClassifiedFailure): string {
  return `${failure.code}${failure.status === undefined ? '' : ` (HTTP ${failure.status})`}: ${failure.message}`;
}

export interface BackoffPolicy {
  /** Delay before the first retry, doubled for each further one ... */
  readonly baseMs: number;
  /** ... up to this. */
  readonly maxMs: number;
}

/**
 * "Equal jitter" exponential backoff: half the step is fixed, half random, so retries of
 * concurrent runs spread out but never come back immediately. `retry` counts from 1.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return step / 2 + (random() * step) / 2;
}
