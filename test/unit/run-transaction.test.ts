/**
 * The run's shared READ ONLY transaction (runtime/run-transaction.ts): which of the
 * runtime's own statements each step sends. The server side (one transaction across
 * collectors, settings kept apart) is test/integration/run-transaction.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RunTransaction, mayChangeSettings } from '../../lambdas/collector/runtime/run-transaction.js';

function recorder() {
  const sent: string[][] = [];
  return { sent, tx: new RunTransaction({ control: async (statements) => void sent.push([...statements]) }) };
}

const timeout = (ms: number) => `SELECT set_config('statement_timeout', '${ms}', true)`;

describe('the run transaction', () => {
  it('opens once, then sends nothing for a collector with the same statement timeout', async () => {
    // Prepare
    const { sent, tx } = recorder();
    // Act
    await tx.enter(5_000);
    await tx.enter(5_000);
    await tx.enter(5_000.9);
    // Assess
    expect(sent).toEqual([['BEGIN READ ONLY', timeout(5_000)]]);
    expect(tx.open).toBe(true);
  });

  it('changes only the statement timeout between collectors that need another one', async () => {
    // Prepare
    const { sent, tx } = recorder();
    await tx.enter(5_000);
    // Act
    await tx.enter(2_000);
    await tx.statementTimeout(300);
    await tx.statementTimeout(300);
    await tx.enter(2_000);
    // Assess
    expect(sent).toEqual([['BEGIN READ ONLY', timeout(5_000)], [timeout(2_000)], [timeout(300)], [timeout(2_000)]]);
  });

  it('ends the transaction after a collector whose statements may have changed a setting', async () => {
    // Prepare
    const { sent, tx } = recorder();
    await tx.enter(5_000);
    tx.noteStatement('SET LOCAL work_mem = \'1MB\'');
    // Act
    await tx.enter(5_000);
    await tx.enter(5_000);
    // Assess
    expect(sent).toEqual([['BEGIN READ ONLY', timeout(5_000)], ['COMMIT', 'BEGIN READ ONLY', timeout(5_000)]]);
  });

  it('rolls back and reopens after a failed statement, and opens afresh after a rolled back collector', async () => {
    // Prepare
    const { sent, tx } = recorder();
    await tx.enter(5_000);
    // Act
    await tx.restart(1_234.5);
    await tx.rollback();
    const openAfterRollback = tx.open;
    await tx.enter(5_000);
    await tx.end();
    await tx.end();
    // Assess
    expect(openAfterRollback).toBe(false);
    expect(sent).toEqual([
      ['BEGIN READ ONLY', timeout(5_000)], ['ROLLBACK', 'BEGIN READ ONLY', timeout(1_234)], ['ROLLBACK'],
      ['BEGIN READ ONLY', timeout(5_000)], ['COMMIT'],
    ]);
    expect(tx.open).toBe(false);
  });

  it('counts a transaction as closed when opening it failed', async () => {
    // Prepare
    const tx = new RunTransaction({ control: async () => Promise.reject(new Error('Connection terminated unexpectedly')) });
    // Act
    const error = await tx.enter(5_000).catch((e: Error) => e.message);
    // Assess
    expect(error).toBe('Connection terminated unexpectedly');
    expect(tx.open).toBe(false);
  });

  it.each([
    ['SET LOCAL search_path TO x', true],
    ['  reset all', true],
    ["SELECT set_config('jit', 'off', true)", true],
    ['SELECT SET_CONFIG (\'x\', \'y\', false)', true],
    ['SELECT count(*) FROM t OFFSET 5', false],
    ['SELECT settings, reset_at FROM t', false],
  ])('%s may change a setting: %s', (text, expected) => {
    // Act / Assess
    expect(mayChangeSettings(text)).toBe(expected);
  });
});
