import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheHitRate, QueryLatency } from '../../lambdas/core/catalog/index.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { datum, distribution } from '../../lambdas/core/metrics/datum.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';

const AT = new Date('2026-03-02T10:00:00.000Z');
const db = { Database: 'payroll' } as const;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tenantwatch-local-sink-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local sink', () => {
  it('keeps published datums in memory and appends one JSON line per datum', async () => {
    // prepare
    const file = join(dir, 'metrics.jsonl');
    const sink = createLocalSink({ file, now: () => AT });
    const first = [datum(CacheHitRate, db, 97.5)];
    const second = [distribution(QueryLatency, db, [1.5, 20], [3, 1])];

    // act
    const r1 = await sink.publish(first);
    const r2 = await sink.publish(second);

    // assess
    expect(sink.published.map((p) => p.datum)).toEqual([...first, ...second]);
    expect(sink.latest()).toEqual(second);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { time: '2026-03-02T10:00:00.000Z', namespace: 'TenantWatch/Database', metric: 'CacheHitRate', unit: 'Percent', dimensions: db, value: 97.5 },
      { time: '2026-03-02T10:00:00.000Z', namespace: 'TenantWatch/Database', metric: 'QueryLatency', unit: 'Milliseconds', dimensions: db, values: [1.5, 20], counts: [3, 1] },
    ]);
    expect(r1).toEqual({ datumsSent: 1, requests: 1, bytesSent: Buffer.byteLength(JSON.stringify(lines[0]) + '\n'), datumsLost: 0, failures: [], valuesDropped: 0 });
    expect(r2.datumsSent).toBe(1);

    sink.clear();
    expect(sink.published).toEqual([]);
    expect(sink.latest()).toEqual([]);
  });

  it('drops values CloudWatch would reject, as the CloudWatch sink does', async () => {
    const logger = createMemoryLogger();
    const sink = createLocalSink({ logger });
    const report = await sink.publish([datum(CacheHitRate, db, Number.NaN), datum(CacheHitRate, db, 50)]);
    expect(sink.latest().map((d) => d.value)).toEqual([50]);
    expect(report).toMatchObject({ datumsSent: 1, valuesDropped: 1, datumsLost: 0 });
    expect(logger.records().map((r) => [r.event, r.valuesDropped])).toEqual([['publish_invalid_values_dropped', 1]]);
  });

  it('reports datums it could not write to the file as lost, with a publish_failed line', async () => {
    // prepare
    const logger = createMemoryLogger();
    const sink = createLocalSink({ file: join(dir, 'missing-dir', 'metrics.jsonl'), logger });

    // act
    const report = await sink.publish([datum(CacheHitRate, db, 1), datum(CacheHitRate, db, 2)]);

    // assess
    expect(report.datumsLost).toBe(2);
    expect(report.datumsSent).toBe(0);
    expect(report.failures[0]!.message).toMatch(/^cannot append to .*metrics\.jsonl: ENOENT/);
    expect(logger.records().filter((r) => r.event === 'publish_failed').map((r) => r.datumsLost)).toEqual([2]);
    expect(sink.latest()).toHaveLength(2);
  });
});
