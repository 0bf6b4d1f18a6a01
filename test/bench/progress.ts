/**
 * Progress on stderr, so stdout stays the report (its last line the JSON). On a terminal a
 * line is rewritten in place; otherwise (CI, a pipe) a line at most every few seconds.
 */
export interface Progress {
  /** A new phase: its own line. */
  step(message: string): void;
  /** How far the current phase is. */
  update(done: number, total: number, unit: string): void;
  /** Ends the current in-place line. */
  done(message?: string): void;
}

const PIPE_INTERVAL_MS = 5_000;
const PERCENT = 100;

export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let phase = '';
  let started = Date.now();
  let lastLine = 0;
  let open = false;
  const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
  return {
    step(message) {
      if (open) stream.write('\n');
      open = false;
      phase = message;
      started = Date.now();
      lastLine = 0;
      stream.write(`bench: ${message}\n`);
    },
    update(done, total, unit) {
      const line = `bench:   ${phase}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit} (${Math.floor((PERCENT * done) / Math.max(1, total))} %, ${seconds()} s)`;
      if (tty) {
        stream.write(`\r${line}\x1b[K`);
        open = true;
      } else if (Date.now() - lastLine >= PIPE_INTERVAL_MS || done >= total) {
        stream.write(`${line}\n`);
        lastLine = Date.now();
      }
    },
    done(message) {
      if (open) stream.write('\n');
      open = false;
      if (message) stream.write(`bench:   ${message} (${seconds()} s)\n`);
    },
  };
}

/** For tests and --json-only runs that want silence. */
export const silentProgress: Progress = { step: () => undefined, update: () => undefined, done: () => undefined };
