/**
 * Plans PutMetricData requests: one namespace per request (the API takes one), at most
 * 1,000 MetricDatum entries each, and a body kept under CloudWatch's 1 MB request limit
 * (measured before compression, so the limit holds whatever the SDK decides to gzip).
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Datum } from '../../core/metrics/datum.js';
import { serializedBytes, toMetricData } from './metric-data.js';

/** CloudWatch: at most 1,000 MetricDatum entries per PutMetricData request. */
export const MAX_DATUMS_PER_REQUEST = 1000;
/** CloudWatch: a PutMetricData request body is limited to 1 MB. */
export const MAX_REQUEST_BYTES = 1_048_576;
/** Headroom for the SDK serialising a number differently from JSON.stringify. */
const SERIALISER_HEADROOM_BYTES = 48 * 1024;
/** What we fill a request to. */
export const REQUEST_BYTES_BUDGET = MAX_REQUEST_BYTES - SERIALISER_HEADROOM_BYTES;

export interface MetricDataBatch {
  readonly namespace: string;
  readonly metricData: readonly MetricDatum[];
  /** Estimated uncompressed body size. */
  readonly bytes: number;
}

function envelopeBytes(namespace: string): number {
  return Buffer.byteLength(JSON.stringify({ Namespace: namespace, MetricData: [] }));
}

export function planBatches(datums: readonly Datum[], limits: { maxDatums?: number; maxBytes?: number } = {}): MetricDataBatch[] {
  const maxDatums = limits.maxDatums ?? MAX_DATUMS_PER_REQUEST;
  const maxBytes = limits.maxBytes ?? REQUEST_BYTES_BUDGET;

  const byNamespace = new Map<string, MetricDatum[]>();
  for (const datum of datums) {
    const entries = byNamespace.get(datum.metric.namespace) ?? [];
    entries.push(...toMetricData(datum));
    byNamespace.set(datum.metric.namespace, entries);
  }

  const batches: MetricDataBatch[] = [];
  for (const [namespace, entries] of byNamespace) {
    const envelope = envelopeBytes(namespace);
    let current: MetricDatum[] = [];
    let bytes = envelope;
    const flush = () => {
      if (current.length) batches.push({ namespace, metricData: current, bytes });
      current = [];
      bytes = envelope;
    };
    for (const entry of entries) {
      // +1 for the comma between array elements.
      const size = serializedBytes(entry) + 1;
      if (current.length >= maxDatums || (current.length > 0 && bytes + size > maxBytes)) flush();
      current.push(entry);
      bytes += size;
    }
    flush();
  }
  return batches;
}
