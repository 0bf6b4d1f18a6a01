/**
 * The benchmark, end to end: bundle both Lambdas as CDK does, open (or build) the scale
 * database, run the real collector handler from its bundle in a process of its own,
 * publishing through the real CloudWatch sink to the local CloudWatch endpoint, W warm-up
 * and R measured runs with one tick of application workload before each, then the SQL
 * floor, the peak RSS and the cold starts.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CollectorEnvVar } from '../../lambdas/collector/runtime/environment.js';
import { FAKE_AWS_CREDENTIALS, FAKE_AWS_REGION, type FakeCloudWatch, startFakeCloudWatch } from '../support/fake-cloudwatch.js';
import type { BenchArgs } from './args.js';
import { type ColdInit, type LambdaBundle, type LambdaName, buildLambdaBundles, measureColdInit } from './bundles.js';
import type { RunFigures } from './collector-protocol.js';
import { buildDriver, startCollectorProcess } from './collector-runner.js';
import type { Progress } from './progress.js';
import {
  type BenchReport, type Machine, type NamespaceTraffic, REPORT_FORMAT, bundleSummaries, checkTargets, dimensionValues, peakRssMb, summariseCollectors, summariseRuns, wallToFloorRatio,
} from './report.js';
import { BENCH_DATABASE, COLLECTOR_ROLE, type ScaleDatabase, openScaleDatabase } from './scale-database.js';
import { type StatementSnapshot, floorBetween, snapshotStatements } from './sql-floor.js';
import { statsSettleMs, tickWorkload } from './tick-workload.js';

/** The collector's target name in the benchmark (default config otherwise). */
export const BENCH_TARGET = 'bench';
const MB = 1024 * 1024;
const LOAD_DECIMALS = 2;

export type BenchOptions = Pick<BenchArgs, 'tenants' | 'runs' | 'warmup' | 'bundleOnly' | 'major' | 'coldStarts' | 'statementEntries' | 'cacheDir' | 'settings' | 'memoryMb'>;

export function machine(loadAtStart: readonly number[]): Machine {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryMb: Math.round(totalmem() / MB),
    node: process.version,
    loadAverage: { start: loadAtStart, end: currentLoad() },
  };
}

const currentLoad = () => loadavg().map((l) => Number(l.toFixed(LOAD_DECIMALS)));

/** The collector Lambda's environment: default settings, the two databases, CloudWatch at the local endpoint. */
function collectorEnvironment(db: ScaleDatabase, cloudwatch: FakeCloudWatch, settings: BenchOptions['settings']): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TZ: 'UTC',
    [CollectorEnvVar.Settings]: JSON.stringify({ ...settings, target: BENCH_TARGET }),
    [CollectorEnvVar.DatabaseUrl]: db.collectorUrl,
    [CollectorEnvVar.StateDatabaseUrl]: db.stateUrl,
    AWS_REGION: FAKE_AWS_REGION,
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
  };
}

function trafficOf(cloudwatch: FakeCloudWatch): NamespaceTraffic[] {
  const byNamespace = new Map<string, { requests: number; wireBytes: number }>();
  for (const r of cloudwatch.requests) {
    const ns = r.namespace ?? 'unknown';
    const t = byNamespace.get(ns) ?? { requests: 0, wireBytes: 0 };
    t.requests += 1;
    t.wireBytes += r.wireBytes;
    byNamespace.set(ns, t);
  }
  return [...byNamespace].map(([namespace, t]) => ({ namespace, ...t }));
}

async function coldStarts(bundles: Readonly<Record<LambdaName, LambdaBundle>>, samples: number, progress: Progress): Promise<Record<LambdaName, ColdInit>> {
  progress.step(`cold init: ${samples} fresh Node processes per Lambda`);
  const env = { PATH: process.env.PATH, TZ: 'UTC' };
  const collector = await measureColdInit(bundles.collector, samples, env);
  const notifier = await measureColdInit(bundles.notifier, samples, env);
  progress.done();
  return { collector, notifier };
}

interface Measured {
  readonly runs: RunFigures[];
  readonly traffic: NamespaceTraffic[][];
  readonly floor: ReturnType<typeof floorBetween>;
  readonly maxRssKb: number;
  readonly rssAfterImportKb: number;
}

