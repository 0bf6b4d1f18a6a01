/**
 * Per-run memoisation of shared reads (tenant discovery, pg_stat_statements): the first
 * success is kept for the run; a failure is not remembered, so the next caller retries
 * (e.g. on its own, fresh transaction after the first caller timed out).
 */
import type { QueryRunner } from '../collector.js';

export function onceSucceeded<T>(work: (db: QueryRunner) => Promise<T>): (db: QueryRunner) => Promise<T> {
  let pending: Promise<T> | undefined;
  return (db) => {
    if (!pending) {
      const attempt = work(db);
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}
