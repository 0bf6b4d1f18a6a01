/**
 * Health-check endpoints the collector probes every run (HealthCheckUp, HealthCheckLatency).
 * The name, not the URL, becomes the `Endpoint` dimension and part of the alarm name: a
 * URL can carry credentials or tokens and must never reach a metric or a log.
 */
import { z } from 'zod';

/** A probe slower than this is a failure: a health endpoint that needs longer is not healthy. */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 3_000;
export const MIN_HEALTH_CHECK_TIMEOUT_MS = 100;
/**
 * Probes run in parallel, so the slowest allowed probe bounds the whole health-check
 * collector; kept well inside the run budget (DEFAULT_RUN_BUDGET_MS).
 */
export const MAX_HEALTH_CHECK_TIMEOUT_MS = 10_000;
/** Each endpoint costs two custom metrics and one alarm. */
export const MAX_HEALTH_CHECKS = 20;
/** Endpoint names become dimension values and alarm names (`tenantwatch-health-<name>-...`). */
export const ENDPOINT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

const httpStatus = z.number().int().min(100).max(599);

export const healthCheckSchema = z.strictObject({
  name: z.string().regex(ENDPOINT_NAME_PATTERN, 'lowercase letters, digits and dashes, starting with a letter, at most 32 characters')
    .describe('the Endpoint dimension value, e.g. api-health'),
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
    .describe('the URL to GET; basic-auth credentials in it are sent but never logged'),
  timeoutMs: z.number().int().min(MIN_HEALTH_CHECK_TIMEOUT_MS).max(MAX_HEALTH_CHECK_TIMEOUT_MS)
    .default(DEFAULT_HEALTH_CHECK_TIMEOUT_MS),
  expectedStatus: z.union([httpStatus, z.array(httpStatus).min(1)]).optional()
    .describe('status code(s) that count as up; default any 2xx'),
});
export type HealthCheck = z.infer<typeof healthCheckSchema>;
export type HealthCheckInput = z.input<typeof healthCheckSchema>;

export const healthChecksSchema = z.array(healthCheckSchema).max(MAX_HEALTH_CHECKS)
  .superRefine((checks, ctx) => {
    const seen = new Set<string>();
    checks.forEach((check, index) => {
      if (seen.has(check.name)) {
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate health-check name "${check.name}"` });
      }
      seen.add(check.name);
    });
  });

const HTTP_SUCCESS_MIN = 200;
const HTTP_SUCCESS_MAX = 299;

/** Whether a response status counts as up for this check. */
export function isExpectedStatus(check: Pick<HealthCheck, 'expectedStatus'>, status: number): boolean {
  const expected = check.expectedStatus;
  if (expected === undefined) return status >= HTTP_SUCCESS_MIN && status <= HTTP_SUCCESS_MAX;
  return Array.isArray(expected) ? expected.includes(status) : expected === status;
}
