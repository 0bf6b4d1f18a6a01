/**
 * Starts the collector process (collector-process.ts, bundled next to the collector
 * bundle) and invokes its handler one run at a time over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { ChildMessage, RunFigures } from './collector-protocol.js';

const DRIVER_ENTRY = resolve('test/bench/collector-process.ts');
const START_TIMEOUT_MS = 60_000;
/** Lambda's Node.js bootstrap: a tenth of the memory for the new space (two semi-spaces), the rest for the old space. */
const NEW_SPACE_SHARE = 10;
const SEMI_SPACES = 2;

/**
 * The heap limits Lambda's Node.js runtime gives a function of this memory size. Without
 * them V8 on a large machine collects lazily and the process's RSS says little about the
 * memory the function needs.
 */
export function lambdaHeapArgs(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / NEW_SPACE_SHARE);
  return [`--max-semi-space-size=${Math.floor(newSpace / SEMI_SPACES)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

export interface CollectorProcess {
  /** Milliseconds the collector bundle took to import in this process, and the RSS then. */
  readonly importMs: number;
  readonly rssAfterImportKb: number;
  run(): Promise<RunFigures>;
  /** Ends the process; its peak resident set size in kB. */
  stop(): Promise<number>;
}

export async function buildDriver(outdir: string): Promise<string> {
  const outfile = join(outdir, 'collector-process.mjs');
  await build({ entryPoints: [DRIVER_ENTRY], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent' });
  return outfile;
}

export async function startCollectorProcess(driver: string, collectorBundle: string, env: NodeJS.ProcessEnv, memoryMb: number): Promise<CollectorProcess> {
  const child: ChildProcess = fork(driver, [], {
    env: { ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb), BENCH_COLLECTOR_BUNDLE: collectorBundle },
    // Not the benchmark's own flags (tsx's loader): `node` as Lambda runs it. For a
    // profile add BENCH_COLLECTOR_NODE_ARGS='--cpu-prof --cpu-prof-dir=scratch'.
    execArgv: [...lambdaHeapArgs(memoryMb), ...(process.env.BENCH_COLLECTOR_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    // stdout is where Lambda's log lines go: the driver counts them, nobody reads them.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting: { resolve: (m: ChildMessage) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (message: ChildMessage) => {
    const next = waiting.shift();
    if (!next) return;
    if (message.type === 'failed') next.reject(new Error(`collector process: ${message.message}`));
    else next.resolve(message);
  });
  child.on('exit', (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`collector process exited (code ${code}, signal ${signal})`));
  });
  const next = () => new Promise<ChildMessage>((resolveMessage, reject) => waiting.push({ resolve: resolveMessage, reject }));
  const expect = async <T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>> => {
    const message = await next();
    if (message.type !== type) throw new Error(`collector process: expected ${type}, got ${message.type}`);
    return message as Extract<ChildMessage, { type: T }>;
  };

  const timer = setTimeout(() => child.kill(), START_TIMEOUT_MS);
  let ready: Extract<ChildMessage, { type: 'ready' }>;
  try {
    ready = await expect('ready');
  } catch (error) {
    child.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    importMs: ready.importMs,
    rssAfterImportKb: ready.rssKb,
    async run() {
      const reply = expect('ran');
      child.send({ type: 'run' });
      return (await reply).run;
    },
    async stop() {
      const reply = expect('exited');
      const exited = new Promise((done) => child.once('exit', done));
      child.send({ type: 'exit' });
      const { maxRssKb } = await reply;
      await exited;
      return maxRssKb;
    },
  };
}
