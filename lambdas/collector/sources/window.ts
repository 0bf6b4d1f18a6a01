/**
 * The interval a run's SQL sources count over: [where the previous run's window ended,
 * now - settle). Consecutive windows share their boundary, so every event is counted in
 * exactly one run, however irregular the runs are. The previous end is kept in the state
 * store as a counter: its delta to this run's end is the window's length.
 */
import type { CounterTracker, DeltaSkipReason } from '../collector.js';
import type { SourceWindow } from './compile.js';

const WINDOW_KEY = 'window';
/** The window's clock never resets; a change of this string would start a new baseline. */
const WINDOW_EPOCH = 'source-window/1';

export interface TrackedWindow extends SourceWindow {
  /** Why there is no start (first run, concurrent run, state store unavailable). */
  readonly skipReason?: DeltaSkipReason;
}

export function windowEnd(now: Date, settleMs: number): Date {
  return new Date(now.getTime() - settleMs);
}

export async function trackedWindow(counters: CounterTracker, now: Date, settleMs: number): Promise<TrackedWindow> {
  const end = windowEnd(now, settleMs);
  const deltas = await counters.deltas({ [WINDOW_KEY]: { endMs: end.getTime() } }, WINDOW_EPOCH);
  const length = deltas.entries.get(WINDOW_KEY)?.endMs;
  if (length === undefined || length <= 0) return { end, skipReason: deltas.skipped[0]?.reason };
  return { start: new Date(end.getTime() - length), end };
}
