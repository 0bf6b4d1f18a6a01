/** Where a run's datums go: CloudWatch in Lambda, the local sink under `npm start`. */
import type { Datum } from '../../core/metrics/datum.js';

export interface PublishReport {
  readonly datumsSent: number;
  /** PutMetricData requests (or local writes) made, retries included. */
  readonly requests: number;
  /** Request body bytes sent on the wire (after compression). */
  readonly bytesSent: number;
  /** Datums that could not be delivered after the bounded retries. Never silently dropped: also logged. */
  readonly datumsLost: number;
  readonly failures: readonly { readonly message: string; readonly datums: number }[];
}

export interface MetricSink {
  publish(datums: readonly Datum[], options?: { readonly deadline?: number }): Promise<PublishReport>;
}
