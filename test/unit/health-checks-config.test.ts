import { describe, expect, it } from 'vitest';
import { describeUrl } from '../../lambdas/collector/collectors/api/health-probe.js';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import {
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS, MAX_HEALTH_CHECK_TIMEOUT_MS, healthChecksSchema, isExpectedStatus,
} from '../../lambdas/core/config/health-checks.js';

function issues(input: unknown): string[] {
  const parsed = healthChecksSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('health-check config', () => {
  it('defaults the timeout and accepts http and https URLs', () => {
    // Act
    const checks = healthChecksSchema.parse([
      { name: 'api', url: 'https://api.example.com/health' },
      { name: 'admin', url: 'http://10.0.0.5:8080/healthz', timeoutMs: 500, expectedStatus: [200, 204] },
    ]);
    // Assess
    expect(checks.map((c) => c.timeoutMs)).toEqual([DEFAULT_HEALTH_CHECK_TIMEOUT_MS, 500]);
  });

  it('names the path and the expectation of every bad entry', () => {
    // Act
    const found = issues([
      { name: 'Bad Name', url: 'https://x.example/health' },
      { name: 'ftp', url: 'ftp://x.example/health' },
      { name: 'slow', url: 'https://x.example/health', timeoutMs: MAX_HEALTH_CHECK_TIMEOUT_MS + 1 },
      { name: 'api', url: 'https://x.example/a' },
      { name: 'api', url: 'https://x.example/b' },
      { name: 'extra', url: 'https://x.example/health', method: 'POST' },
    ]);
    // Assess
    expect(found).toEqual([
      '0.name: lowercase letters, digits and dashes, starting with a letter, at most 32 characters',
      '1.url: an http:// or https:// URL',
      `2.timeoutMs: Too big: expected number to be <=${MAX_HEALTH_CHECK_TIMEOUT_MS}`,
      '5: Unrecognized key: "method"',
      '4.name: duplicate health-check name "api"',
    ]);
  });

  it('never echoes a rejected URL (it may hold credentials) in the error', () => {
    // Act
    const found = issues([{ name: 'api', url: 'ftp://user:hunter2-secret@x.example/' }]).join('\n');
    // Assess
    expect(found).not.toContain('hunter2-secret');
  });

  it('is optional in the collector settings', () => {
    expect(collectorSettingsSchema.parse({ target: 'main' }).healthChecks).toEqual([]);
  });

  it('counts any 2xx as up unless statuses are listed', () => {
    expect([199, 200, 204, 299, 300, 500].map((s) => isExpectedStatus({}, s))).toEqual([false, true, true, true, false, false]);
    expect([200, 204, 503].map((s) => isExpectedStatus({ expectedStatus: [204, 503] }, s))).toEqual([false, true, true]);
    expect([200, 401].map((s) => isExpectedStatus({ expectedStatus: 401 }, s))).toEqual([false, true]);
  });

  it('describes a URL without credentials, query string or fragment', () => {
    expect(describeUrl('https://u:p%40ss@api.example.com:8443/health/live?token=abc#x')).toBe('https://api.example.com:8443/health/live');
    expect(describeUrl('not a url')).toBe('[invalid URL]');
  });
});
