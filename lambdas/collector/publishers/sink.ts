/** Where a run's datums go: CloudWatch in Lambda, the local sink under `npm start`. */
import type { Datum } from '../../core/metrics/datum.js';

/**
 * Counts are entries as delivered: for CloudWatch, MetricDatum entries after a distribution
 * above 150 values was split (so one catalog datum can count as several); the local sink
 * does not split.
 */
export interface PublishReport {
  readonly datumsSent: number;
  /** PutMetricData requests (or local writes) made, retries included. */
  readonly requests: number;
  /** Request body bytes sent on the wire (after compression). */
  readonly bytesSent: number;
  /** Datums that could not be delivered after the bounded retries. Never silently dropped: also logged. */
  readonly datumsLost: number;
  readonly failures: readonly { readonly message: string; readonly datums: number }[];
  /**
   * Values the sink dropped before sending because CloudWatch would reject them (NaN,
   * Infinity, out of range, bad dimension value): see publishers/validate.ts. The runtime
   * validates first and publishes InvalidValuesDropped, so this is normally 0.
   */
  readonly valuesDropped?: number;
}

export interface MetricSink {
  publish(datums: readonly Datum[], options?: { readonly deadline?: number }): Promise<PublishReport>;
}
