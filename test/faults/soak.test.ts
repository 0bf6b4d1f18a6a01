/**
 * Soak: 200 consecutive collection runs in one warm Lambda execution environment (one
 * handler, one CloudWatch sink) against the demo database, every collector, publishing
 * over HTTP to the fake CloudWatch. Nothing may accumulate between runs:
 * - database sessions: after every run, no tenantwatch session (production or state) is
 *   left open on the server;
 * - file descriptors of this process: the same after the 200 runs as after the warm-up;
 * - memory: the heap after a full GC grows by less than HEAP_GROWTH_LIMIT_BYTES over the
 *   200 runs (keeping one run's result per run would exceed it several times over).
 * The demo is small (2 tenants) so that 200 runs fit in about a minute on 2 shared cores.
 */
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCollectors } from '../../lambdas/collector/collectors/index.js';
import { APPLICATION_NAME } from '../../lambdas/collector/runtime/pg-client.js';
import { STATE_APPLICATION_NAME } from '../../lambdas/collector/runtime/pg-client.js';
import { DEFAULT_POSTGRES_MAJOR } from '../../lambdas/local/embedded-postgres.js';
import { type FaultBed, startFaultBed } from '../support/fault-bed.js';
import { type CollectorLambda, collectorLambda, receivedValue } from '../support/fault-lambda.js';

const RUNS = 200;
const WARM_UP_RUNS = 10;
const DEMO_TENANTS = 2;
/**
 * 3 MiB over 200 runs, about 15 KiB per run: one run's datums and log lines are several times
 * that. Measured: 0.4 to 1.1 MiB, flat from 50 to 400 runs (caches filling, not a leak).
 */
const HEAP_GROWTH_LIMIT_BYTES = 3 * 1024 * 1024;
/** A closed session can stay in pg_stat_activity for a moment after the client has gone. */
const SESSION_GONE_WAIT_MS = 2_000;
const POLL_MS = 10;
const SOAK_TIMEOUT_MS = 240_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  // Twice: the first pass may only queue finalizers that free more on the second.
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const openFileDescriptors = () => readdirSync('/proc/self/fd').length;

describe('soak: 200 collection runs in one warm Lambda', () => {
  let bed: FaultBed;
  let admin: pg.Client;
  let lambda: CollectorLambda;

  beforeAll(async () => {
    bed = await startFaultBed({ major: DEFAULT_POSTGRES_MAJOR, tenants: DEMO_TENANTS });
    admin = new pg.Client({ connectionString: bed.server.url(), application_name: 'soak-observer' });
    await admin.connect();
    lambda = collectorLambda({ cloudwatch: bed.cloudwatch, env: bed.env });
  });
  afterAll(async () => {
    lambda?.close();
    await admin?.end();
    await bed?.stop();
  });

  /** tenantwatch sessions still open on the server, after waiting briefly for closing ones to go. */
  async function tenantwatchSessions(): Promise<number> {
    const deadline = Date.now() + SESSION_GONE_WAIT_MS;
    for (;;) {
      const { rows } = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ANY($1::text[])', [[APPLICATION_NAME, STATE_APPLICATION_NAME]]);
      const open = rows[0]!.n;
      if (open === 0 || Date.now() > deadline) return open;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async function run(): Promise<{ ok: boolean; lost: number; sessionsLeft: number }> {
    const { result, received } = await lambda.invoke();
    lambda.forgetLogs();
    bed.cloudwatch.reset();
    return {
      ok: result.collectors.length === allCollectors.length && result.collectors.every((c) => c.status === 'ok') && receivedValue(received, 'CollectorRuns') === 1,
      lost: result.publish.datumsLost,
      sessionsLeft: await tenantwatchSessions(),
    };
  }

  it('leaves no session, file descriptor or heap growth behind', { timeout: SOAK_TIMEOUT_MS }, async () => {
    // Prepare: warm up (JIT, SDK client, keep-alive socket, prepared caches), then measure.
    for (let i = 0; i < WARM_UP_RUNS; i++) await run();
    const sessionsBefore = await tenantwatchSessions();
    const fdsBefore = openFileDescriptors();
    const heapBefore = heapAfterGc();
    // Act
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await run());
    // Assess
    const fdsAfter = openFileDescriptors();
    const heapGrowth = heapAfterGc() - heapBefore;
    console.info(`soak: ${RUNS} runs, heap growth ${heapGrowth} bytes, file descriptors ${fdsBefore} -> ${fdsAfter}`);
    expect(sessionsBefore).toBe(0);
    expect(runs.filter((r) => !r.ok)).toEqual([]);
    expect(runs.reduce((n, r) => n + r.lost, 0)).toBe(0);
    expect(runs.map((r) => r.sessionsLeft)).toEqual(runs.map(() => 0));
    expect(fdsAfter).toBe(fdsBefore);
    expect(heapGrowth).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);
  });
});
