/**
 * The collector Lambda as the fault-injection tests drive it: the real handler (middy
 * middleware, settings from TENANTWATCH_SETTINGS, connections through the auth-retrying
 * providers, the CloudWatch sink) publishing over HTTP to the fake CloudWatch. Each
 * invocation reports what CloudWatch received during it, and what was logged during it.
 *
 * ```ts
 * const lambda = collectorLambda({ cloudwatch, env: { DATABASE_URL: url, STATE_DATABASE_URL: state } });
 * const { result, received, records } = await lambda.invoke();          // 60 s Lambda timeout left
 * const late = await lambda.invoke({ remainingMs: 3_000 });             // almost out of time
 * receivedValue(received, 'DatabaseUp')                                 // Database = TEST_TARGET
 * ```
 */
import type { Context } from 'aws-lambda';
import type { Collector } from '../../lambdas/collector/collector.js';
import { type CloudWatchSinkOptions, createCloudWatchSink } from '../../lambdas/collector/publishers/cloudwatch.js';
import { CollectorEnvVar, type Environment } from '../../lambdas/collector/runtime/environment.js';
import { createCollectorHandler } from '../../lambdas/collector/runtime/handler.js';
import type { RunResult } from '../../lambdas/collector/runtime/run-result.js';
import type { SecretReader } from '../../lambdas/collector/runtime/secrets.js';
import type { CollectorSettingsInput } from '../../lambdas/core/config/collector-settings.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, type FakeCloudWatch, type PutMetricDataRecord, type ReceivedDatum } from './fake-cloudwatch.js';
import { TEST_TARGET } from './runtime-fixtures.js';

/** The Lambda timeout of a collector with the default run budget (40 s + 20 s headroom). */
export const DEFAULT_LAMBDA_TIMEOUT_MS = 60_000;

export function lambdaContext(remainingMs: number, clock: () => number = Date.now): Context {
  const started = clock();
  return {
    awsRequestId: 'fault-test', functionName: 'tenantwatch-demo-collector',
    getRemainingTimeInMillis: () => remainingMs - (clock() - started),
  } as Context;
}

export interface Invocation {
  readonly result: RunResult;
  /** Datums CloudWatch accepted (HTTP 200) during this invocation. */
  readonly received: readonly ReceivedDatum[];
  /** Every PutMetricData request of this invocation, failed ones included. */
  readonly requests: readonly PutMetricDataRecord[];
  /** Log records of this invocation. */
  readonly records: readonly Record<string, unknown>[];
  /** Epoch ms the handler returned at, and the Lambda's own end. */
  readonly returnedAt: number;
  readonly lambdaEndsAt: number;
}

export interface CollectorLambdaOptions {
  readonly cloudwatch: FakeCloudWatch;
  /** Connection variables (DATABASE_URL / DB_SECRET_ARN, STATE_DATABASE_URL / ...). */
  readonly env: Environment;
  readonly settings?: Partial<CollectorSettingsInput>;
  /** Default: every collector. */
  readonly collectors?: readonly Collector[];
  readonly secretReader?: SecretReader;
  readonly sink?: Partial<Omit<CloudWatchSinkOptions, 'logger'>>;
  readonly clock?: () => number;
}

export interface CollectorLambda {
  invoke(options?: { readonly remainingMs?: number }): Promise<Invocation>;
  /** Drops the logger's lines (long soak runs). */
  forgetLogs(): void;
  close(): void;
}

/** One warm Lambda execution environment: the handler and its sink live across invocations. */
export function collectorLambda(options: CollectorLambdaOptions): CollectorLambda {
  const log = createMemoryLogger('tenantwatch-collector');
  const clock = options.clock ?? Date.now;
  const sinks: { close(): void }[] = [];
  const handler = createCollectorHandler({
    env: { [CollectorEnvVar.Settings]: JSON.stringify({ target: TEST_TARGET, ...options.settings }), ...options.env },
    ...(options.collectors ? { collectors: options.collectors } : {}),
    ...(options.secretReader ? { secretReader: options.secretReader } : {}),
    sink: (logger) => {
      const sink = createCloudWatchSink({
        logger, endpoint: options.cloudwatch.url, region: FAKE_AWS_REGION, credentials: FAKE_AWS_CREDENTIALS, now: clock, ...options.sink,
      });
      sinks.push(sink);
      return sink;
    },
    log,
    clock,
  });
  return {
    async invoke(invokeOptions = {}) {
      const remainingMs = invokeOptions.remainingMs ?? DEFAULT_LAMBDA_TIMEOUT_MS;
      const requestsBefore = options.cloudwatch.requests.length;
      const linesBefore = log.lines.length;
      const lambdaEndsAt = clock() + remainingMs;
      const result = await handler({}, lambdaContext(remainingMs, clock));
      const returnedAt = clock();
      const requests = options.cloudwatch.requests.slice(requestsBefore);
      return {
        result,
        requests,
        received: requests.filter((r) => r.outcome === 200).flatMap((r) => r.datums),
        records: log.lines.slice(linesBefore).map((l) => JSON.parse(l) as Record<string, unknown>),
        returnedAt,
        lambdaEndsAt,
      };
    },
    forgetLogs() {
      log.lines.length = 0;
    },
    close() {
      for (const sink of sinks.splice(0)) sink.close();
    },
  };
}

/** A fresh Lambda invoked once: for a run whose settings, collectors or connections differ from the others'. */
export async function invokeOnce(options: CollectorLambdaOptions, invoke: { readonly remainingMs?: number } = {}): Promise<Invocation> {
  const lambda = collectorLambda(options);
  try {
    return await lambda.invoke(invoke);
  } finally {
    lambda.close();
  }
}

function sameDimensions(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Received datums of a metric with exactly these dimensions. */
export function receivedDatums(received: readonly ReceivedDatum[], metric: string, dimensions: Readonly<Record<string, string>> = { Database: TEST_TARGET }): ReceivedDatum[] {
  return received.filter((d) => d.metricName === metric && sameDimensions(d.dimensions, dimensions));
}

/** The single value CloudWatch received for a metric with exactly these dimensions (undefined when none). */
export function receivedValue(received: readonly ReceivedDatum[], metric: string, dimensions: Readonly<Record<string, string>> = { Database: TEST_TARGET }): number | undefined {
  const found = receivedDatums(received, metric, dimensions);
  if (found.length > 1) throw new Error(`${metric} ${JSON.stringify(dimensions)}: received ${found.length} times`);
  return found[0]?.value;
}

/** Metric names CloudWatch received, sorted and distinct. */
export function receivedMetricNames(received: readonly ReceivedDatum[]): string[] {
  return [...new Set(received.map((d) => d.metricName))].sort();
}

/** Log records of one event. */
export function eventsOf(records: readonly Record<string, unknown>[], event: string): Record<string, unknown>[] {
  return records.filter((r) => r.event === event);
}
