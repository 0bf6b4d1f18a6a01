/**
 * The CloudWatch sink against a local HTTP endpoint speaking CloudWatch's wire protocol
 * (AWS JSON 1.0, gzip above 10 KB), through the real SDK client: batching, splitting,
 * retries, throttling, permanent errors, lost batches and the caller's deadline.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CacheHitRate, Deadlocks, QueryLatency, TenantCount, TenantTuplesRead } from '../../lambdas/core/catalog/index.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { datum, distribution, type Datum } from '../../lambdas/core/metrics/datum.js';
import { createCloudWatchSink, type CloudWatchSink, type CloudWatchSinkOptions } from '../../lambdas/collector/publishers/cloudwatch.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, startFakeCloudWatch, type FakeCloudWatch } from '../support/fake-cloudwatch.js';

/** The SDK's default requestMinCompressionSizeBytes. */
const SDK_GZIP_THRESHOLD_BYTES = 10_240;
const FAST_BACKOFF = { baseMs: 5, maxMs: 20 } as const;

let cw: FakeCloudWatch;
const sinks: CloudWatchSink[] = [];

function sink(overrides: Partial<CloudWatchSinkOptions> = {}) {
  const logger = createMemoryLogger('publish-test');
  const s = createCloudWatchSink({
    logger,
    endpoint: cw.url,
    region: FAKE_AWS_REGION,
    credentials: FAKE_AWS_CREDENTIALS,
    backoff: FAST_BACKOFF,
    ...overrides,
  });
  sinks.push(s);
  return { sink: s, logger };
}

function tenantDatums(n: number): Datum[] {
  return Array.from({ length: n }, (_, i) =>
    datum(TenantTuplesRead, { Database: 'payroll', Tenant: `tenant_${String(i).padStart(4, '0')}` }, i * 10 + 0.5),
  );
}

function eventsNamed(logger: ReturnType<typeof createMemoryLogger>, event: string) {
  return logger.records().filter((r) => r.event === event);
}

beforeAll(async () => {
  cw = await startFakeCloudWatch();
});

afterAll(async () => {
  for (const s of sinks) s.close();
  await cw.stop();
});

beforeEach(() => {
  cw.reset();
});

