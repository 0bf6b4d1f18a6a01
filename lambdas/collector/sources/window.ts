/**
 * The interval each SQL source counts over: [where that source's previous window ended,
 * now - settle). Consecutive windows share their boundary, so every event is counted in
 * exactly one run, however irregular the runs are. The ends are kept in the state store,
 * one entry per windowed source, and saved only after the sources ran: a source that
 * failed, or did not get to run, keeps its start and counts the events it missed in its
 * next run that succeeds. Nothing is lost and nothing is counted twice.
 */
import { type CounterTracker, DeltaSkipReason } from '../collector.js';
import { WHOLE_SAMPLE } from '../state/deltas.js';
import type { SourceWindow } from './compile.js';

/** The collector-wide window end earlier releases kept: where a source without its own end starts. */
export const SHARED_WINDOW_KEY = 'window';
/** The counter that holds a window end (epoch ms). */
export const WINDOW_END = 'endMs';
/** The window's clock never resets; a change of this string would start a new baseline. */
const WINDOW_EPOCH = 'source-window/1';
/** A save that did not happen, or lost to another run: this run's windows cannot be trusted. */
const NOT_SAVED: readonly DeltaSkipReason[] = [DeltaSkipReason.StateStoreUnavailable, DeltaSkipReason.BaselineTakenByConcurrentRun];

export function windowEnd(now: Date, settleMs: number): Date {
  return new Date(now.getTime() - settleMs);
}

export interface SourceWindows {
  readonly end: Date;
  /** The source's window, without a start until a previous run recorded where it ends. */
  windowOf(source: string): SourceWindow;
  /** Why no previous ends are known (first run, state store unavailable...). */
  readonly skipReason?: DeltaSkipReason;
}

export async function previousWindows(counters: CounterTracker, now: Date, settleMs: number): Promise<SourceWindows> {
  const end = windowEnd(now, settleMs);
  const previous = await counters.previous(WINDOW_EPOCH);
  const endOf = (key: string) => previous.sample?.[key]?.[WINDOW_END];
  return {
    end,
    ...(previous.skipReason ? { skipReason: previous.skipReason } : {}),
    windowOf(source) {
      const startMs = endOf(source) ?? endOf(SHARED_WINDOW_KEY);
      // A start at or after this end: another run overtook this one; nothing to count yet.
      return startMs !== undefined && startMs < end.getTime() ? { start: new Date(startMs), end } : { end };
    },
  };
}

/**
 * Saves where each windowed source's next window starts (source name -> epoch ms). False
 * when the save failed or another run saved first: this run's windowed counts would then
 * be counted again, and must not be published.
 */
export async function saveWindowStarts(counters: CounterTracker, nextStarts: Readonly<Record<string, number>>): Promise<boolean> {
  const sample = Object.fromEntries(Object.entries(nextStarts).map(([source, ms]) => [source, { [WINDOW_END]: ms }]));
  const saved = await counters.deltas(sample, WINDOW_EPOCH);
  const whole = saved.skipped.find((s) => s.key === WHOLE_SAMPLE);
  return !(whole && NOT_SAVED.includes(whole.reason));
}
