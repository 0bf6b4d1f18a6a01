/**
 * The CloudWatch sink: PutMetricData through @aws-sdk/client-cloudwatch (AWS JSON 1.0;
 * the SDK gzips bodies of 10 KB and more). Datums are validated, converted, grouped by
 * namespace and planned into requests within CloudWatch's limits (batches.ts), then sent
 * one request at a time.
 *
 * Retries are ours, not the SDK's (the client runs with maxAttempts 1): every attempt is
 * counted in the report and logged, attempts stop at `maxAttempts` or at the caller's
 * deadline, whichever comes first, and each attempt is aborted when the deadline passes.
 * A batch finally lost is counted in `datumsLost`, described in `failures` and logged as
 * one `publish_failed` line per publish() call: never dropped silently.
 *
 * In Lambda the defaults come from the environment through the SDK: AWS_REGION, and
 * AWS_ENDPOINT_URL_CLOUDWATCH (or AWS_ENDPOINT_URL) when an endpoint override is wanted.
 */
import { CloudWatchClient, PutMetricDataCommand, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import type { Logger } from '../../core/log/logger.js';
import type { Datum } from '../../core/metrics/datum.js';
import { planBatches, type MetricDataBatch } from './batches.js';
import { FailureKind, backoffDelay, classifyFailure, describeFailure, type BackoffPolicy, type ClassifiedFailure } from './retry.js';
import type { MetricSink, PublishReport } from './sink.js';
import { droppedByReason, validateDatums } from './validate.js';

export const DEFAULT_MAX_ATTEMPTS = 3;
/** One PutMetricData call normally takes tens of milliseconds; this only bounds a hung one. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 2_000 };
/** With less time than this before the deadline, an attempt cannot complete: do not start it. */
export const MIN_ATTEMPT_MS = 50;

export interface CloudWatchSinkOptions {
  readonly logger: Logger;
  /** Default: the SDK's (AWS_REGION in Lambda). */
  readonly region?: string;
  /** Default: the SDK's (AWS_ENDPOINT_URL_CLOUDWATCH, else the regional endpoint). */
  readonly endpoint?: string;
  /** Default: the SDK's credential chain (the Lambda role). */
  readonly credentials?: CloudWatchClientConfig['credentials'];
  /** Attempts per request, first one included. */
  readonly maxAttempts?: number;
  readonly attemptTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  /** Test seams; default Date.now, setTimeout and Math.random. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface CloudWatchSink extends MetricSink {
  /** Releases the HTTP connections (the warm Lambda keeps the sink; tests close it). */
  close(): void;
}

interface Tally {
  datumsSent: number;
  requests: number;
  bytesSent: number;
  datumsLost: number;
  failures: { message: string; datums: number }[];
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function bodyBytes(body: unknown): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

export function createCloudWatchSink(options: CloudWatchSinkOptions): CloudWatchSink {
  const log = options.logger;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  // Unset options stay undefined: the SDK then resolves them from the environment.
  const client = new CloudWatchClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials, maxAttempts: 1 });

  /** One HTTP attempt; resolves to the failure, or undefined on success. */
  async function attempt(batch: MetricDataBatch, timeoutMs: number, tally: Tally): Promise<ClassifiedFailure | undefined> {
    const command = new PutMetricDataCommand({ Namespace: batch.namespace, MetricData: [...batch.metricData] });
    let bodySize = 0;
    // After the build step (where the SDK compresses), so this is the size on the wire.
    command.middlewareStack.add(
      (next) => async (args) => {
        bodySize = bodyBytes((args.request as { body?: unknown }).body);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'tenantwatchWireBytes' },
    );
    tally.requests += 1;
    try {
      await client.send(command, { abortSignal: AbortSignal.timeout(timeoutMs) });
      tally.bytesSent += bodySize;
      return undefined;
    } catch (error) {
      const failure = classifyFailure(error);
      // A connection that failed (refused, reset, unresolvable) carried no complete body.
      if (failure.kind !== FailureKind.Network) tally.bytesSent += bodySize;
      return failure.kind === FailureKind.Timeout && (failure.code === 'AbortError' || failure.code === 'TimeoutError')
        ? { ...failure, message: `no answer within ${timeoutMs} ms` }
        : failure;
    }
  }

  /** Sends one batch with bounded retries; returns why it was lost, or undefined when delivered. */
  async function sendBatch(batch: MetricDataBatch, deadline: number, tally: Tally): Promise<string | undefined> {
    const n = batch.metricData.length;
    let last: ClassifiedFailure | undefined;
    for (let attemptNo = 1; attemptNo <= maxAttempts; attemptNo++) {
      const left = deadline - now();
      if (left < MIN_ATTEMPT_MS) {
        return last
          ? `run deadline reached after ${attemptNo - 1} attempt(s); last error ${describeFailure(last)}`
          : 'run deadline reached before the request was sent';
      }
      last = await attempt(batch, Math.min(attemptTimeoutMs, left), tally);
      if (!last) {
        tally.datumsSent += n;
        return undefined;
      }
      if (!last.retryable) return `rejected, not retried: ${describeFailure(last)}`;
      if (attemptNo === maxAttempts) break;
      const delay = backoffDelay(attemptNo, backoff, random);
      if (now() + delay + MIN_ATTEMPT_MS > deadline) {
        return `run deadline reached after ${attemptNo} attempt(s); last error ${describeFailure(last)}`;
      }
      log.warn('publish_retry', { namespace: batch.namespace, datums: n, attempt: attemptNo, kind: last.kind, error: describeFailure(last), delayMs: Math.round(delay) });
      await sleep(delay);
    }
    return `gave up after ${maxAttempts} attempt(s); last error ${last ? describeFailure(last) : 'none'}`;
  }

  return {
    async publish(datums: readonly Datum[], publishOptions?: { readonly deadline?: number }): Promise<PublishReport> {
      const deadline = publishOptions?.deadline ?? Number.POSITIVE_INFINITY;
      const validation = validateDatums(datums, new Date(now()));
      if (validation.valuesDropped > 0) {
        log.warn('publish_invalid_values_dropped', { valuesDropped: validation.valuesDropped, reasons: droppedByReason(validation.dropped) });
      }
      const batches = planBatches(validation.valid);
      const tally: Tally = { datumsSent: 0, requests: 0, bytesSent: 0, datumsLost: 0, failures: [] };
      for (const batch of batches) {
        const lost = await sendBatch(batch, deadline, tally);
        if (lost === undefined) continue;
        tally.datumsLost += batch.metricData.length;
        tally.failures.push({ message: `PutMetricData ${batch.namespace} (${batch.metricData.length} datums): ${lost}`, datums: batch.metricData.length });
      }
      if (tally.datumsLost > 0) {
        log.error('publish_failed', {
          datumsLost: tally.datumsLost,
          datumsSent: tally.datumsSent,
          batchesLost: tally.failures.length,
          batches: batches.length,
          requests: tally.requests,
          failures: tally.failures.map((f) => f.message),
        });
      }
      return { ...tally, valuesDropped: validation.valuesDropped };
    },
    close() {
      client.destroy();
    },
  };
}
