/**
 * A collector's CounterTracker for one run: load the previous sample, compute deltas,
 * save the new sample with the optimistic version check. Whatever goes wrong with the
 * state database, the answer is "no deltas this time" with a reason, never a wrong delta.
 */
import { type CounterSample, type CounterTracker, type Deltas, DeltaSkipReason, type PreviousSample } from '../collector.js';
import type { Logger } from '../../core/log/logger.js';
import { computeDeltas, countSkipped, skipAll } from './deltas.js';
import { epochChangeReason } from './epoch.js';
import type { StateStore, VersionedSample } from './state-store.js';
import { within } from '../runtime/within.js';

export interface TrackerOptions {
  /** The run's state store, or a rejection when it cannot be reached. */
  readonly store: () => Promise<StateStore>;
  readonly target: string;
  readonly collector: string;
  readonly now: Date;
  readonly log: Logger;
  /**
   * How long, from the moment deltas() is called, it may wait for the state store (open,
   * load and save together); default: as long as that takes. A state database that does
   * not answer must cost the collector its deltas, not its gauges.
   */
  readonly storeWaitMs?: () => number;
  /**
   * Return the deltas as soon as the previous sample is loaded and save the new one while
   * the run goes on (`saved()` tells how that went). Only for a collector whose every
   * datum depends on its deltas: if the save then fails, they must all be dropped.
   */
  readonly saveInBackground?: boolean;
}

class StateStoreTimeoutError extends Error {
  override readonly name = 'StateStoreTimeoutError';
}

/** The state store's exchange, bounded by `ms` (the exchange itself goes on). */
function storeWithin<T>(work: Promise<T>, ms: number | undefined): Promise<T> {
  return within(work, ms, () => new StateStoreTimeoutError(`the state database did not answer within ${Math.round(ms ?? 0)} ms`));
}

export interface RunCounterTracker extends CounterTracker {
  /** Entries whose delta was not available in this run (whole-sample skips count every entry). */
  readonly skipped: number;
  /** Entries of the sample taken this run (all of them are lost if the collector then fails). */
  readonly sampled: number;
  /** Whether this run's sample was saved (true when there was nothing to save); waits for a background save. */
  saved(): Promise<boolean>;
}

export function createCounterTracker(options: TrackerOptions): RunCounterTracker {
  let skipped = 0;
  let sampled = 0;
  let used = false;
  let saving: Promise<boolean> = Promise.resolve(true);
  // One load per run, shared by previous() and deltas(): the save is checked against its version.
  let loaded: Promise<{ store: StateStore; previous: VersionedSample | undefined }> | undefined;
  const load = () => (loaded ??= (async () => {
    const store = await options.store();
    return { store, previous: await store.load(options.target, options.collector) };
  })());

  async function previous(epoch: string): Promise<PreviousSample> {
    try {
      const { previous: stored } = await storeWithin(load(), options.storeWaitMs?.());
      if (!stored) return { skipReason: DeltaSkipReason.Baseline };
      const reason = epochChangeReason(stored.epoch, epoch);
      return reason ? { skipReason: reason } : { sample: stored.sample };
    } catch (error) {
      options.log.warn('previous_sample_unavailable', { collector: options.collector, reason: DeltaSkipReason.StateStoreUnavailable, error });
      return { skipReason: DeltaSkipReason.StateStoreUnavailable };
    }
  }

  async function deltas(sample: CounterSample, epoch: string): Promise<Deltas> {
    // One sample per collector per run: a second one would be compared with the first.
    if (used) throw new Error(`collector ${options.collector}: counters.deltas() called twice in one run; merge the samples`);
    used = true;
    sampled = Object.keys(sample).length;
    const current = { sample, epoch, sampledAt: options.now };
    const result = await deltasFromStore(current);
    skipped += countSkipped(result, sample);
    return result;
  }

  async function deltasFromStore(current: { sample: CounterSample; epoch: string; sampledAt: Date }): Promise<Deltas> {
    const { target, collector, log } = options;
    try {
      const exchange = async () => {
        const { store, previous: stored } = await load();
        // Saved even when this run stops waiting: the sample is real and is the next baseline.
        const save = store.save(target, collector, current, stored?.version);
        if (options.saveInBackground) {
          saving = save.then((saved) => {
            if (!saved) log.warn('deltas_dropped', { collector, reason: DeltaSkipReason.BaselineTakenByConcurrentRun });
            return saved;
          }, (error: unknown) => {
            log.warn('deltas_dropped', { collector, reason: DeltaSkipReason.StateStoreUnavailable, error });
            return false;
          });
          return { result: computeDeltas(stored, current), saved: true };
        }
        return { result: computeDeltas(stored, current), saved: await save };
      };
      const { result, saved } = await storeWithin(exchange(), options.storeWaitMs?.());
      if (saved) return result;
      log.warn('deltas_dropped', { collector, reason: DeltaSkipReason.BaselineTakenByConcurrentRun });
      return skipAll(DeltaSkipReason.BaselineTakenByConcurrentRun);
    } catch (error) {
      log.warn('deltas_dropped', { collector, reason: DeltaSkipReason.StateStoreUnavailable, error });
      return skipAll(DeltaSkipReason.StateStoreUnavailable);
    }
  }

  return {
    deltas,
    previous,
    get skipped() {
      return skipped;
    },
    get sampled() {
      return sampled;
    },
    saved: () => saving,
  };
}
