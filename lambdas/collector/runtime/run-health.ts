/**
 * The run's own metrics, published on every run including a run that could not reach the
 * database: the heartbeat (CollectorRuns) is what the "collector blind" alarm watches.
 */
import {
  CollectorDuration, CollectorErrors, CollectorRuns, ConnectionFailures, DatabaseUp, DeltasSkipped, InvalidValuesDropped,
} from '../../core/catalog/index.js';
import { type Datum, datum } from '../../core/metrics/datum.js';

export interface RunHealth {
  readonly target: string;
  readonly databaseUp: boolean;
  readonly connectionFailures: number;
  readonly durationMs: number;
  readonly deltasSkipped: number;
  readonly invalidValuesDropped: number;
  /** Collector (or SQL source) failures by collector name; only failing collectors get a per-collector datum. */
  readonly errorsByCollector: ReadonlyMap<string, number>;
}

export function runHealthDatums(h: RunHealth): Datum[] {
  const Database = h.target;
  let totalErrors = 0;
  const perCollector: Datum[] = [];
  for (const [Collector, errors] of h.errorsByCollector) {
    totalErrors += errors;
    if (errors > 0) perCollector.push(datum(CollectorErrors, { Database, Collector }, errors));
  }
  return [
    datum(DatabaseUp, { Database }, h.databaseUp ? 1 : 0),
    datum(ConnectionFailures, { Database }, h.connectionFailures),
    datum(CollectorRuns, { Database }, 1),
    datum(CollectorDuration, { Database }, h.durationMs),
    datum(DeltasSkipped, { Database }, h.deltasSkipped),
    datum(InvalidValuesDropped, { Database }, h.invalidValuesDropped),
    datum(CollectorErrors, { Database }, totalErrors),
    ...perCollector,
  ];
}
