/**
 * `npm start`: the real collector handler on a local database, its datums in a local sink,
 * the catalog's alarm rules evaluated in memory, and a readable summary per run. With the
 * embedded demo, a round of the demo workload runs before each collection (and one before
 * the baseline, so the statements it runs have a previous sample and get deltas).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { createLocalSink } from '../../collector/publishers/local-sink.js';
import { CollectorEnvVar } from '../../collector/runtime/environment.js';
import { createCollectorHandler } from '../../collector/runtime/handler.js';
import type { RunResult } from '../../collector/runtime/run-result.js';
import { type AlarmEvaluation, evaluateAlarmRules } from '../../core/alarms/evaluate-rules.js';
import { applyEvaluationWindow } from '../../core/alarms/evaluation-window.js';
import { COLLECTOR_TIMEOUT_HEADROOM_MS } from '../../core/config/deployment.js';
import { createLogger } from '../../core/log/logger.js';
import { doctorChecklist } from '../doctor/checklist.js';
import { blockedSession, idleInTransaction, runDemoWorkload, type SessionsHandle } from '../demo/workload.js';
import { type LocalOptions, USAGE, UsageError, parseLocalArgs } from './args.js';
import { type LocalRunPlan, localRunPlan } from './local-plan.js';
import { type LocalTargets, prepareLocalTargets } from './local-targets.js';
import { formatRunSummary } from './summary.js';

/** Where `npm start` writes what CloudWatch and CloudWatch Logs would have received. */
export const LOCAL_OUTPUT_DIR = '.tenantwatch';
export const METRICS_FILE = 'metrics.jsonl';
export const LOG_FILE = 'collector.log';
/** Sessions the demo holds open during a sample, so the session gauges show something. */
const DEMO_IDLE_SESSIONS = 2;
const EXIT_OK = 0;
const EXIT_USAGE = 2;
const EXIT_FAILED = 1;

export interface LocalIo {
  out(text: string): void;
  err(text: string): void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  readonly stopRequested: Promise<void>;
}

interface Collection {
  readonly result: RunResult;
  readonly evaluations: readonly AlarmEvaluation[];
}

function lambdaContext(budgetMs: number): Context {
  const started = Date.now();
  const timeoutMs = budgetMs + COLLECTOR_TIMEOUT_HEADROOM_MS;
  return { awsRequestId: `local-${started}`, functionName: 'tenantwatch-local', getRemainingTimeInMillis: () => timeoutMs - (Date.now() - started) } as Context;
}

/** One round of the demo workload, with sessions held open until the sample is taken. */
async function demoRound(url: string, seed: number): Promise<SessionsHandle[]> {
  await runDemoWorkload(url, { seed });
  return [await idleInTransaction(url, { sessions: DEMO_IDLE_SESSIONS }), await blockedSession(url)];
}

async function release(sessions: readonly SessionsHandle[]): Promise<void> {
  await Promise.allSettled(sessions.map((s) => s.release()));
}

function sleepUnless(ms: number, stop: Promise<void>): Promise<'slept' | 'stopped'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('slept'), ms);
    void stop.then(() => {
      clearTimeout(timer);
      resolve('stopped');
    });
  });
}

async function runWithTargets(options: LocalOptions, plan: LocalRunPlan, targets: LocalTargets, io: LocalIo): Promise<number> {
  const outputDir = join(process.cwd(), LOCAL_OUTPUT_DIR);
  mkdirSync(outputDir, { recursive: true });
  const logFile = join(outputDir, LOG_FILE);
  const metricsFile = join(outputDir, METRICS_FILE);
  // Each `npm start` begins with empty files: they hold this session's output only.
  for (const file of [logFile, metricsFile]) writeFileSync(file, '');
  const sink = createLocalSink({ file: metricsFile });
  const log = createLogger({ service: 'tenantwatch-collector', write: (line) => appendFileSync(logFile, line + '\n') });
  const handler = createCollectorHandler({
    env: {
      [CollectorEnvVar.Settings]: JSON.stringify(plan.settings),
      [CollectorEnvVar.DatabaseUrl]: targets.productionUrl,
      [CollectorEnvVar.StateDatabaseUrl]: targets.stateUrl,
    },
    sink: () => sink,
    log,
    // As the deployed Lambda: one connection from run to run.
    keepConnection: true,
  });
  try {
    return await collectLoop(handler, { options, plan, targets, io });
  } finally {
    await handler.closeConnection();
  }
}

