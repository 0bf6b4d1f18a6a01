import { describe, expect, it } from 'vitest';
import { isoMillisFromJsonTimestamp } from '../../lambdas/collector/collectors/shared/json-timestamp.js';

describe('a PostgreSQL JSON timestamptz as toISOString() prints it', () => {
  it.each([
    ['2026-01-02T03:04:05.678901+00:00', '2026-01-02T03:04:05.678Z'],
    ['2026-01-02T03:04:05.6789+00:00', '2026-01-02T03:04:05.678Z'],
    ['2026-01-02T03:04:05.5+00:00', '2026-01-02T03:04:05.500Z'],
    ['2026-01-02T03:04:05.000999+00:00', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02T03:04:05+00:00', '2026-01-02T03:04:05.000Z'],
  ])('UTC session: %s -> %s (microseconds truncated, like node-postgres)', (json, iso) => {
    // Act, Assess
    expect(isoMillisFromJsonTimestamp(json)).toBe(iso);
  });

  it.each([
    ['2026-01-02T05:04:05.678901+02:00', '2026-01-02T03:04:05.678Z'],
    ['2026-01-01T22:34:05.9999-04:30', '2026-01-02T03:04:05.999Z'],
    ['1883-11-18T11:59:59.123456-04:56:02', '1883-11-18T16:56:01.123Z'],
    ['2026-01-02T03:04:05-00:00', '2026-01-02T03:04:05.000Z'],
  ])('other session time zones: %s -> %s', (json, iso) => {
    // Act, Assess
    expect(isoMillisFromJsonTimestamp(json)).toBe(iso);
  });

  it.each(['2026-01-02 03:04:05+00', 'infinity', '2026-01-02T03:04:05.1234567+00:00', '12026-01-02T03:04:05+00:00', ''])('refuses %j', (text) => {
    // Act, Assess
    expect(() => isoMillisFromJsonTimestamp(text)).toThrow(`not a PostgreSQL JSON timestamptz: ${JSON.stringify(text)}`);
  });
});
