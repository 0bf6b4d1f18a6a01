import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaSkipReason } from '../../lambdas/collector/collector.js';
import { createCounterTracker } from '../../lambdas/collector/state/counter-tracker.js';
import { WHOLE_SAMPLE } from '../../lambdas/collector/state/deltas.js';
import { counterEpoch } from '../../lambdas/collector/state/epoch.js';
import {
  COUNTER_SAMPLES_TABLE, MIGRATION_FILE, MONITORING_SCHEMA_SQL, ROLLBACK_SQL, migrateStateDatabase,
} from '../../lambdas/collector/state/migration.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import type { StateStore } from '../../lambdas/collector/state/state-store.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { freePort, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { DEFAULT_POSTGRES_MAJOR } from '../support/pg-versions.js';
import { TEST_TARGET, connectionSettingsFromUrl, unreachableUrl, withAdmin } from '../support/runtime-fixtures.js';

const epoch = counterEpoch({ serverStartedAt: '2026-01-01T00:00:00Z', statsResetAt: null });
const t0 = new Date('2026-02-01T12:00:00Z');
const t1 = new Date('2026-02-01T12:01:00Z');
const t2 = new Date('2026-02-01T12:02:00Z');
const storeOptions = { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 };

describe('state store (monitoring schema of a separate database)', () => {
  let server: PostgresServer;
  let stateUrl: string;
  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
    stateUrl = await server.createDatabase('tenantwatch_state');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const open = () => openPgStateStore(connectionSettingsFromUrl(stateUrl), storeOptions);
  const tracker = (store: () => Promise<StateStore>, collector: string, now: Date) =>
    createCounterTracker({ store, target: TEST_TARGET, collector, now, log: createMemoryLogger() });

  it('ships the migration as a file identical to the one the collector applies', async () => {
    // Act
    const shipped = await readFile(new URL(`../../lambdas/collector/state/${MIGRATION_FILE}`, import.meta.url), 'utf8');
    // Assess
    expect(shipped).toBe(MONITORING_SCHEMA_SQL);
  });

  it('migrates idempotently, and rolls back with DROP SCHEMA', async () => {
    // Prepare
    const url = await server.createDatabase('migration_check');
    await withAdmin(url, async (client) => {
      const runner = { query: async (text: string, params?: readonly unknown[]) => (await client.query(text, params ? [...params] : undefined)).rows };
      // Act
      const first = await migrateStateDatabase(runner);
      const second = await migrateStateDatabase(runner);
      await client.query(MONITORING_SCHEMA_SQL); // the shipped file, run by hand again
      const tables = await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'monitoring'");
      await client.query(ROLLBACK_SQL);
      const after = await client.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'monitoring'");
      // Assess
      expect([first, second]).toEqual(['created', 'present']);
      expect(tables.rows[0].n).toBe(1);
      expect(after.rows[0].n).toBe(0);
    });
  });

  it('survives two collectors migrating at the same moment', async () => {
    // Prepare
    const url = await server.createDatabase('migration_race');
    const settings = connectionSettingsFromUrl(url);
    // Act
    const stores = await Promise.all([openPgStateStore(settings, storeOptions), openPgStateStore(settings, storeOptions)]);
    await Promise.all(stores.map((s) => s.close()));
    // Assess
    const n = await withAdmin(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM monitoring.counter_samples')).rows[0].n);
    expect(n).toBe(0);
  });

  it('records a baseline on the first run and exact deltas on the next', async () => {
    // Prepare
    const store = await open();
    try {
      // Act
      const first = await tracker(async () => store, 'baseline-check', t0).deltas({ db: { hit: 100, read: 10 } }, epoch);
      const second = await tracker(async () => store, 'baseline-check', t1).deltas({ db: { hit: 160, read: 12 } }, epoch);
      // Assess
      expect(first.entries.size).toBe(0);
      expect(first.skipped).toEqual([{ key: WHOLE_SAMPLE, reason: DeltaSkipReason.Baseline }]);
      expect(Object.fromEntries(second.entries)).toEqual({ db: { hit: 60, read: 2 } });
      expect(second.intervalSeconds).toBe(60);
    } finally {
      await store.close();
    }
  });

  it('lets exactly one of two overlapping runs consume a baseline', async () => {
    // Prepare: a baseline, then two runs that both read it before either saves.
    const seed = await open();
    await tracker(async () => seed, 'overlap', t0).deltas({ db: { hit: 100 } }, epoch);
    await seed.close();
    let loaded = 0;
    let release!: () => void;
    const bothLoaded = new Promise<void>((resolve) => (release = resolve));
    const gated = async (): Promise<StateStore> => {
      const store = await open();
      return {
        ...store,
        async load(target, collector) {
          const previous = await store.load(target, collector);
          if (++loaded === 2) release();
          await bothLoaded;
          return previous;
        },
      };
    };
    const a = tracker(gated, 'overlap', t1);
    const b = tracker(gated, 'overlap', t2);
    // Act
    const results = await Promise.all([a.deltas({ db: { hit: 130 } }, epoch), b.deltas({ db: { hit: 170 } }, epoch)]);
    // Assess
    const winners = results.filter((r) => r.entries.size > 0);
    const losers = results.filter((r) => r.entries.size === 0);
    expect(winners).toHaveLength(1);
    expect(losers[0]?.skipped).toEqual([{ key: WHOLE_SAMPLE, reason: DeltaSkipReason.BaselineTakenByConcurrentRun }]);
    expect([30, 70]).toContain(winners[0]?.entries.get('db')?.hit);
    const version = await withAdmin(stateUrl, async (c) =>
      (await c.query(`SELECT version::int AS v FROM ${COUNTER_SAMPLES_TABLE} WHERE collector = 'overlap'`)).rows[0].v);
    expect(version).toBe(2);
  });

  it('refuses a save against a stale version', async () => {
    // Prepare
    const store = await open();
    try {
      await store.save(TEST_TARGET, 'stale', { sample: { a: { c: 1 } }, epoch, sampledAt: t0 }, undefined);
      const current = await store.load(TEST_TARGET, 'stale');
      // Act
      const fresh = await store.save(TEST_TARGET, 'stale', { sample: { a: { c: 2 } }, epoch, sampledAt: t1 }, current?.version);
      const stale = await store.save(TEST_TARGET, 'stale', { sample: { a: { c: 3 } }, epoch, sampledAt: t2 }, current?.version);
      const insertAgain = await store.save(TEST_TARGET, 'stale', { sample: { a: { c: 4 } }, epoch, sampledAt: t2 }, undefined);
      // Assess
      expect([fresh, stale, insertAgain]).toEqual([true, false, false]);
      expect((await store.load(TEST_TARGET, 'stale'))?.sample).toEqual({ a: { c: 2 } });
    } finally {
      await store.close();
    }
  });

  it('stores a sample as columns and still reads one an earlier release stored as one object per entry', async () => {
    // Prepare: a row as the previous release wrote it
    await withAdmin(stateUrl, (c) => c.query(
      `INSERT INTO monitoring.counter_samples (target, collector, epoch, sample, sampled_at) VALUES ($1, 'legacy', $2, $3::jsonb, $4)`,
      [TEST_TARGET, epoch, JSON.stringify({ q1: { calls: 5, total_exec_time: 1.25 } }), t0]));
    const store = await open();
    try {
      // Act
      const legacy = await store.load(TEST_TARGET, 'legacy');
      await store.save(TEST_TARGET, 'legacy', { sample: { q1: { calls: 6, total_exec_time: 1.5 }, q2: { calls: 1, total_exec_time: 0.5 } }, epoch, sampledAt: t1 }, legacy?.version);
      const stored = await withAdmin(stateUrl, async (c) => (await c.query(
        `SELECT sample FROM monitoring.counter_samples WHERE target = $1 AND collector = 'legacy'`, [TEST_TARGET])).rows[0].sample);
      const reread = await store.load(TEST_TARGET, 'legacy');
      // Assess
      expect(legacy?.sample).toEqual({ q1: { calls: 5, total_exec_time: 1.25 } });
      expect(stored).toEqual({ format: 'columnar/1', keys: ['q1', 'q2'], counters: { calls: [6, 1], total_exec_time: [1.5, 0.5] } });
      expect(reread?.sample).toEqual({ q1: { calls: 6, total_exec_time: 1.5 }, q2: { calls: 1, total_exec_time: 0.5 } });
    } finally {
      await store.close();
    }
  });

  it('skips deltas with a reason when the state database cannot be reached', async () => {
    // Prepare
    const settings = connectionSettingsFromUrl(unreachableUrl(await freePort()));
    const log = createMemoryLogger();
    const t = createCounterTracker({ store: () => openPgStateStore(settings, storeOptions), target: TEST_TARGET, collector: 'down', now: t1, log });
    // Act
    const deltas = await t.deltas({ a: { c: 1 }, b: { c: 2 } }, epoch);
    // Assess
    expect(deltas.skipped).toEqual([{ key: WHOLE_SAMPLE, reason: DeltaSkipReason.StateStoreUnavailable }]);
    expect(t.skipped).toBe(2);
    expect(log.records().map((r) => [r.event, r.reason])).toEqual([['deltas_dropped', 'state-store-unavailable']]);
  });

  it('never writes the password of the state database to its log line', async () => {
    // Prepare: a wrong password against the real server.
    const settings = { ...connectionSettingsFromUrl(stateUrl), password: 'wrong-password-123' };
    const log = createMemoryLogger();
    const t = createCounterTracker({ store: () => openPgStateStore(settings, storeOptions), target: TEST_TARGET, collector: 'auth', now: t1, log });
    // Act
    await t.deltas({ a: { c: 1 } }, epoch);
    // Assess
    expect(log.lines.join('\n')).not.toContain('wrong-password-123');
    expect(log.records()[0]?.reason).toBe('state-store-unavailable');
  });
});