async function measureCollection(db: ScaleDatabase, driver: string, bundle: LambdaBundle, options: BenchOptions, progress: Progress): Promise<Measured> {
  const cloudwatch = await startFakeCloudWatch();
  try {
    const collector = await startCollectorProcess(driver, bundle.file, collectorEnvironment(db, cloudwatch, options.settings), options.memoryMb);
    let stopped = false;
    try {
      const runs: RunFigures[] = [];
      const traffic: NamespaceTraffic[][] = [];
      const total = options.warmup + options.runs;
      let before: StatementSnapshot = new Map();
      progress.step(`collection: ${options.warmup} warm-up + ${options.runs} measured runs, one tick of workload before each`);
      for (let i = 0; i < total; i++) {
        if (i > 0) {
          await tickWorkload(db.adminUrl, db.plan, db.shapesPerTenant, i - 1);
          await sleep(statsSettleMs(options.major));
        }
        if (i === options.warmup) before = await snapshotStatements(db.adminUrl, COLLECTOR_ROLE, BENCH_DATABASE);
        cloudwatch.reset();
        const run = await collector.run();
        if (i >= options.warmup) {
          runs.push(run);
          traffic.push(trafficOf(cloudwatch));
        }
        progress.update(i + 1, total, 'runs');
      }
      const after = await snapshotStatements(db.adminUrl, COLLECTOR_ROLE, BENCH_DATABASE);
      stopped = true;
      const maxRssKb = await collector.stop();
      progress.done();
      return { runs, traffic, floor: floorBetween(before, after, options.runs), maxRssKb, rssAfterImportKb: collector.rssAfterImportKb };
    } finally {
      if (!stopped) await collector.stop().catch(() => undefined);
    }
  } finally {
    await cloudwatch.stop();
  }
}

export async function runBenchmark(options: BenchOptions, progress: Progress): Promise<BenchReport> {
  const loadAtStart = currentLoad();
  await mkdir(resolve('.tenantwatch'), { recursive: true });
  // Inside the repository, so the bundles resolve the AWS SDK from node_modules as Lambda's runtime provides it.
  const buildDir = await mkdtemp(resolve('.tenantwatch', 'bench-build-'));
  try {
    progress.step('bundling the collector and notifier Lambdas with the constructs\' esbuild options');
    const bundles = await buildLambdaBundles(buildDir);
    const driver = await buildDriver(buildDir);
    progress.done();

    if (options.bundleOnly) {
      const bundleFigures = bundleSummaries(bundles, await coldStarts(bundles, options.coldStarts, progress));
      const partial = { bundles: bundleFigures };
      return { benchmark: 'tenantwatch-collection', format: REPORT_FORMAT, machine: machine(loadAtStart), ...partial, errors: [], targets: checkTargets(partial) };
    }

    const db = await openScaleDatabase({ ...options, progress });
    let measured: Measured;
    try {
      measured = await measureCollection(db, driver, bundles.collector, options, progress);
    } finally {
      await db.server.stop();
    }
    const bundleFigures = bundleSummaries(bundles, await coldStarts(bundles, options.coldStarts, progress));
    const { layers, total } = summariseRuns(measured.runs, measured.traffic);
    const report = {
      config: {
        tenants: options.tenants, runs: options.runs, warmup: options.warmup, postgres: options.major, settings: options.settings, lambdaMemoryMb: options.memoryMb,
        pgStatStatementsEntries: db.statementEntries, serverSettings: db.serverSettings, scaleDatabase: { built: db.built, buildMs: db.buildMs },
      },
      layers, total, collectors: summariseCollectors(measured.runs),
      sqlFloor: { ...measured.floor, wallToFloorRatio: wallToFloorRatio(total.wallMs.median, measured.floor) },
      peakRssMb: peakRssMb(measured.maxRssKb),
      rssAfterImportMb: peakRssMb(measured.rssAfterImportKb),
      dimensionValues: dimensionValues(measured.runs),
      bundles: bundleFigures,
    };
    return {
      benchmark: 'tenantwatch-collection', format: REPORT_FORMAT, machine: machine(loadAtStart), ...report,
      errors: [...new Set(measured.runs.flatMap((r) => r.errors))],
      targets: checkTargets(report),
    };
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}
