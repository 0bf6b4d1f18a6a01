/**
 * CloudWatch statistics over one period's samples: single values count once, a
 * distribution's value counts as often as its count says (Values/Counts).
 */
import type { Statistic } from '../catalog/index.js';

export interface WeightedValue {
  readonly value: number;
  readonly count: number;
}

const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100)$/;
const PERCENT = 100;

/** Nearest rank: the smallest value with at least p % of the weight at or below it. */
function percentile(samples: readonly WeightedValue[], p: number, total: number): number | undefined {
  const sorted = [...samples].sort((a, b) => a.value - b.value);
  const rank = (p / PERCENT) * total;
  let seen = 0;
  for (const s of sorted) {
    seen += s.count;
    if (seen >= rank) return s.value;
  }
  return sorted.at(-1)?.value;
}

/** The statistic of the samples, or undefined when there are none (no data point). */
export function computeStatistic(statistic: Statistic, samples: readonly WeightedValue[]): number | undefined {
  const present = samples.filter((s) => s.count > 0);
  if (present.length === 0) return undefined;
  const total = present.reduce((n, s) => n + s.count, 0);
  const sum = present.reduce((n, s) => n + s.value * s.count, 0);
  switch (statistic) {
    case 'Sum':
      return sum;
    case 'Average':
      return sum / total;
    case 'Minimum':
      return Math.min(...present.map((s) => s.value));
    case 'Maximum':
      return Math.max(...present.map((s) => s.value));
    case 'SampleCount':
      return total;
    default: {
      const match = PERCENTILE.exec(statistic);
      if (!match) throw new Error(`unsupported statistic ${statistic}`);
      return percentile(present, Number(match[1]), total);
    }
  }
}
