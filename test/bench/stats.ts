/** Summary statistics of the measured runs. Pure. */

export interface Timing {
  readonly median: number;
  readonly p95: number;
}

export interface Range {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

const MS_DECIMALS = 1;

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new Error('statistics of no values');
  return [...values].sort((a, b) => a - b);
}

/** The nearest-rank percentile: a value that was actually measured, never an interpolation. */
export function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1]!;
}

/** The middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function round(value: number, decimals = MS_DECIMALS): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export function timing(ms: readonly number[]): Timing {
  return { median: round(median(ms)), p95: round(percentile(ms, 95)) };
}

export function range(values: readonly number[]): Range {
  const s = sorted(values);
  return { min: s[0]!, median: round(median(s)), max: s[s.length - 1]! };
}
