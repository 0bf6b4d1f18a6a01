/**
 * The normalised query texts of the top_statements log line, kept by a warm Lambda
 * between runs. Reading a text means pg_stat_statements(true), which loads the server's
 * whole query-text file (about 14 ms with 10,000 entries); the ten slowest statements
 * change little from one run to the next, so most runs need no text at all.
 *
 * A text belongs to one entry of one server lifetime: the key holds the target, the
 * counter epoch (server start and statistics reset) and the entry key (queryid, userid,
 * dbid, and stats_since where the server has it). Bounded: least recently used first out.
 */

/** Texts kept (at most about 500 characters each: about 1 MB at most). */
export const STATEMENT_TEXT_CACHE_ENTRIES = 2_000;

export interface StatementTextKey {
  readonly target: string;
  /** counterEpoch() of the statistics the entry comes from. */
  readonly epoch: string;
  /** The entry's key in the statements collector's sample (entryKey()). */
  readonly entry: string;
}

/** Separates the key's parts; none of them contains it (target names are validated, epochs and entry keys are ours). */
const PART_SEPARATOR = '\u0000';

export class StatementTextCache {
  readonly #texts = new Map<string, string>();

  constructor(readonly capacity: number = STATEMENT_TEXT_CACHE_ENTRIES) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`statement text cache: capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.#texts.size;
  }

  get(key: StatementTextKey): string | undefined {
    const id = cacheId(key);
    const text = this.#texts.get(id);
    if (text === undefined) return undefined;
    // A Map iterates in insertion order: moved to the end, the text is the most recently used.
    this.#texts.delete(id);
    this.#texts.set(id, text);
    return text;
  }

  set(key: StatementTextKey, text: string): void {
    const id = cacheId(key);
    this.#texts.delete(id);
    this.#texts.set(id, text);
    while (this.#texts.size > this.capacity) this.#texts.delete(this.#texts.keys().next().value!);
  }

  clear(): void {
    this.#texts.clear();
  }
}

function cacheId(key: StatementTextKey): string {
  return `${key.target}${PART_SEPARATOR}${key.epoch}${PART_SEPARATOR}${key.entry}`;
}

/** The warm Lambda's cache, used by the `statements` collector unless it is given another one. */
export const statementTextCache = new StatementTextCache();