describe('CloudWatch sink: batching on the wire', () => {
  it('delivers 2,500 datums in exactly 3 gzipped requests, every datum intact', async () => {
    // prepare
    const { sink: s } = sink();
    const datums = tenantDatums(2500);

    // act
    const report = await s.publish(datums);

    // assess
    expect(cw.requests.map((r) => [r.target, r.outcome, r.datums.length])).toEqual([
      ['GraniteServiceVersion20100801.PutMetricData', 200, 1000],
      ['GraniteServiceVersion20100801.PutMetricData', 200, 1000],
      ['GraniteServiceVersion20100801.PutMetricData', 200, 500],
    ]);
    for (const r of cw.requests) {
      expect(r.bodyBytes).toBeGreaterThan(SDK_GZIP_THRESHOLD_BYTES);
      expect(r.gzipped).toBe(true);
      expect(r.raw.headers['content-encoding']).toBe('gzip');
      expect(r.wireBytes).toBeLessThan(r.bodyBytes);
      expect(r.namespace).toBe('TenantWatch/Tenants');
    }
    const received = cw.accepted();
    expect(received).toHaveLength(2500);
    received.forEach((d, i) => {
      expect(d).toEqual({
        namespace: 'TenantWatch/Tenants',
        metricName: 'TenantTuplesRead',
        dimensions: { Database: 'payroll', Tenant: `tenant_${String(i).padStart(4, '0')}` },
        unit: 'Count',
        timestamp: undefined,
        value: i * 10 + 0.5,
        values: undefined,
        counts: undefined,
      });
    });
    expect(report).toEqual({
      datumsSent: 2500,
      requests: 3,
      bytesSent: cw.requests.reduce((sum, r) => sum + r.wireBytes, 0),
      datumsLost: 0,
      failures: [],
      valuesDropped: 0,
    });
  });

  it('sends a small request uncompressed, one request per namespace, unit and timestamp from the datum', async () => {
    // prepare
    const { sink: s } = sink();
    const at = new Date();
    at.setMilliseconds(250);
    const datums: Datum[] = [
      { ...datum(CacheHitRate, { Database: 'payroll' }, 97.25), timestamp: at },
      datum(Deadlocks, { Database: 'payroll' }, 1),
      datum(TenantCount, { Database: 'payroll' }, 20),
    ];

    // act
    const report = await s.publish(datums);

    // assess
    expect(cw.requests.map((r) => [r.namespace, r.gzipped, r.outcome])).toEqual([
      ['TenantWatch/Database', false, 200],
      ['TenantWatch/Tenants', false, 200],
    ]);
    expect(cw.requests[0]!.raw.headers['content-encoding']).toBeUndefined();
    expect(cw.requests[0]!.wireBytes).toBe(cw.requests[0]!.bodyBytes);
    expect(cw.accepted().map((d) => [d.metricName, d.unit, d.value, d.timestamp?.getTime()])).toEqual([
      ['CacheHitRate', 'Percent', 97.25, at.getTime()],
      ['Deadlocks', 'Count', 1, undefined],
      ['TenantCount', 'Count', 20, undefined],
    ]);
    expect(report.datumsSent).toBe(3);
    expect(report.requests).toBe(2);
  });

  it('takes region, endpoint and credentials from the environment when not given (the Lambda case)', async () => {
    // prepare
    vi.stubEnv('AWS_REGION', FAKE_AWS_REGION);
    vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', cw.url);
    vi.stubEnv('AWS_ACCESS_KEY_ID', FAKE_AWS_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', FAKE_AWS_CREDENTIALS.secretAccessKey);
    const s = createCloudWatchSink({ logger: createMemoryLogger() });
    sinks.push(s);

    // act
    let report;
    try {
      report = await s.publish([datum(Deadlocks, { Database: 'payroll' }, 4)]);
    } finally {
      vi.unstubAllEnvs();
    }

    // assess
    expect(report).toMatchObject({ datumsSent: 1, datumsLost: 0 });
    expect(cw.accepted().map((d) => [d.metricName, d.value])).toEqual([['Deadlocks', 4]]);
    expect(String(cw.requests[0]!.raw.headers.authorization)).toContain(`Credential=${FAKE_AWS_CREDENTIALS.accessKeyId}/`);
    expect(String(cw.requests[0]!.raw.headers.authorization)).toContain(`/${FAKE_AWS_REGION}/monitoring/aws4_request`);
  });

  it('splits a 400-value distribution into datums of at most 150 values with every count preserved', async () => {
    // prepare
    const { sink: s } = sink();
    const values = Array.from({ length: 400 }, (_, i) => i + 0.25);
    const counts = values.map((_, i) => (i % 7) + 1);

    // act
    const report = await s.publish([distribution(QueryLatency, { Database: 'payroll' }, values, counts)]);

    // assess
    const received = cw.accepted();
    expect(received.map((d) => d.values?.length)).toEqual([150, 150, 100]);
    expect(received.every((d) => d.metricName === 'QueryLatency' && d.unit === 'Milliseconds' && d.value === undefined)).toBe(true);
    expect(received.flatMap((d) => d.values)).toEqual(values);
    expect(received.flatMap((d) => d.counts)).toEqual(counts);
    expect(report.datumsSent).toBe(3);
  });

  it('keeps each request under the 1 MB payload limit even below 1,000 datums', async () => {
    // prepare: 900 datums of ~1.1 KB each (a 1,000-character dimension value) ≈ 1 MB.
    const { sink: s } = sink();
    const datums = Array.from({ length: 900 }, (_, i) => datum(TenantTuplesRead, { Database: 'payroll', Tenant: `${'t'.repeat(1000)}${i}` }, i));

    // act
    const report = await s.publish(datums);

    // assess
    expect(cw.requests.map((r) => r.outcome)).toEqual([200, 200]);
    expect(cw.requests.every((r) => r.bodyBytes < 1_048_576)).toBe(true);
    expect(cw.accepted().map((d) => d.value)).toEqual(datums.map((d) => d.value));
    expect(report.datumsLost).toBe(0);
  });

  it('drops values CloudWatch rejects and still delivers the others', async () => {
    // prepare
    const { sink: s, logger } = sink();
    const datums = [
      datum(CacheHitRate, { Database: 'payroll' }, Number.NaN),
      datum(Deadlocks, { Database: 'payroll' }, 2),
      distribution(QueryLatency, { Database: 'payroll' }, [1, Number.POSITIVE_INFINITY, 3], [1, 1, 1]),
    ];

    // act
    const report = await s.publish(datums);

    // assess
    expect(cw.accepted().map((d) => [d.metricName, d.value ?? d.values])).toEqual([
      ['Deadlocks', 2],
      ['QueryLatency', [1, 3]],
    ]);
    expect(report.valuesDropped).toBe(2);
    expect(report.datumsLost).toBe(0);
    expect(eventsNamed(logger, 'publish_invalid_values_dropped').map((r) => r.reasons)).toEqual([{ 'not-a-number': 1, infinite: 1 }]);
  });
});

describe('CloudWatch sink: failures', () => {
  it('retries a throttled request and everything arrives', async () => {
    // prepare
    const { sink: s, logger } = sink();
    cw.throttleNext(1);

    // act
    const report = await s.publish(tenantDatums(2500));

    // assess
    expect(cw.requests.map((r) => r.outcome)).toEqual([400, 200, 200, 200]);
    expect(cw.accepted()).toHaveLength(2500);
    expect(new Set(cw.accepted().map((d) => d.dimensions.Tenant)).size).toBe(2500);
    expect(report).toMatchObject({ datumsSent: 2500, requests: 4, datumsLost: 0, failures: [] });
    expect(eventsNamed(logger, 'publish_retry').map((r) => [r.kind, r.attempt, r.datums])).toEqual([['throttling', 1, 1000]]);
    expect(eventsNamed(logger, 'publish_failed')).toEqual([]);
  });

  it('gives up after exactly maxAttempts on 5xx forever and reports the batch as lost', async () => {
    // prepare
    const { sink: s, logger } = sink({ maxAttempts: 3 });
    cw.failNext(Infinity);

    // act
    const report = await s.publish(tenantDatums(10));

    // assess
    expect(cw.requests.map((r) => r.outcome)).toEqual([500, 500, 500]);
    expect(cw.requests.every((r) => r.datums.length === 10)).toBe(true);
    expect(report.datumsSent).toBe(0);
    expect(report.datumsLost).toBe(10);
    expect(report.requests).toBe(3);
    expect(report.bytesSent).toBe(cw.requests.reduce((sum, r) => sum + r.wireBytes, 0));
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]!.datums).toBe(10);
    expect(report.failures[0]!.message).toMatch(/gave up after 3 attempt\(s\); last error InternalServiceError \(HTTP 500\)/);
    const failed = eventsNamed(logger, 'publish_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'error', datumsLost: 10, batchesLost: 1, requests: 3 });
    expect(eventsNamed(logger, 'publish_retry')).toHaveLength(2);
  });

  it('does not retry a permanent 400 and says why', async () => {
    // prepare
    const { sink: s, logger } = sink();
    cw.rejectNext(1, 'The value 1e400 for parameter MetricData.member.1.Value is invalid.');

    // act
    const report = await s.publish(tenantDatums(5));

    // assess
    expect(cw.requests.map((r) => r.outcome)).toEqual([400]);
    expect(report.datumsLost).toBe(5);
    expect(report.requests).toBe(1);
    expect(report.failures.map((f) => f.message)).toEqual([
      'PutMetricData TenantWatch/Tenants (5 datums): rejected, not retried: InvalidParameterValue (HTTP 400): The value 1e400 for parameter MetricData.member.1.Value is invalid.',
    ]);
    expect(eventsNamed(logger, 'publish_retry')).toEqual([]);
    expect(eventsNamed(logger, 'publish_failed')).toHaveLength(1);
  });

  it('loses only the failed batch: the others are delivered', async () => {
    // prepare: the first of the three requests gets a permanent error.
    const { sink: s } = sink();
    const datums = tenantDatums(2500);
    cw.rejectNext(1);

    // act
    const report = await s.publish(datums);

    // assess
    expect(cw.requests.map((r) => r.outcome)).toEqual([400, 200, 200]);
    expect(report).toMatchObject({ datumsSent: 1500, datumsLost: 1000, requests: 3 });
    expect(cw.accepted().map((d) => d.dimensions.Tenant)).toEqual(datums.slice(1000).map((d) => d.dimensions.Tenant));
  });

  it('aborts a hung request at the caller deadline instead of waiting for the attempt timeout', async () => {
    // prepare: the attempt timeout alone would wait a minute.
    const { sink: s, logger } = sink({ attemptTimeoutMs: 60_000 });
    cw.hangNext(Infinity);
    const deadline = Date.now() + 400;

    // act
    const report = await s.publish(tenantDatums(3), { deadline });

    // assess
    expect(cw.requests.map((r) => r.outcome)).toEqual(['hang']);
    expect(report.datumsLost).toBe(3);
    expect(report.failures[0]!.message).toMatch(/run deadline reached after 1 attempt\(s\); last error AbortError: no answer within \d+ ms/);
    expect(eventsNamed(logger, 'publish_failed')).toHaveLength(1);
  });

  it('sends nothing once the deadline has passed and reports every datum lost', async () => {
    // prepare
    const { sink: s, logger } = sink();

    // act
    const report = await s.publish(tenantDatums(2500), { deadline: Date.now() - 1 });

    // assess
    expect(cw.requests).toHaveLength(0);
    expect(report).toMatchObject({ datumsSent: 0, datumsLost: 2500, requests: 0 });
    expect(report.failures.map((f) => f.datums)).toEqual([1000, 1000, 500]);
    expect(report.failures.every((f) => f.message.endsWith('run deadline reached before the request was sent'))).toBe(true);
    expect(eventsNamed(logger, 'publish_failed').map((r) => r.datumsLost)).toEqual([2500]);
  });

  it('retries a request whose connection was reset, and everything arrives', async () => {
    // prepare
    const { sink: s, logger } = sink();
    cw.resetNext(1);

    // act
    const report = await s.publish(tenantDatums(7));

    // assess
    expect(cw.requests.map((r) => r.outcome)).toEqual(['reset', 200]);
    expect(cw.accepted().map((d) => d.value)).toEqual(tenantDatums(7).map((d) => d.value));
    expect(report).toMatchObject({ datumsSent: 7, datumsLost: 0, requests: 2 });
    expect(eventsNamed(logger, 'publish_retry').map((r) => r.kind)).toEqual(['network']);
  });

  it('retries a refused connection a bounded number of times', async () => {
    // prepare
    const { sink: s } = sink({ maxAttempts: 2 });
    await cw.refuseConnections();

    // act
    let report;
    try {
      report = await s.publish(tenantDatums(4));
    } finally {
      await cw.acceptConnections();
    }

    // assess
    expect(cw.requests).toHaveLength(0);
    expect(report).toMatchObject({ datumsSent: 0, datumsLost: 4, requests: 2, bytesSent: 0 });
    expect(report.failures[0]!.message).toMatch(/gave up after 2 attempt\(s\); last error ECONNREFUSED/);
  });
});

describe('fake CloudWatch enforces the PutMetricData limits (so the tests above can fail)', () => {
  let client: CloudWatchClient;
  beforeAll(() => {
    client = new CloudWatchClient({ endpoint: cw.url, region: FAKE_AWS_REGION, credentials: FAKE_AWS_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(() => client.destroy());

  it('rejects 1,001 datums in one request', async () => {
    const MetricData = Array.from({ length: 1001 }, (_, i) => ({ MetricName: 'X', Value: i }));
    await expect(client.send(new PutMetricDataCommand({ Namespace: 'TenantWatch/Test', MetricData }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'The collection MetricData must not have a size greater than 1000.',
    });
  });

  it('rejects a datum with 151 values', async () => {
    const Values = Array.from({ length: 151 }, (_, i) => i);
    await expect(
      client.send(new PutMetricDataCommand({ Namespace: 'TenantWatch/Test', MetricData: [{ MetricName: 'X', Values }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } });
  });

  it('rejects a NaN value (sent as null in JSON)', async () => {
    await expect(
      client.send(new PutMetricDataCommand({ Namespace: 'TenantWatch/Test', MetricData: [{ MetricName: 'X', Value: Number.NaN }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });
});
