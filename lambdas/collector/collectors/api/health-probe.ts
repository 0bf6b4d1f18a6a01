/**
 * One HTTP(S) health probe: GET the configured URL within its timeout and say whether the
 * endpoint is up, how long the full response took, and, when it is not up, why. Plain
 * node:http(s) rather than fetch: fetch refuses URLs with basic-auth credentials, and the
 * socket error codes (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, ...) are what a responder
 * needs. A fresh connection per probe (no keep-alive pool), so connect and TLS handshake
 * are part of every measurement, as they are for a new client.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { isExpectedStatus, type HealthCheck } from '../../../core/config/health-checks.js';
import { registerSecret } from '../../../core/log/redact.js';

export const ProbeOutcome = {
  Up: 'up',
  /** A response arrived, with a status the check does not accept (e.g. 500). */
  UnexpectedStatus: 'unexpected-status',
  /** No complete response within the check's timeout. */
  Timeout: 'timeout',
  /** The TLS handshake failed: untrusted, expired or mismatched certificate, protocol error. */
  TlsError: 'tls-error',
  /** Connection refused or reset, DNS failure, unreachable host. */
  NetworkError: 'network-error',
  /** The collector's own time budget ran out first: says nothing about the endpoint. */
  Cancelled: 'cancelled',
} as const;
export type ProbeOutcome = (typeof ProbeOutcome)[keyof typeof ProbeOutcome];

export interface ProbeResult {
  readonly name: string;
  readonly outcome: ProbeOutcome;
  /** Milliseconds from sending the request to the end of the response; only when a response arrived. */
  readonly latencyMs?: number;
  readonly status?: number;
  /** For network and TLS errors: the error code (never the message, which may quote the URL). */
  readonly reason?: string;
}

const USER_AGENT = 'tenantwatch-health-probe';
const TLS_ERROR_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;
const UNKNOWN_ERROR = 'UNKNOWN';

/** `scheme://host[:port]/path` of a URL: no credentials, no query string, no fragment. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[invalid URL]';
  }
}

/** Credentials inside a URL are secrets: the redactor scrubs them from any log line. */
function registerUrlSecrets(u: URL): void {
  if (!u.password) return;
  registerSecret(u.password);
  registerSecret(decodeURIComponent(u.password));
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  return error instanceof Error ? error.name : UNKNOWN_ERROR;
}

function failureOutcome(error: unknown, timeout: AbortSignal, cancel: AbortSignal | undefined): ProbeOutcome {
  if (timeout.aborted) return ProbeOutcome.Timeout;
  if (cancel?.aborted) return ProbeOutcome.Cancelled;
  return TLS_ERROR_CODE.test(errorCode(error)) ? ProbeOutcome.TlsError : ProbeOutcome.NetworkError;
}

/**
 * Probes one endpoint. Never rejects: every failure is a result. `signal` is the
 * collector's own deadline; the check's timeoutMs bounds the probe itself.
 */
export function probe(check: HealthCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const url = new URL(check.url);
  registerUrlSecrets(url);
  const timeout = AbortSignal.timeout(check.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const started = performance.now();
    const settle = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const fail = (error: unknown) => {
      const outcome = failureOutcome(error, timeout, signal);
      // After an abort the error only says "aborted": the outcome already says why.
      const aborted = outcome === ProbeOutcome.Timeout || outcome === ProbeOutcome.Cancelled;
      settle({ name: check.name, outcome, ...(aborted ? {} : { reason: errorCode(error) }) });
    };
    const onResponse = (response: IncomingMessage) => {
      response.on('error', fail);
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        settle({
          name: check.name,
          outcome: isExpectedStatus(check, status) ? ProbeOutcome.Up : ProbeOutcome.UnexpectedStatus,
          latencyMs: performance.now() - started,
          status,
        });
      });
      // The body is not inspected; reading it to the end is part of the response time.
      response.resume();
    };
    try {
      const req = send(url, { method: 'GET', agent: false, signal: combined, headers: { 'user-agent': USER_AGENT } }, onResponse);
      req.on('error', fail);
      req.end();
    } catch (error) {
      fail(error);
    }
  });
}

/** Probes every endpoint in parallel: the total time is bounded by the slowest timeout. */
export function probeAll(checks: readonly HealthCheck[], signal?: AbortSignal): Promise<ProbeResult[]> {
  return Promise.all(checks.map((check) => probe(check, signal)));
}
