/** The state database's storage form of a counter sample (state/sample-encoding.ts). */
import { describe, expect, it } from 'vitest';
import { COLUMNAR_FORMAT, decodeSample, encodeSample } from '../../lambdas/collector/state/sample-encoding.js';

describe('counter sample encoding', () => {
  it('stores the keys once and one array per counter, and reads back the same sample', () => {
    // Prepare
    const sample = { '1/10/5': { calls: 3, total_exec_time: 1.5 }, '2/10/5': { calls: 0, total_exec_time: 0 }, 'a"b\\c': { calls: 7, total_exec_time: 2.25 } };
    // Act
    const stored = encodeSample(sample);
    const read = decodeSample(JSON.parse(JSON.stringify(stored)));
    // Assess
    expect(stored).toEqual({
      format: COLUMNAR_FORMAT, keys: ['1/10/5', '2/10/5', 'a"b\\c'],
      counters: { calls: [3, 0, 7], total_exec_time: [1.5, 0, 2.25] },
    });
    expect(read).toEqual(sample);
  });

  it('keeps entries whose counters differ: a counter an entry lacks stays absent', () => {
    // Prepare
    const sample = { window: { endMs: 1_700_000_000_000 }, other: { read: 1, written: 2 }, empty: {} };
    // Act
    const read = decodeSample(JSON.parse(JSON.stringify(encodeSample(sample))));
    // Assess
    expect(read).toEqual(sample);
  });

  it('reads a sample stored by an earlier release, one object per entry, as it is', () => {
    // Prepare
    const legacy = { '1/10/5': { calls: 3 }, format: { calls: 1 } };
    // Act / Assess
    expect(decodeSample(legacy)).toEqual(legacy);
    expect(decodeSample({})).toEqual({});
  });
});
