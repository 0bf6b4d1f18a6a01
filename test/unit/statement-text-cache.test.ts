import { describe, expect, it } from 'vitest';
import { STATEMENT_TEXT_CACHE_ENTRIES, StatementTextCache, statementTextCache } from '../../lambdas/collector/collectors/database/statement-text-cache.js';

const key = (entry: string, target = 'main', epoch = 'server=2026-01-01T00:00:00.000Z;stats=never') => ({ target, epoch, entry });

describe('the statement text cache', () => {
  it('keeps a text per target, epoch and entry', () => {
    // Prepare
    const cache = new StatementTextCache(10);
    cache.set(key('-42/10/5'), 'SELECT 1');
    // Act
    const hits = [
      cache.get(key('-42/10/5')),
      cache.get(key('-42/10/5', 'other')),
      cache.get(key('-42/10/5', 'main', 'server=2026-01-02T00:00:00.000Z;stats=never')),
      cache.get(key('-42/11/5')),
    ];
    // Assess
    expect(hits).toEqual(['SELECT 1', undefined, undefined, undefined]);
  });

  it('drops the least recently used text beyond its capacity', () => {
    // Prepare
    const cache = new StatementTextCache(2);
    cache.set(key('a'), 'A');
    cache.set(key('b'), 'B');
    cache.get(key('a'));
    // Act
    cache.set(key('c'), 'C');
    // Assess
    expect([cache.get(key('a')), cache.get(key('b')), cache.get(key('c')), cache.size]).toEqual(['A', undefined, 'C', 2]);
  });

  it('replaces a text set again, and forgets everything on clear()', () => {
    // Prepare
    const cache = new StatementTextCache(2);
    cache.set(key('a'), 'A');
    cache.set(key('a'), 'A2');
    // Act
    const before = [cache.get(key('a')), cache.size];
    cache.clear();
    // Assess
    expect([...before, cache.get(key('a')), cache.size]).toEqual(['A2', 1, undefined, 0]);
  });

  it('has a bounded default instance and refuses a capacity below one', () => {
    // Act, Assess
    expect(statementTextCache.capacity).toBe(STATEMENT_TEXT_CACHE_ENTRIES);
    expect(() => new StatementTextCache(0)).toThrow('statement text cache: capacity must be a positive integer, got 0');
  });
});
