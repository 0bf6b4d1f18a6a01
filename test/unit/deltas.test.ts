import { describe, expect, it } from 'vitest';
import { DeltaSkipReason } from '../../lambdas/collector/collector.js';
import { WHOLE_SAMPLE, computeDeltas, countSkipped, type StoredSample } from '../../lambdas/collector/state/deltas.js';
import { counterEpoch, epochChangeReason } from '../../lambdas/collector/state/epoch.js';

const started = '2026-01-01T00:00:00.000Z';
const epoch = counterEpoch({ serverStartedAt: started, statsResetAt: null });
const t0 = new Date('2026-01-01T10:00:00.000Z');
const t1 = new Date('2026-01-01T10:01:00.000Z');

function sample(values: StoredSample['sample'], at: Date, ep = epoch): StoredSample {
  return { sample: values, epoch: ep, sampledAt: at };
}

describe('computeDeltas', () => {
  it('records a baseline only on the first run', () => {
    // Prepare
    const current = sample({ db: { hit: 10, read: 2 } }, t0);
    // Act
    const deltas = computeDeltas(undefined, current);
    // Assess
    expect(deltas.entries.size).toBe(0);
    expect(deltas.skipped).toEqual([{ key: WHOLE_SAMPLE, reason: DeltaSkipReason.Baseline }]);
    expect(deltas.intervalSeconds).toBe(0);
  });

  it('gives exact deltas and the interval when both samples are comparable', () => {
    // Prepare
    const previous = sample({ db: { hit: 100, read: 10 }, q1: { calls: 5, total: 12.5 } }, t0);
    const current = sample({ db: { hit: 190, read: 20 }, q1: { calls: 8, total: 20 } }, t1);
    // Act
    const deltas = computeDeltas(previous, current);
    // Assess
    expect(deltas.intervalSeconds).toBe(60);
    expect(Object.fromEntries(deltas.entries)).toEqual({ db: { hit: 90, read: 10 }, q1: { calls: 3, total: 7.5 } });
    expect(deltas.skipped).toEqual([]);
  });

  it('drops everything after a stats reset', () => {
    // Prepare
    const resetEpoch = counterEpoch({ serverStartedAt: started, statsResetAt: '2026-01-01T10:00:30.000Z' });
    const previous = sample({ db: { hit: 100 } }, t0);
    const current = sample({ db: { hit: 150 } }, t1, resetEpoch);
    // Act
    const deltas = computeDeltas(previous, current);
    // Assess
    expect(deltas.entries.size).toBe(0);
    expect(deltas.skipped).toEqual([{ key: WHOLE_SAMPLE, reason: DeltaSkipReason.StatsReset }]);
  });

  it('drops everything after a server restart, even when the stats look comparable', () => {
    // Prepare
    const restarted = counterEpoch({ serverStartedAt: '2026-01-01T10:00:40.000Z', statsResetAt: null });
    const previous = sample({ db: { hit: 100 } }, t0);
    const current = sample({ db: { hit: 150 } }, t1, restarted);
    // Act
    const deltas = computeDeltas(previous, current);
    // Assess
    expect(deltas.skipped).toEqual([{ key: WHOLE_SAMPLE, reason: DeltaSkipReason.ServerRestart }]);
  });

  it('drops only the entry whose counter went backwards', () => {
    // Prepare
    const previous = sample({ a: { calls: 10, total: 5 }, b: { calls: 3, total: 1 } }, t0);
    const current = sample({ a: { calls: 12, total: 4 }, b: { calls: 4, total: 2 } }, t1);
    // Act
    const deltas = computeDeltas(previous, current);
    // Assess
    expect(Object.fromEntries(deltas.entries)).toEqual({ b: { calls: 1, total: 1 } });
    expect(deltas.skipped).toEqual([{ key: 'a', reason: DeltaSkipReason.CounterWentBackwards }]);
  });

  it('gives a new entry no delta, and ignores an entry that disappeared', () => {
    // Prepare
    const previous = sample({ old: { calls: 1 }, gone: { calls: 9 } }, t0);
    const current = sample({ old: { calls: 4 }, fresh: { calls: 7 } }, t1);
    // Act
    const deltas = computeDeltas(previous, current);
    // Assess
    expect(Object.fromEntries(deltas.entries)).toEqual({ old: { calls: 3 } });
    expect(deltas.skipped).toEqual([{ key: 'fresh', reason: DeltaSkipReason.NewEntry }]);
  });

  it('treats a counter the previous sample lacked as new', () => {
    // Prepare
    const previous = sample({ a: { calls: 1 } }, t0);
    const current = sample({ a: { calls: 2, rows: 5 } }, t1);
    // Act
    const deltas = computeDeltas(previous, current);
    // Assess
    expect(deltas.skipped).toEqual([{ key: 'a', reason: DeltaSkipReason.NewEntry }]);
  });

  it('refuses a stored sample that is not older than ours (a run overtook this one)', () => {
    // Prepare
    const previous = sample({ a: { calls: 1 } }, t1);
    const current = sample({ a: { calls: 2 } }, t0);
    // Act
    const deltas = computeDeltas(previous, current);
    // Assess
    expect(deltas.skipped).toEqual([{ key: WHOLE_SAMPLE, reason: DeltaSkipReason.BaselineTakenByConcurrentRun }]);
  });
});

describe('countSkipped', () => {
  it('counts a whole-sample skip as every entry and an entry skip as one', () => {
    // Prepare
    const current = sample({ a: { c: 1 }, b: { c: 1 }, c: { c: 1 } }, t1);
    const previous = sample({ a: { c: 2 }, b: { c: 0 } }, t0);
    // Act
    const whole = countSkipped(computeDeltas(undefined, current), current.sample);
    const some = countSkipped(computeDeltas(previous, current), current.sample);
    // Assess
    expect(whole).toBe(3);
    expect(some).toBe(2);
  });
});

describe('epochChangeReason', () => {
  it('tells a restart from a reset, and treats foreign epochs as a reset', () => {
    // Prepare
    const a = counterEpoch({ serverStartedAt: started, statsResetAt: null });
    const reset = counterEpoch({ serverStartedAt: started, statsResetAt: new Date(t0) });
    const restart = counterEpoch({ serverStartedAt: t1, statsResetAt: null });
    // Act and assess
    expect(epochChangeReason(a, a)).toBeUndefined();
    expect(epochChangeReason(a, reset)).toBe(DeltaSkipReason.StatsReset);
    expect(epochChangeReason(a, restart)).toBe(DeltaSkipReason.ServerRestart);
    expect(epochChangeReason('x', 'y')).toBe(DeltaSkipReason.StatsReset);
  });
});
