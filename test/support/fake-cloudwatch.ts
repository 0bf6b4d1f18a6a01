/**
 * A fake CloudWatch PutMetricData endpoint: a real HTTP server on 127.0.0.1 speaking the
 * wire protocol @aws-sdk/client-cloudwatch 3.11xx uses (AWS JSON 1.0, `X-Amz-Target:
 * GraniteServiceVersion20100801.PutMetricData`, bodies gzipped by the SDK from 10 KB on,
 * errors as `__type` plus the awsQuery-compatible `x-amzn-query-error` header).
 *
 * It enforces CloudWatch's documented PutMetricData limits (1 MB body, 1,000 datums,
 * 150 values per datum, value range, dimension rules), so a publisher that breaks one is
 * answered with the same InvalidParameterValue CloudWatch would give.
 *
 * ```ts
 * const cw = await startFakeCloudWatch();          // beforeAll
 * const client = new CloudWatchClient({ endpoint: cw.url, region: 'eu-west-1', credentials: FAKE_AWS_CREDENTIALS });
 * cw.throttleNext(1);      // next request: 400 Throttling
 * cw.failNext(Infinity);   // every request: 500 InternalServiceFault
 * cw.rejectNext(1);        // next request: 400 InvalidParameterValue
 * cw.hangNext(1);          // next request: never answered (client timeout)
 * cw.resetNext(1);         // next request: socket destroyed without an answer
 * cw.requests              // every request: wire bytes, gzip or not, namespace, decoded datums, outcome
 * cw.accepted()            // datums of the requests answered 200, in order
 * await cw.stop();         // afterAll
 * ```
 */
import {
  awsJsonError,
  awsJsonOk,
  parseAwsJsonRequest,
  startLocalHttpServer,
  type LocalResponse,
  type RecordedRequest,
} from './local-http.js';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801';
/** Dummy credentials: the fake checks that requests are SigV4-signed, not the signature. */
export const FAKE_AWS_CREDENTIALS = { accessKeyId: 'AKIDTENANTWATCHTEST', secretAccessKey: 'tenantwatch-test-secret-key' } as const;
export const FAKE_AWS_REGION = 'eu-west-1';

const JSON_VERSION = '1.0';
/** CloudWatch's PutMetricData limits. */
export const CloudWatchLimits = {
  maxRequestBytes: 1_048_576,
  maxDatums: 1000,
  maxValuesPerDatum: 150,
  maxDimensions: 30,
  maxDimensionValueLength: 1024,
  maxNameLength: 255,
  maxAbsValue: 2 ** 360,
  minAbsNonZeroValue: 2 ** -260,
} as const;
const STANDARD_UNITS: ReadonlySet<string> = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits',
  'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second',
  'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second',
  'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

/** One MetricDatum as CloudWatch decoded it. */
export interface ReceivedDatum {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly unit: string | undefined;
  readonly timestamp: Date | undefined;
  readonly value: number | undefined;
  readonly values: readonly number[] | undefined;
  readonly counts: readonly number[] | undefined;
}

export interface PutMetricDataRecord {
  /** `X-Amz-Target` as sent. */
  readonly target: string;
  readonly gzipped: boolean;
  /** Body bytes on the wire (compressed when gzipped). */
  readonly wireBytes: number;
  /** Body bytes after decompression. */
  readonly bodyBytes: number;
  readonly namespace: string | undefined;
  readonly datums: readonly ReceivedDatum[];
  /** What the fake answered: an HTTP status, 'hang' or 'reset'. */
  readonly outcome: RecordedRequest['outcome'];
  /** The request as received, for anything the fields above do not cover. */
  readonly raw: RecordedRequest;
}

export interface FakeCloudWatch {
  readonly url: string;
  readonly requests: readonly PutMetricDataRecord[];
  /** Datums of the requests answered 200, in arrival order. */
  accepted(): ReceivedDatum[];
  throttleNext(times?: number): void;
  failNext(times?: number): void;
  rejectNext(times?: number, message?: string): void;
  hangNext(times?: number): void;
  resetNext(times?: number): void;
  refuseConnections(): Promise<void>;
  acceptConnections(): Promise<void>;
  clearFaults(): void;
  /** Forget recorded requests and pending faults. */
  reset(): void;
  stop(): Promise<void>;
}

class Invalid extends Error {
  constructor(
    message: string,
    readonly code = 'InvalidParameterValue',
  ) {
    super(message);
  }
}

const queryErrorType: Record<string, string> = {
  InvalidParameterValue: 'com.amazonaws.cloudwatch#InvalidParameterValueException',
  InvalidParameterCombination: 'com.amazonaws.cloudwatch#InvalidParameterCombinationException',
  MissingParameter: 'com.amazonaws.cloudwatch#MissingRequiredParameterException',
};

