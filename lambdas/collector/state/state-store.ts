/** Where each collector's previous counter sample is kept between runs. */
import type { StoredSample } from './deltas.js';

export interface VersionedSample extends StoredSample {
  /** Bumped on every save; the optimistic-concurrency token. */
  readonly version: number;
}

export interface StateStore {
  load(target: string, collector: string): Promise<VersionedSample | undefined>;
  /**
   * Stores `next` if the stored version is still `expectedVersion` (undefined: no sample
   * yet). Returns false when another run saved first: this run then lost the baseline.
   */
  save(target: string, collector: string, next: StoredSample, expectedVersion: number | undefined): Promise<boolean>;
  close(): Promise<void>;
}
