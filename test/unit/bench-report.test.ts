/** The benchmark's pure parts: flags, statistics, per-layer summaries, the SQL floor, targets, the workload's choices. */
import { describe, expect, it } from 'vitest';
import { BenchArgsError, DEFAULT_RUNS, DEFAULT_TENANTS, parseBenchArgs } from '../bench/args.js';
import { CDK_DEFAULT_EXTERNAL_MODULES, esbuildOptions } from '../bench/bundles.js';
import { lambdaHeapArgs } from '../bench/collector-runner.js';
import type { RunFigures } from '../bench/collector-protocol.js';
import { RUN_OVERHEAD, checkTargets, dimensionValues, summariseCollectors, summariseRuns, wallToFloorRatio } from '../bench/report.js';
import { serverSettings } from '../bench/scale-database.js';
import { floorBetween, type StatementSnapshot } from '../bench/sql-floor.js';
import { STATEMENT_SHAPES, populationSql, shapesPerTenant } from '../bench/statement-population.js';
import { median, percentile, range, timing } from '../bench/stats.js';
import { crossTenantSql, nthPair, replayedTenants, statsSettleMs } from '../bench/tick-workload.js';
import { planDemo } from '../../lambdas/local/demo/index.js';

describe('bench flags', () => {
  it('defaults to 1,000 tenants and 20 runs on PostgreSQL 18', () => {
    // Act
    const args = parseBenchArgs([]);
    // Assess
    expect(args).toMatchObject({ tenants: DEFAULT_TENANTS, runs: DEFAULT_RUNS, warmup: 2, bundleOnly: false, jsonOnly: false, major: 18, record: false, memoryMb: 256, settings: {} });
  });

  it('reads every flag', () => {
    // Act
    const args = parseBenchArgs(['--tenants', '10_000', '--runs', '5', '--warmup', '1', '--bundle', '--json-only', '--major', '14',
      '--cold-starts', '3', '--statements', '500', '--cache-dir', '/tmp/x', '--record', '--settings', '{"topTenants":10}', '--memory', '512']);
    // Assess
    expect(args).toEqual({
      tenants: 10_000, runs: 5, warmup: 1, bundleOnly: true, jsonOnly: true, major: 14, coldStarts: 3, statementEntries: 500,
      cacheDir: '/tmp/x', record: true, memoryMb: 512, settings: { topTenants: 10 }, help: false,
    });
  });

  it.each([
    [['--tenants'], '--tenants needs a value'],
    [['--tenants', '0'], '--tenants must be an integer from 1 to 20000, got 0'],
    [['--runs', 'many'], '--runs must be an integer from 1 to 1000, got many'],
    [['--warmup', '0'], '--warmup must be an integer from 1 to 1000, got 0'],
    [['--major', '15'], '--major must be one of 14, 16, 18, got 15'],
    [['--settings', '[1]'], '--settings must be a JSON object of collector settings'],
    [['--settings', '{'], '--settings must be JSON'],
    [['--tenant', '5'], 'unknown flag --tenant'],
  ])('refuses %j: %s', (argv, message) => {
    // Act / Assess
    expect(() => parseBenchArgs(argv)).toThrow(BenchArgsError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('statistics', () => {
  it('takes the median and the nearest-rank p95 of what was measured', () => {
    // Prepare
    const twenty = Array.from({ length: 20 }, (_, i) => 20 - i);
    // Act / Assess
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile(twenty, 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
    expect(timing([10.04, 30, 20])).toEqual({ median: 20, p95: 30 });
    expect(range([5, 3, 9, 4])).toEqual({ min: 3, median: 4.5, max: 9 });
    expect(() => median([])).toThrow('statistics of no values');
  });
});

function run(overrides: Partial<RunFigures> & Pick<RunFigures, 'wallMs'>): RunFigures {
  return {
    durationMs: overrides.wallMs - 1, databaseUp: true, statements: 10, rows: 100,
    layers: {
      database: { durationMs: 30, statements: 6, rows: 60, datums: 4, collectors: 2, failed: 0 },
      tenants: { durationMs: 50, statements: 3, rows: 40, datums: 3, collectors: 1, failed: 0 },
      collector: { durationMs: 0, statements: 0, rows: 0, datums: 7, collectors: 0, failed: 0 },
    },
    collectors: [
      { name: 'database-stats', layer: 'database', status: 'ok', durationMs: 10, statements: 3, rows: 1 },
      { name: 'statements', layer: 'database', status: 'ok', durationMs: 20, statements: 3, rows: 59 },
      { name: 'tenant-activity', layer: 'tenants', status: 'ok', durationMs: 50, statements: 3, rows: 40 },
    ],
    datums: 14, metricDatumsSent: 15, putRequests: 3, bytesSent: 900, datumsLost: 0, errors: [], logLines: 4, logBytes: 4_000,
    rssKb: 102_400, heapUsedKb: 20_480, uniqueMetrics: 14, dimensionValues: { Database: 1, State: 6 },
    ...overrides,
  };
}

const traffic = [
  { namespace: 'TenantWatch/Database', requests: 1, wireBytes: 400 },
  { namespace: 'TenantWatch/Tenants', requests: 1, wireBytes: 300 },
  { namespace: 'TenantWatch/Collector', requests: 1, wireBytes: 200 },
];

describe('per-layer summary', () => {
  it('gives each layer its wall time, statements, rows, datums and CloudWatch traffic, and the run its own overhead', () => {
    // Prepare
    const runs = [run({ wallMs: 100 }), run({ wallMs: 120, statements: 11, collectors: [] })];
    // Act
    const { layers, total } = summariseRuns(runs, [traffic, traffic]);
    // Assess
    expect(Object.keys(layers)).toEqual(['database', 'tenants', 'collector', RUN_OVERHEAD]);
    expect(layers.database).toEqual({
      wallMs: { median: 30, p95: 30 }, statements: { min: 6, median: 6, max: 6 }, rows: { min: 60, median: 60, max: 60 },
      datums: { min: 4, median: 4, max: 4 }, putRequests: { min: 1, median: 1, max: 1 }, bytesSent: { min: 400, median: 400, max: 400 },
    });
    expect(layers[RUN_OVERHEAD]).toMatchObject({ wallMs: { median: 30, p95: 40 }, statements: { min: 1, median: 1.5, max: 2 }, rows: { min: 0, median: 0, max: 0 } });
    expect(total).toMatchObject({
      wallMs: { median: 110, p95: 120 }, statements: { min: 10, median: 10.5, max: 11 }, datumsPublished: { min: 15, median: 15, max: 15 },
      putRequests: { min: 3, median: 3, max: 3 }, logBytes: { min: 4_000, median: 4_000, max: 4_000 }, rssMb: { min: 100, median: 100, max: 100 },
    });
  });

  it('summarises each collector and counts the runs it was not ok', () => {
    // Prepare
    const failed = run({ wallMs: 90 });
    const runs = [run({ wallMs: 100 }), { ...failed, collectors: failed.collectors.map((c) => (c.name === 'statements' ? { ...c, status: 'failed' } : c)) }];
    // Act
    const collectors = summariseCollectors(runs);
    // Assess
    expect(Object.keys(collectors)).toEqual(['database-stats', 'statements', 'tenant-activity']);
    expect(collectors.statements).toEqual({ layer: 'database', wallMs: { median: 20, p95: 20 }, statements: { min: 3, median: 3, max: 3 }, rows: { min: 59, median: 59, max: 59 }, notOk: 1 });
  });

  it('needs one traffic record per run', () => {
    // Act / Assess
    expect(() => summariseRuns([run({ wallMs: 1 })], [])).toThrow('one traffic record per run');
  });

  it('keeps the largest number of distinct values per dimension', () => {
    // Act / Assess
    expect(dimensionValues([run({ wallMs: 1, dimensionValues: { State: 6, Tenant: 20 } }), run({ wallMs: 1, dimensionValues: { Tenant: 25 } })]))
      .toEqual({ State: 6, Tenant: 25 });
  });
});

describe('SQL floor', () => {
  const entry = (calls: number, execMs: number, planMs: number, query = 'q') => ({ calls, execMs, planMs, query });

  it('is the per-run difference of two pg_stat_statements snapshots, costliest statements first', () => {
    // Prepare
    const before: StatementSnapshot = new Map([['1/true', entry(10, 100, 10, 'old')], ['2/true', entry(5, 5, 0, 'idle')]]);
    const after: StatementSnapshot = new Map([['1/true', entry(14, 140, 18, 'old')], ['2/true', entry(5, 5, 0, 'idle')], ['3/true', entry(2, 60, 2, 'new')]]);
    // Act
    const floor = floorBetween(before, after, 2);
    // Assess
    expect(floor).toEqual({
      statementsPerRun: 3, execMsPerRun: 50, planMsPerRun: 5, totalMsPerRun: 55,
      top: [
        { query: 'new', callsPerRun: 1, execMsPerRun: 30, planMsPerRun: 1 },
        { query: 'old', callsPerRun: 2, execMsPerRun: 20, planMsPerRun: 4 },
      ],
    });
    expect(wallToFloorRatio(110, floor)).toBe(2);
    expect(wallToFloorRatio(110, { ...floor, totalMsPerRun: 0 })).toBe(0);
  });
});

describe('targets', () => {
  it('checks the 1,000-tenant limits up to 1,000 tenants and the 10,000-tenant wall time above', () => {
    // Prepare
    const { total } = summariseRuns([run({ wallMs: 240, statements: 26 })], [traffic]);
    const bundles = {
      collector: { bytes: 600_000, coldInit: { importMs: { median: 310, p95: 400 }, processMs: { median: 400, p95: 500 }, samples: 3 } },
      notifier: { bytes: 500_000, coldInit: { importMs: { median: 100, p95: 120 }, processMs: { median: 200, p95: 220 }, samples: 3 } },
    };
    const config = { tenants: 1_000, runs: 1, warmup: 1, postgres: 18, lambdaMemoryMb: 256, settings: {}, pgStatStatementsEntries: 10_000, serverSettings: {}, scaleDatabase: { built: false, buildMs: 0 } };
    // Act
    const at1000 = checkTargets({ config, total, peakRssMb: 150, bundles });
    const at10000 = checkTargets({ config: { ...config, tenants: 10_000 }, total, bundles });
    // Assess
    expect(at1000.map((c) => [c.target, c.measured, c.limit, c.met])).toEqual([
      ['collection wall median (ms) at 1000 tenants', 240, 250, true],
      ['SQL statements per run (max)', 26, 25, false],
      ['datums published per run (max)', 15, 1_000, true],
      ['collector peak RSS (MB)', 150, 150, true],
      ['collector bundle (bytes, minified)', 600_000, 1_000_000, true],
      ['collector cold init, import median (ms)', 310, 300, false],
    ]);
    expect(at10000[0]).toEqual({ target: 'collection wall median (ms) at 10000 tenants', measured: 240, limit: 1_500, met: true });
  });
});

describe('the workload', () => {
  it('lets PostgreSQL 14\'s statistics collector catch up after a tick; 15 and later need no wait', () => {
    // Act / Assess
    expect([14, 16, 18].map(statsSettleMs)).toEqual([1_000, 0, 0]);
  });

  it('gives every tick a new pair of tenants, in order', () => {
    // Act
    const pairs = Array.from({ length: 7 }, (_, k) => nthPair(k, 4));
    // Assess
    expect(pairs).toEqual([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3], [0, 1]]);
    expect(() => nthPair(0, 1)).toThrow('a pair needs two tenants');
  });

  it('names each cross-tenant statement with aliases of its tick (PostgreSQL 18 keys entries by alias)', () => {
    // Act / Assess
    expect(crossTenantSql('tenant_a', 'tenant "b"', 3)).toBe(
      'SELECT count(*) AS shared_emails FROM "tenant_a".employees a3 JOIN "tenant ""b""".employees b3 ON a3.email = b3.email',
    );
  });

  it('fills pg_stat_statements with tenants x shapes entries, each tenant\'s statements under their own aliases', () => {
    // Act
    const sql = populationSql([{ schema: 'tenant_x', index: 7 }], 3);
    // Assess
    expect(shapesPerTenant(10_000, 1_000)).toBe(10);
    expect(shapesPerTenant(10_000, 10_000)).toBe(1);
    expect(shapesPerTenant(10_000, 50)).toBe(STATEMENT_SHAPES.length);
    expect(shapesPerTenant(0, 50)).toBe(0);
    expect(sql).toBe([
      `SELECT set_config('search_path', '"tenant_x"', false);`,
      'SELECT count(id) FROM departments departments_7;',
      'SELECT count(id) FROM employees employees_7;',
      'SELECT count(id) FROM pay_schedules pay_schedules_7;',
    ].join('\n'));
  });

  it('calls a window of the population again each tick, moving on by the window', () => {
    // Prepare
    const plan = planDemo(300, 1);
    // Act
    const first = replayedTenants(plan, 10, 0);
    const second = replayedTenants(plan, 10, 1);
    const wrapped = replayedTenants(plan, 10, 2);
    // Assess
    expect(first.map((t) => t.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(second[0]).toEqual({ schema: plan.tenants[100]!.schema, index: 100 });
    expect(wrapped.at(-1)!.index).toBe(299);
    expect(replayedTenants(plan, 0, 0)).toEqual([]);
  });
});

describe('the benchmark server', () => {
  it('keeps room for the statement population and a lock table for the tenant count (the default up to 1,000 tenants)', () => {
    // Act / Assess
    expect(serverSettings(10_000, 1_000)).toEqual({ 'pg_stat_statements.max': 15_000, 'pg_stat_statements.track_planning': 'on', max_locks_per_transaction: 64 });
    expect(serverSettings(10_000, 10_000)).toMatchObject({ max_locks_per_transaction: 600 });
    expect(serverSettings(400, 50)).toMatchObject({ 'pg_stat_statements.max': 5_400, max_locks_per_transaction: 64 });
  });
});

describe('the collector process', () => {
  it('gets the heap limits Lambda\'s Node.js runtime gives the function\'s memory size', () => {
    // Act / Assess
    expect(lambdaHeapArgs(256)).toEqual(['--max-semi-space-size=12', '--max-old-space-size=231']);
    expect(lambdaHeapArgs(1024)).toEqual(['--max-semi-space-size=51', '--max-old-space-size=922']);
  });
});

describe('bundling like NodejsFunction', () => {
  it('turns the constructs\' bundling options into esbuild options', () => {
    // Act
    const esm = esbuildOptions({ minify: true, sourceMap: false, target: 'node24', format: 'esm' as never, mainFields: ['module', 'main'], banner: '// b', externalModules: ['pg-native'] }, 'entry.ts', '/out');
    const cjs = esbuildOptions({ minify: true, target: 'node24', format: 'cjs' as never }, 'entry.ts', '/out');
    // Assess
    expect(esm).toEqual({
      entryPoints: ['entry.ts'], outfile: '/out/index.mjs', bundle: true, platform: 'node', format: 'esm', target: 'node24', minify: true, sourcemap: false,
      mainFields: ['module', 'main'], banner: { js: '// b' }, external: ['pg-native'], logLevel: 'silent',
    });
    expect(cjs).toMatchObject({ outfile: '/out/index.js', format: 'cjs', external: [...CDK_DEFAULT_EXTERNAL_MODULES] });
  });
});
