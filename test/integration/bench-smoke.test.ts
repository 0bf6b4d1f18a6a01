/**
 * A small benchmark run through the real CLI (`npm run bench`), at 50 and at 200 tenants,
 * each in a throwaway data directory: the last line printed is the JSON report with every
 * figure, and the collector sends the same number of statements at both scales. Nothing
 * here asserts a time.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Layer } from '../../lambdas/core/catalog/index.js';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import { countMetrics, publishedMetricSets } from '../../lambdas/core/cost/index.js';
import { boundedDimensionValues } from '../bench/cost-table.js';
import { type BenchReport, RUN_OVERHEAD } from '../bench/report.js';

const run = promisify(execFile);
const STATEMENTS_COLLECTOR = 'statements';
const SCALES = [50, 200] as const;
const RUNS = 2;
/** Small: the smoke run checks the shape of things, not pg_stat_statements at scale. */
const STATEMENT_ENTRIES = 400;
const CLI_TIMEOUT_MS = 170_000;
/** One request per namespace: database, tenants, security, api, collector. */
const NAMESPACES = 5;

async function bench(tenants: number, cacheDir: string): Promise<{ lines: string[]; report: BenchReport }> {
  const { stdout } = await run(process.execPath, [
    '--import', 'tsx', 'test/bench/run.ts', '--tenants', String(tenants), '--runs', String(RUNS), '--warmup', '1',
    '--statements', String(STATEMENT_ENTRIES), '--cold-starts', '1', '--cache-dir', cacheDir, '--json-only',
  ], { timeout: CLI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  const lines = stdout.trimEnd().split('\n');
  return { lines, report: JSON.parse(lines.at(-1)!) as BenchReport };
}

const rangeShape = { min: expect.any(Number), median: expect.any(Number), max: expect.any(Number) };
const timingShape = { median: expect.any(Number), p95: expect.any(Number) };
const layerShape = { wallMs: timingShape, statements: rangeShape, rows: rangeShape, datums: rangeShape, putRequests: rangeShape, bytesSent: rangeShape };

describe('npm run bench at 50 and 200 tenants', () => {
  let cacheDir: string;
  const reports = new Map<number, { lines: string[]; report: BenchReport }>();

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'tenantwatch-bench-smoke-'));
    // mkdtemp makes it private; the server runs as the postgres OS user when we are root.
    await chmod(cacheDir, 0o755);
    for (const tenants of SCALES) reports.set(tenants, await bench(tenants, cacheDir));
  }, 2 * CLI_TIMEOUT_MS);
  afterAll(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('prints one JSON object as its last line, with every figure per layer and in total', () => {
    // Assess
    const { lines, report } = reports.get(SCALES[0])!;
    expect(lines).toHaveLength(1);
    expect(report).toMatchObject({
      benchmark: 'tenantwatch-collection',
      config: { tenants: SCALES[0], runs: RUNS, warmup: 1, postgres: 18, lambdaMemoryMb: 256, settings: {}, pgStatStatementsEntries: expect.any(Number), scaleDatabase: { built: true } },
      machine: { cpus: expect.any(Number), cpuModel: expect.any(String), memoryMb: expect.any(Number), node: process.version },
      total: { ...layerShape, datumsPublished: rangeShape, logLines: rangeShape, logBytes: rangeShape, uniqueMetrics: rangeShape, rssMb: rangeShape, heapUsedMb: rangeShape },
      sqlFloor: { statementsPerRun: expect.any(Number), execMsPerRun: expect.any(Number), planMsPerRun: expect.any(Number), totalMsPerRun: expect.any(Number), wallToFloorRatio: expect.any(Number) },
      peakRssMb: expect.any(Number),
      rssAfterImportMb: expect.any(Number),
      bundles: {
        collector: { bytes: expect.any(Number), coldInit: { importMs: timingShape, processMs: timingShape, samples: 1 } },
        notifier: { bytes: expect.any(Number), coldInit: { importMs: timingShape, processMs: timingShape, samples: 1 } },
      },
      errors: [],
    });
    expect(Object.keys(report.layers!)).toEqual([Layer.Database, Layer.Api, Layer.Tenants, Layer.Security, Layer.Collector, RUN_OVERHEAD]);
    for (const layer of Object.values(report.layers!)) expect(layer).toEqual(layerShape);
    expect(report.targets.map((t) => t.target)).toEqual([
      'collection wall median (ms) at 50 tenants', 'SQL statements per run (max)', 'datums published per run (max)',
      'collector peak RSS (MB)', 'collector bundle (bytes, minified)', 'collector cold init, import median (ms)',
    ]);
    expect(report.config!.pgStatStatementsEntries).toBeGreaterThanOrEqual(STATEMENT_ENTRIES);
  });

  it('issues the same number of statements at both scales, as the server counts them too (only the top statements\' texts may come from the cache)', () => {
    // Assess
    const [small, large] = SCALES.map((t) => reports.get(t)!.report);
    for (const [name, ours] of Object.entries(small!.collectors!)) {
      const theirs = large!.collectors![name]!;
      if (name === STATEMENTS_COLLECTOR) {
        // Its text read is skipped in a run where all ten slowest statements' texts are cached.
        expect([ours.statements.max, theirs.statements.max], name).toEqual([2, 2]);
        expect([ours.statements.min, theirs.statements.min].every((n) => n === 1 || n === 2), name).toBe(true);
        continue;
      }
      expect(ours.statements.min, name).toBe(ours.statements.max);
      expect(theirs.statements, name).toEqual(ours.statements);
    }
    const statements = small!.total!.statements;
    expect(large!.total!.statements.max).toBe(statements.max);
    for (const report of [small!, large!]) {
      expect(report.total!.statements.max - report.total!.statements.min).toBeLessThanOrEqual(1);
      expect(report.layers![RUN_OVERHEAD]!.statements).toEqual({ min: 3, median: 3, max: 3 });
      expect(report.sqlFloor!.statementsPerRun).toBeGreaterThanOrEqual(report.total!.statements.min);
      expect(report.sqlFloor!.statementsPerRun).toBeLessThanOrEqual(report.total!.statements.max);
    }
  });

  it('publishes every run in one request per namespace, within the cost model\'s bound on distinct metrics', () => {
    // Prepare
    const settings = collectorSettingsSchema.parse({ target: 'bench' });
    for (const tenants of SCALES) {
      const { report } = reports.get(tenants)!;
      const bound = countMetrics(publishedMetricSets(settings, boundedDimensionValues(settings, tenants))).perTarget;
      // Assess
      expect(report.total!.putRequests, `${tenants} tenants`).toEqual({ min: NAMESPACES, median: NAMESPACES, max: NAMESPACES });
      expect(report.total!.datumsPublished.max).toBeGreaterThan(0);
      expect(report.total!.uniqueMetrics.max).toBeLessThanOrEqual(bound);
      expect(report.total!.uniqueMetrics.max).toBeLessThanOrEqual(report.total!.datumsPublished.max);
      expect(report.errors).toEqual([]);
    }
  });
});