export const cloudWatchErrors = {
  throttling: (): LocalResponse =>
    awsJsonError(JSON_VERSION, 400, 'com.amazon.coral.availability#ThrottlingException', 'Rate exceeded', { code: 'Throttling', fault: 'Sender' }),
  internal: (): LocalResponse =>
    awsJsonError(JSON_VERSION, 500, 'com.amazonaws.cloudwatch#InternalServiceFault', 'Internal service error', { code: 'InternalServiceError', fault: 'Receiver' }),
  invalid: (message: string, code = 'InvalidParameterValue'): LocalResponse =>
    awsJsonError(JSON_VERSION, 400, queryErrorType[code] ?? `com.amazonaws.cloudwatch#${code}`, message, { code, fault: 'Sender' }),
  tooLarge: (bytes: number): LocalResponse => ({
    status: 413,
    headers: { 'content-type': 'text/plain' },
    body: `Request Entity Too Large: ${bytes} bytes exceed ${CloudWatchLimits.maxRequestBytes}`,
  }),
};

function checkValue(value: unknown, field: string): number {
  if (typeof value !== 'number') throw new Invalid(`The value ${String(value)} for parameter ${field} is invalid.`);
  const magnitude = Math.abs(value);
  if (magnitude > CloudWatchLimits.maxAbsValue || (magnitude !== 0 && magnitude < CloudWatchLimits.minAbsNonZeroValue)) {
    throw new Invalid(`The value ${value} for parameter ${field} is invalid.`);
  }
  return value;
}

function checkName(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new Invalid(`The parameter ${field} must be a string of 1 to ${maxLength} characters.`, 'InvalidParameterValue');
  }
  return value;
}

function decodeDatum(namespace: string, raw: unknown, index: number): ReceivedDatum {
  const field = `MetricData.member.${index + 1}`;
  if (typeof raw !== 'object' || raw === null) throw new Invalid(`${field} is not a structure.`);
  const d = raw as Record<string, unknown>;
  const metricName = checkName(d.MetricName, `${field}.MetricName`, CloudWatchLimits.maxNameLength);
  const rawDims = (d.Dimensions ?? []) as unknown[];
  if (!Array.isArray(rawDims) || rawDims.length > CloudWatchLimits.maxDimensions) {
    throw new Invalid(`The collection ${field}.Dimensions must not have a size greater than ${CloudWatchLimits.maxDimensions}.`);
  }
  const dimensions: Record<string, string> = {};
  rawDims.forEach((dim, j) => {
    const { Name, Value } = (dim ?? {}) as Record<string, unknown>;
    const name = checkName(Name, `${field}.Dimensions.member.${j + 1}.Name`, CloudWatchLimits.maxNameLength);
    const value = checkName(Value, `${field}.Dimensions.member.${j + 1}.Value`, CloudWatchLimits.maxDimensionValueLength);
    if (value.trim().length === 0) throw new Invalid(`The value for parameter ${field}.Dimensions.member.${j + 1}.Value contains only whitespace.`);
    dimensions[name] = value;
  });
  if (d.Value !== undefined && d.Values !== undefined) {
    throw new Invalid(`The parameters ${field}.Value and ${field}.Values are mutually exclusive and you have specified both.`, 'InvalidParameterCombination');
  }
  if (d.Value === undefined && d.Values === undefined) {
    throw new Invalid(`At least one of the parameters ${field}.Value or ${field}.Values must be specified.`, 'MissingParameter');
  }
  const value = d.Value === undefined ? undefined : checkValue(d.Value, `${field}.Value`);
  let values: number[] | undefined;
  let counts: number[] | undefined;
  if (d.Values !== undefined) {
    if (!Array.isArray(d.Values) || d.Values.length > CloudWatchLimits.maxValuesPerDatum) {
      throw new Invalid(`The collection ${field}.Values must not have a size greater than ${CloudWatchLimits.maxValuesPerDatum}.`);
    }
    values = d.Values.map((v, k) => checkValue(v, `${field}.Values.member.${k + 1}`));
    if (d.Counts !== undefined) {
      if (!Array.isArray(d.Counts) || d.Counts.length !== values.length) {
        throw new Invalid(`The parameters ${field}.Values and ${field}.Counts must be of the same size.`);
      }
      counts = d.Counts.map((c, k) => checkValue(c, `${field}.Counts.member.${k + 1}`));
    }
  }
  if (d.Unit !== undefined && !STANDARD_UNITS.has(String(d.Unit))) throw new Invalid(`The value ${String(d.Unit)} for parameter ${field}.Unit is invalid.`);
  if (d.Timestamp !== undefined && typeof d.Timestamp !== 'number') throw new Invalid(`The value for parameter ${field}.Timestamp is invalid.`);
  return {
    namespace,
    metricName,
    dimensions,
    unit: d.Unit === undefined ? undefined : String(d.Unit),
    timestamp: typeof d.Timestamp === 'number' ? new Date(d.Timestamp * 1000) : undefined,
    value,
    values,
    counts,
  };
}

