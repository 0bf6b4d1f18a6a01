/**
 * POST a JSON body with a timeout per attempt and bounded retries. Slack and PagerDuty
 * both answer 429 (with Retry-After) when rate limiting and 5xx when unwell: those, a
 * timeout and a network error are retried after a backoff (or the Retry-After, capped);
 * any other 4xx would fail the same way again and is returned at once, with the
 * service's own words. Errors never contain the URL: a Slack webhook URL is a secret.
 */

export interface HttpRetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  /** Backoff before the first retry, doubled for each further one ... */
  readonly baseDelayMs: number;
  /** ... up to this, which also caps a Retry-After. */
  readonly maxDelayMs: number;
}

/**
 * Worst case for one delivery: 3 × 5 s + 1 s + 2 s = 18 s, inside the 60 s function
 * timeout with the deliveries of one alarm running in parallel.
 */
export const DEFAULT_HTTP_RETRY_POLICY: HttpRetryPolicy = {
  maxAttempts: 3,
  timeoutMs: 5_000,
  baseDelayMs: 1_000,
  maxDelayMs: 5_000,
};

export interface PostOptions {
  readonly policy?: HttpRetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Epoch ms: no attempt starts that could not finish by then (the invocation's deadline). */
  readonly deadline?: number;
  readonly now?: () => number;
}

export type PostResult =
  | { readonly ok: true; readonly status: number; readonly attempts: number; readonly body: string }
  | {
      readonly ok: false;
      /** true when the last failure was transient (the retries ran out, or the time did). */
      readonly retryable: boolean;
      readonly status: number | undefined;
      readonly attempts: number;
      /** e.g. `HTTP 400: invalid_payload (not retried)`. */
      readonly error: string;
    };

type AttemptOutcome =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly retryable: boolean; readonly status?: number; readonly retryAfterMs?: number; readonly error: string };

const HTTP_TOO_MANY_REQUESTS = 429;
const HTTP_REQUEST_TIMEOUT = 408;
const HTTP_SERVER_ERROR = 500;
const HTTP_OK_MIN = 200;
const HTTP_OK_MAX = 299;
/** Enough of an error body to say what was wrong, not enough to flood a log line. */
const ERROR_BODY_LENGTH = 300;
const MS_PER_SECOND = 1000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * MS_PER_SECOND;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function retryDelay(retry: number, retryAfterMs: number | undefined, policy: HttpRetryPolicy): number {
  const backoff = policy.baseDelayMs * 2 ** (retry - 1);
  return Math.min(policy.maxDelayMs, retryAfterMs ?? backoff);
}

function isRetryableStatus(status: number): boolean {
  return status === HTTP_TOO_MANY_REQUESTS || status === HTTP_REQUEST_TIMEOUT || status >= HTTP_SERVER_ERROR;
}

function networkError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const code = e.cause?.code ?? e.cause?.message ?? (error instanceof Error ? error.message : String(error));
  return `network error: ${String(code)}`;
}

async function attempt(url: string, body: string, timeoutMs: number, now: number): Promise<AttemptOutcome> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      // A webhook that redirects is misconfigured; following it could post elsewhere.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { ok: false, retryable: true, error: networkError(error, timeoutMs) };
  }
  if (response.status >= HTTP_OK_MIN && response.status <= HTTP_OK_MAX) return { ok: true, status: response.status, body: text };
  const retryable = isRetryableStatus(response.status);
  return {
    ok: false,
    retryable,
    status: response.status,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now),
    error: `HTTP ${response.status}: ${text.slice(0, ERROR_BODY_LENGTH).trim() || response.statusText}`,
  };
}

export async function postJson(url: string, payload: unknown, options: PostOptions = {}): Promise<PostResult> {
  const policy = options.policy ?? DEFAULT_HTTP_RETRY_POLICY;
  const wait = options.sleep ?? sleep;
  const now = options.now ?? Date.now;
  const body = JSON.stringify(payload);
  for (let attempts = 1; ; attempts += 1) {
    const outcome = await attempt(url, body, policy.timeoutMs, now());
    if (outcome.ok) return { ...outcome, attempts };
    const fail = (suffix: string): PostResult => ({
      ok: false, retryable: outcome.retryable, status: outcome.status, attempts, error: `${outcome.error} (${suffix})`,
    });
    if (!outcome.retryable) return fail('not retried: the request itself was refused');
    if (attempts >= policy.maxAttempts) return fail(`gave up after ${attempts} attempts`);
    const delay = retryDelay(attempts, outcome.retryAfterMs, policy);
    if (options.deadline !== undefined && now() + delay + policy.timeoutMs > options.deadline) {
      return fail(`gave up after ${attempts} attempts: no time left in this invocation for another`);
    }
    await wait(delay);
  }
}
