/** The collector's own health: a monitor that fails silently is worse than none. */
import { Dimension as D, Layer, Namespace, metric } from './metric.js';

const base = { namespace: Namespace.Collector, layer: Layer.Collector } as const;
const perDatabase = [[D.Database]] as const;

export const CollectorRuns = metric({
  ...base, name: 'CollectorRuns', unit: 'Count', dimensionSets: perDatabase,
  description: 'Heartbeat: 1 per completed collection run, published even when the database is down.',
});

export const CollectorErrors = metric({
  ...base, name: 'CollectorErrors', unit: 'Count', dimensionSets: [[D.Database], [D.Database, D.Collector]] as const,
  description: 'Collectors (or SQL sources) that failed or timed out in the run, in total and per collector.',
});

export const CollectorDuration = metric({
  ...base, name: 'CollectorDuration', unit: 'Milliseconds', dimensionSets: perDatabase,
  description: 'Wall time of the collection run, connect to publish.',
});

export const DeltasSkipped = metric({
  ...base, name: 'DeltasSkipped', unit: 'Count', dimensionSets: perDatabase,
  description: 'Counter deltas not published in the run: baseline, stats reset, restart, counter went backwards, or state store unavailable.',
});

export const InvalidValuesDropped = metric({
  ...base, name: 'InvalidValuesDropped', unit: 'Count', dimensionSets: perDatabase,
  description: 'Values dropped before publishing because CloudWatch would reject them (NaN, Infinity, out of range).',
});
