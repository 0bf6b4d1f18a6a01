/**
 * The READ ONLY transaction a run's collectors share. One transaction per run instead of
 * one per collector: a collector costs no BEGIN, SET and COMMIT of its own, which were
 * most of a run's statements. Isolation between collectors is kept where it matters:
 * - a failed statement rolls the transaction back and opens a fresh one (the collector's
 *   later statements, and the next collectors, still run);
 * - a failed collector's transaction is rolled back;
 * - statement_timeout is the runtime's: a collector asks through `statementTimeout()`,
 *   and the next collector gets its own again (only a change costs a statement);
 * - a collector whose statements may have changed any other setting (SET, RESET,
 *   set_config) ends the transaction after it, so nothing it set reaches the next one;
 * - a collector may end it early to release the locks its statements hold (`renew`).
 *
 * BEGIN READ ONLY and a first SELECT (which takes the snapshot) always travel together:
 * once a snapshot exists the transaction can no longer be switched to READ WRITE
 * (SQLSTATE 25001), whatever a collector sends.
 */

/** What the transaction needs of the connection: the runtime's own statements in one round trip. */
export interface TransactionControl {
  control(statements: readonly string[]): Promise<void>;
}

/** Statements that may change a setting: matched loosely, a false positive only costs a COMMIT. */
const CHANGES_SETTINGS = /\b(?:set|reset)\b|\bset_config\s*\(/i;

export function mayChangeSettings(text: string): boolean {
  return CHANGES_SETTINGS.test(text);
}

const wholeMs = (ms: number) => Math.max(1, Math.floor(ms));
/** The runtime's statement_timeout for the rest of the transaction (also what the test harness sends). */
export const statementTimeoutSql = (ms: number) => `SELECT set_config('statement_timeout', '${wholeMs(ms)}', true)`;

export class RunTransaction {
  #open = false;
  #timeoutMs: number | undefined;
  #settingsChanged = false;

  constructor(private readonly conn: TransactionControl) {}

  get open(): boolean {
    return this.#open;
  }

  /**
   * Before a collector: a transaction with this statement_timeout, clean of whatever the
   * previous collector set. Costs nothing when one is open with that timeout already.
   */
  async enter(statementTimeoutMs: number): Promise<void> {
    const timeout = wholeMs(statementTimeoutMs);
    if (!this.#open) await this.#begin([], timeout);
    else if (this.#settingsChanged) await this.#begin(['COMMIT'], timeout);
    else if (this.#timeoutMs !== timeout) await this.#setTimeout(timeout);
  }

  /** A collector's own bound for its next statements (e.g. one SQL source's timeout). */
  async statementTimeout(ms: number): Promise<void> {
    if (!this.#open) return this.enter(ms);
    const timeout = wholeMs(ms);
    if (this.#timeoutMs !== timeout) await this.#setTimeout(timeout);
  }

  /**
   * Ends the transaction now and opens the next one with the same statement_timeout: the
   * locks its statements took are released (between the chunks of a perTenant source).
   */
  async renew(): Promise<void> {
    if (!this.#open || this.#timeoutMs === undefined) return;
    await this.#begin(['COMMIT'], this.#timeoutMs);
  }

  /** A statement of a collector that does not restore its settings itself is about to be sent. */
  noteStatement(text: string): void {
    if (mayChangeSettings(text)) this.#settingsChanged = true;
  }

  /** After a failed statement: the transaction is aborted; a fresh one, same timeout. */
  async restart(statementTimeoutMs: number): Promise<void> {
    await this.#begin(['ROLLBACK'], wholeMs(statementTimeoutMs));
  }

  /** A failed or timed-out collector: nothing of it stays. */
  async rollback(): Promise<void> {
    this.#open = false;
    await this.conn.control(['ROLLBACK']);
  }

  /** The run is over: end the transaction (read only: nothing to commit but its end). */
  async end(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.conn.control(['COMMIT']);
  }

  // Until the server confirmed, the state is unknown: a failure leaves the transaction
  // closed (the caller rolls back or drops the connection).

  /** Ends the current transaction (`ending`, if any) and opens a fresh one, in one round trip. */
  async #begin(ending: readonly ('COMMIT' | 'ROLLBACK')[], timeout: number): Promise<void> {
    this.#open = false;
    await this.conn.control([...ending, 'BEGIN READ ONLY', statementTimeoutSql(timeout)]);
    this.#open = true;
    this.#settingsChanged = false;
    this.#timeoutMs = timeout;
  }

  async #setTimeout(timeout: number): Promise<void> {
    this.#open = false;
    await this.conn.control([statementTimeoutSql(timeout)]);
    this.#open = true;
    this.#timeoutMs = timeout;
  }
}
