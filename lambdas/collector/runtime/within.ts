/**
 * A bound on how long the run waits for something it cannot cancel (a state-database
 * exchange, the liveness proof of a kept connection): `work`, or a rejection with
 * `timeout()` once `ms` have passed. The work itself goes on.
 */
export function within<T>(work: Promise<T>, ms: number | undefined, timeout: () => Error): Promise<T> {
  if (ms === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeout()), Math.max(0, ms));
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
