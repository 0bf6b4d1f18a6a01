/** Which pg_stat_statements entries are new in the interval, for every way deltas can come back. */
import { describe, expect, it } from 'vitest';
import { DeltaSkipReason, type Deltas } from '../../lambdas/collector/collector.js';
import { newEntries } from '../../lambdas/collector/collectors/security/cross-tenant-queries.js';

const keys = ['10/1/t', '10/2/t', '10/3/t'];
const whole = (reason: DeltaSkipReason): Deltas => ({ intervalSeconds: 0, entries: new Map(), skipped: [{ key: '*', reason }] });

describe('newEntries', () => {
  it('takes entries the previous sample did not have, or whose calls went backwards (evicted and created again)', () => {
    // Prepare
    const deltas: Deltas = {
      intervalSeconds: 60,
      entries: new Map([['10/1/t', { calls: 4 }]]),
      skipped: [{ key: '10/2/t', reason: DeltaSkipReason.NewEntry }, { key: '10/3/t', reason: DeltaSkipReason.CounterWentBackwards }],
    };
    // Act / Assess
    expect(newEntries(deltas, keys)).toEqual(['10/2/t', '10/3/t']);
  });

  it.each([DeltaSkipReason.StatsReset, DeltaSkipReason.ServerRestart])('takes every entry after %s: all were created within the interval', (reason) => {
    // Act / Assess
    expect(newEntries(whole(reason), keys)).toEqual(keys);
  });

  it.each([DeltaSkipReason.Baseline, DeltaSkipReason.BaselineTakenByConcurrentRun, DeltaSkipReason.StateStoreUnavailable])('cannot tell after %s', (reason) => {
    // Act / Assess
    expect(newEntries(whole(reason), keys)).toBeUndefined();
  });
});