type LocalHandler = ReturnType<typeof createCollectorHandler>;

async function collectLoop(
  handler: LocalHandler,
  { options, plan, targets, io }: { options: LocalOptions; plan: LocalRunPlan; targets: LocalTargets; io: LocalIo },
): Promise<number> {
  // Each run's verdicts, as many runs as the longest M of N looks back: older ones no longer count.
  const runs: AlarmEvaluation[][] = [];
  const longestWindow = Math.max(...plan.rules.map((r) => r.evaluationPeriods));
  const collect = async (): Promise<Collection> => {
    const result = await handler({}, lambdaContext(plan.settings.runBudgetMs));
    runs.push(evaluateAlarmRules(result.datums, { instances: plan.instances, rules: plan.rules }));
    if (runs.length > longestWindow) runs.shift();
    return { result, evaluations: applyEvaluationWindow(runs) };
  };
  const print = (c: Collection, heading: string) => {
    io.out(formatRunSummary(c.result, c.evaluations, heading));
    io.out(`Datums: ${join(LOCAL_OUTPUT_DIR, METRICS_FILE)}  ·  collector log lines (JSON): ${join(LOCAL_OUTPUT_DIR, LOG_FILE)}\n`);
  };
  let seed = 0;
  const workload = async () => (targets.demo ? demoRound(targets.productionUrl, ++seed) : []);
  let collections = 0;

  // Warm-up and baseline: the workload's statements need a previous sample to get deltas.
  if (targets.demo) await runDemoWorkload(targets.productionUrl, { seed: ++seed });
  io.err('baseline sample (counters need a previous sample)');
  const baseline = await collect();
  if (!options.once) print(baseline, 'Baseline collection (counter deltas appear from the next run)');

  for (;;) {
    if (!options.once) {
      io.err(`next collection in ${options.intervalSeconds} s (Ctrl-C to stop)`);
      if ((await sleepUnless(options.intervalSeconds * 1000, io.stopRequested)) === 'stopped') return EXIT_OK;
    }
    const held = await workload();
    let collection: Collection;
    try {
      collection = await collect();
    } finally {
      await release(held);
    }
    collections += 1;
    print(collection, options.once ? 'Collection' : `Collection ${collections}`);
    if (options.once) return EXIT_OK;
  }
}

export async function runLocal(argv: readonly string[], io: LocalIo): Promise<number> {
  let options: LocalOptions;
  try {
    const parsed = parseLocalArgs(argv);
    if (parsed.help) {
      io.out(USAGE);
      return EXIT_OK;
    }
    options = parsed.options;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  let stopping = false;
  void io.stopRequested.then(() => (stopping = true));
  let targets: LocalTargets | undefined;
  try {
    // Config problems first: before any server is started.
    const plan = localRunPlan(options);
    targets = await prepareLocalTargets({ ...options, progress: (m) => io.err(m) });
    // The same prerequisites `npm run doctor` checks; a failure is shown, the run goes on.
    io.out((await doctorChecklist({ databaseUrl: targets.productionUrl, stateDatabaseUrl: targets.stateUrl }, plan.settings)).text);
    return await runWithTargets(options, plan, targets, io);
  } catch (error) {
    // A step cut short by the stop request is not a failure.
    if (stopping) return EXIT_OK;
    io.err(`tenantwatch local run failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILED;
  } finally {
    const stopped = (await targets?.stop()) ?? 0;
    if (stopped > 0) io.err(`stopped ${stopped} embedded PostgreSQL server${stopped === 1 ? '' : 's'}`);
  }
}
