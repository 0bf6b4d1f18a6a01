/** What a collection run did: returned by runCollection, the handler, `npm start` and the benchmark. */
import type { Layer } from '../../core/catalog/index.js';
import type { Datum } from '../../core/metrics/datum.js';
import type { CollectorLogLine } from '../collector.js';
import type { PublishReport } from '../publishers/sink.js';
import type { FailureReason } from './collector-failure.js';
import type { CollectorOutcome } from './run-collector.js';

export interface RunError {
  /** The collector, or `connect` when the database could not be reached. */
  readonly collector: string;
  readonly reason: FailureReason | 'partial' | 'connect';
  readonly message: string;
}

export interface LayerTiming {
  readonly durationMs: number;
  readonly collectors: number;
  readonly failed: number;
}

export interface RunResult {
  readonly target: string;
  readonly startedAt: Date;
  /** Connect to publish done. */
  readonly durationMs: number;
  readonly databaseUp: boolean;
  readonly serverVersion?: number;
  readonly connectionFailures: number;
  /** Everything handed to the sink (validated), run-health datums included. */
  readonly datums: readonly Datum[];
  readonly errors: readonly RunError[];
  readonly collectors: readonly Omit<CollectorOutcome, 'datums' | 'logLines'>[];
  readonly layers: Readonly<Partial<Record<Layer, LayerTiming>>>;
  /** Statements sent to the production database (the runtime's transaction control included). */
  readonly statements: number;
  /** Rows the production database returned. */
  readonly rows: number;
  /**
   * Of `statements` and `rows`: those of the tenant connections (perTenant source reads and
   * the tenant discovery started with them), which run beside the collectors and are
   * counted in no collector's figures.
   */
  readonly tenantReads: { readonly statements: number; readonly rows: number };
  readonly deltasSkipped: number;
  readonly invalidValuesDropped: number;
  readonly publish: PublishReport;
  /** The structured log lines the collectors asked for (also written to the log), in run order. */
  readonly logLines: readonly (CollectorLogLine & { readonly collector: string })[];
}
