import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type StatementInterval, slowestStatements } from '../../lambdas/collector/collectors/database/statements.js';

const interval = (key: string, calls: number, totalMs: number): StatementInterval => ({ key, calls, totalMs, meanMs: totalMs / calls });

/** What the collector did before: sort them all, take the first. */
const sortedPrefix = (intervals: readonly StatementInterval[], count: number) =>
  [...intervals].sort((a, b) => b.meanMs - a.meanMs || b.calls - a.calls || a.key.localeCompare(b.key)).slice(0, count);

describe('the slowest statements of the interval', () => {
  it('orders by mean, then calls, then key', () => {
    // Prepare
    const intervals = [interval('c', 2, 4), interval('a', 1, 50), interval('b', 4, 8), interval('a2', 2, 4), interval('d', 1, 1)];
    // Act
    const top = slowestStatements(intervals, 4);
    // Assess
    expect(top.map((s) => s.key)).toEqual(['a', 'b', 'a2', 'c']);
  });

  it('returns all when there are fewer, and none for a count of 0', () => {
    // Prepare
    const intervals = [interval('x', 1, 1), interval('y', 1, 2)];
    // Act, Assess
    expect(slowestStatements(intervals, 10).map((s) => s.key)).toEqual(['y', 'x']);
    expect(slowestStatements(intervals, 0)).toEqual([]);
  });

  it('is the first entries of the full sort, for any intervals', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.record({ key: fc.stringMatching(/^-?\d{1,4}\/1\d$/), calls: fc.integer({ min: 1, max: 4 }), totalMs: fc.integer({ min: 0, max: 6 }) }), { selector: (r) => r.key, maxLength: 60 }),
      fc.integer({ min: 0, max: 12 }),
      (rows, count) => {
        // Prepare
        const intervals = rows.map((r) => interval(r.key, r.calls, r.totalMs));
        // Act, Assess
        expect(slowestStatements(intervals, count)).toEqual(sortedPrefix(intervals, count));
      },
    ));
  });
});
