/**
 * The Lambda bundles as CDK builds them (the constructs' own bundling options, turned into
 * esbuild options the way NodejsFunction does), their sizes, and their cold
 * initialisation: a fresh Node process importing the bundle until the handler is there.
 */
import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build } from 'esbuild';
import { type Timing, timing } from './stats.js';

const run = promisify(execFile);

/** NodejsFunction's externals when none are given, on Node.js 18 and later runtimes: the SDK the runtime ships. */
export const CDK_DEFAULT_EXTERNAL_MODULES: readonly string[] = ['@aws-sdk/*'];
/** The collector Lambda's entry (lib/tenantwatch-stack.ts bundles the same file). */
export const COLLECTOR_ENTRY = resolve('lambdas/collector/index.ts');
const COLD_INIT_TIMEOUT_MS = 30_000;

export const LambdaName = { Collector: 'collector', Notifier: 'notifier' } as const;
export type LambdaName = (typeof LambdaName)[keyof typeof LambdaName];

export interface LambdaBundle {
  readonly name: LambdaName;
  readonly file: string;
  readonly format: 'esm' | 'cjs';
  readonly bytes: number;
}

/** NodejsFunction's esbuild invocation for these bundling options (index.mjs for ESM, index.js otherwise). */
export function esbuildOptions(bundling: BundlingOptions, entry: string, outdir: string): BuildOptions & { outfile: string; format: 'esm' | 'cjs' } {
  const format = bundling.format === 'esm' ? 'esm' : 'cjs';
  return {
    entryPoints: [entry],
    outfile: join(outdir, format === 'esm' ? 'index.mjs' : 'index.js'),
    bundle: true,
    platform: 'node',
    format,
    ...(bundling.target ? { target: bundling.target } : {}),
    minify: bundling.minify ?? false,
    sourcemap: bundling.sourceMap ?? false,
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    external: [...(bundling.externalModules ?? CDK_DEFAULT_EXTERNAL_MODULES)],
    logLevel: 'silent',
  };
}

/**
 * Both Lambdas, with the constructs' options. lib/ is loaded only here (it pulls in the
 * CDK), so the database part of the benchmark does not pay for it.
 */
export async function buildLambdaBundles(outdir: string): Promise<Record<LambdaName, LambdaBundle>> {
  const [{ COLLECTOR_BUNDLING }, { NOTIFIER_BUNDLING, NOTIFIER_ENTRY }] = await Promise.all([
    import('../../lib/constructs/collector.js'),
    import('../../lib/constructs/notifier.js'),
  ]);
  const one = async (name: LambdaName, bundling: BundlingOptions, entry: string): Promise<LambdaBundle> => {
    const options = esbuildOptions(bundling, entry, resolve(outdir, name));
    const result = await build(options);
    if (result.errors.length) throw new Error(`esbuild ${name}: ${result.errors.map((e) => e.text).join('; ')}`);
    // A Lambda asset has no package.json: index.js is CommonJS there, not an ES module as in this repository.
    if (options.format === 'cjs') await writeFile(join(resolve(outdir, name), 'package.json'), JSON.stringify({ type: 'commonjs' }));
    return { name, file: options.outfile, format: options.format, bytes: (await stat(options.outfile)).size };
  };
  const [collector, notifier] = await Promise.all([
    one(LambdaName.Collector, COLLECTOR_BUNDLING, COLLECTOR_ENTRY),
    one(LambdaName.Notifier, NOTIFIER_BUNDLING, NOTIFIER_ENTRY),
  ]);
  return { collector, notifier };
}

/** Evaluated by a fresh `node`: load the bundle, check the handler, print the time it took. */
function coldInitScript(bundle: LambdaBundle): string {
  const load = bundle.format === 'esm'
    ? `await import(${JSON.stringify(pathToFileURL(bundle.file).href)})`
    : `(await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(bundle.file)})`;
  return `const started = performance.now();
const mod = ${load};
if (typeof mod.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ importMs: performance.now() - started }));`;
}

export interface ColdInit {
  /** From the first line of the importer to the handler being exported (module evaluation). */
  readonly importMs: Timing;
  /** From spawning `node` to its exit after the import (Node's own start-up included). */
  readonly processMs: Timing;
  readonly samples: number;
}

export async function measureColdInit(bundle: LambdaBundle, samples: number, env: NodeJS.ProcessEnv = process.env): Promise<ColdInit> {
  const imports: number[] = [];
  const processes: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', coldInitScript(bundle)], {
      env, cwd: resolve(bundle.file, '..'), timeout: COLD_INIT_TIMEOUT_MS,
    });
    processes.push(performance.now() - started);
    imports.push((JSON.parse(stdout) as { importMs: number }).importMs);
  }
  return { importMs: timing(imports), processMs: timing(processes), samples };
}
