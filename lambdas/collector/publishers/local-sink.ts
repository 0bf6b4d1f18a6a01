/**
 * The local sink, for `npm start` and tests: keeps every published datum in memory (the
 * local runner's summary reads them) and, when given a file, appends one JSON line per
 * datum. It validates exactly as the CloudWatch sink does, so a value CloudWatch would
 * reject is dropped and counted locally too.
 */
import { appendFile } from 'node:fs/promises';
import type { Logger } from '../../core/log/logger.js';
import type { Datum } from '../../core/metrics/datum.js';
import type { MetricSink, PublishReport } from './sink.js';
import { droppedByReason, validateDatums } from './validate.js';

export interface LocalSinkOptions {
  /** Append JSON lines here (created if missing). */
  readonly file?: string;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

export interface PublishedDatum {
  readonly publishedAt: Date;
  readonly datum: Datum;
}

export interface LocalSink extends MetricSink {
  /** Every datum accepted so far, oldest first. */
  readonly published: readonly PublishedDatum[];
  /** The datums of the most recent publish() call. */
  latest(): readonly Datum[];
  clear(): void;
}

/** One JSON line: what CloudWatch would have received for this datum. */
export function datumJsonLine(datum: Datum, publishedAt: Date): string {
  return JSON.stringify({
    time: (datum.timestamp ?? publishedAt).toISOString(),
    namespace: datum.metric.namespace,
    metric: datum.metric.name,
    unit: datum.metric.unit,
    dimensions: datum.dimensions,
    ...(datum.value !== undefined ? { value: datum.value } : { values: datum.values, counts: datum.counts }),
  });
}

export function createLocalSink(options: LocalSinkOptions = {}): LocalSink {
  const now = options.now ?? (() => new Date());
  const published: PublishedDatum[] = [];
  let latest: readonly Datum[] = [];

  return {
    published,
    latest: () => latest,
    clear() {
      published.length = 0;
      latest = [];
    },
    async publish(datums): Promise<PublishReport> {
      const publishedAt = now();
      const validation = validateDatums(datums, publishedAt);
      if (validation.valuesDropped > 0) {
        options.logger?.warn('publish_invalid_values_dropped', { valuesDropped: validation.valuesDropped, reasons: droppedByReason(validation.dropped) });
      }
      latest = validation.valid;
      for (const datum of validation.valid) published.push({ publishedAt, datum });

      // One "request" per publish call that had something to keep: the memory write.
      const report = { datumsSent: validation.valid.length, requests: validation.valid.length > 0 ? 1 : 0, bytesSent: 0, datumsLost: 0, failures: [] as { message: string; datums: number }[], valuesDropped: validation.valuesDropped };
      if (options.file === undefined || validation.valid.length === 0) return report;

      const text = validation.valid.map((d) => datumJsonLine(d, publishedAt) + '\n').join('');
      try {
        await appendFile(options.file, text);
        report.bytesSent = Buffer.byteLength(text);
      } catch (error) {
        // The datums stay in memory (the summary still shows them); the file lost them.
        const message = `cannot append to ${options.file}: ${error instanceof Error ? error.message : String(error)}`;
        report.datumsSent = 0;
        report.datumsLost = validation.valid.length;
        report.failures.push({ message, datums: validation.valid.length });
        options.logger?.error('publish_failed', { datumsLost: report.datumsLost, failures: [message] });
      }
      return report;
    },
  };
}