/** The request decoded and checked as CloudWatch would; throws Invalid with CloudWatch's message. */
function decodePutMetricData(input: Record<string, unknown>): { namespace: string; datums: ReceivedDatum[] } {
  const namespace = checkName(input.Namespace, 'Namespace', CloudWatchLimits.maxNameLength);
  if (namespace.startsWith('AWS/')) throw new Invalid('The value AWS/ for parameter Namespace is invalid.');
  const metricData = input.MetricData;
  if (!Array.isArray(metricData) || metricData.length === 0) throw new Invalid('The parameter MetricData is required.', 'MissingParameter');
  if (metricData.length > CloudWatchLimits.maxDatums) {
    throw new Invalid(`The collection MetricData must not have a size greater than ${CloudWatchLimits.maxDatums}.`);
  }
  return { namespace, datums: metricData.map((raw, i) => decodeDatum(namespace, raw, i)) };
}

function handle(request: RecordedRequest): LocalResponse {
  const parsed = parseAwsJsonRequest(request, JSON_VERSION, CLOUDWATCH_TARGET_PREFIX);
  if ('error' in parsed) return parsed.error;
  if (parsed.operation !== 'PutMetricData') {
    return awsJsonError(JSON_VERSION, 400, 'UnknownOperationException', `the fake implements PutMetricData only, not ${parsed.operation}`);
  }
  if (request.body.length > CloudWatchLimits.maxRequestBytes) return cloudWatchErrors.tooLarge(request.body.length);
  try {
    decodePutMetricData(parsed.input);
  } catch (error) {
    if (error instanceof Invalid) return cloudWatchErrors.invalid(error.message, error.code);
    throw error;
  }
  // PutMetricData has no output: an empty JSON object.
  return awsJsonOk(JSON_VERSION, {});
}

function toRecord(raw: RecordedRequest): PutMetricDataRecord {
  let namespace: string | undefined;
  let datums: ReceivedDatum[] = [];
  const parsed = parseAwsJsonRequest(raw, JSON_VERSION, CLOUDWATCH_TARGET_PREFIX);
  if (!('error' in parsed)) {
    namespace = typeof parsed.input.Namespace === 'string' ? parsed.input.Namespace : undefined;
    try {
      datums = decodePutMetricData(parsed.input).datums;
    } catch {
      datums = [];
    }
  }
  return {
    target: String(raw.headers['x-amz-target'] ?? ''),
    gzipped: (raw.contentEncoding ?? '').includes('gzip'),
    wireBytes: raw.wireBody.length,
    bodyBytes: raw.body.length,
    namespace,
    datums,
    outcome: raw.outcome,
    raw,
  };
}

export async function startFakeCloudWatch(): Promise<FakeCloudWatch> {
  const server = await startLocalHttpServer(handle);
  const decoded = new WeakMap<RecordedRequest, PutMetricDataRecord>();
  const records = (): PutMetricDataRecord[] =>
    server.requests.map((raw) => {
      // A record is final once answered; pending ones are decoded again next time.
      const cached = decoded.get(raw);
      if (cached && cached.outcome === raw.outcome) return cached;
      const record = toRecord(raw);
      decoded.set(raw, record);
      return record;
    });

  return {
    url: server.url,
    get requests() {
      return records();
    },
    accepted: () => records().filter((r) => r.outcome === 200).flatMap((r) => r.datums),
    throttleNext: (times = 1) => server.inject(() => cloudWatchErrors.throttling(), times),
    failNext: (times = 1) => server.inject(() => cloudWatchErrors.internal(), times),
    rejectNext: (times = 1, message = 'The value for parameter MetricData.member.1.Value is invalid.') =>
      server.inject(() => cloudWatchErrors.invalid(message), times),
    hangNext: (times = 1) => server.inject('hang', times),
    resetNext: (times = 1) => server.inject('reset', times),
    refuseConnections: () => server.refuseConnections(),
    acceptConnections: () => server.acceptConnections(),
    clearFaults: () => server.clearFaults(),
    reset() {
      server.clearFaults();
      server.clearRequests();
    },
    stop: () => server.stop(),
  };
}
