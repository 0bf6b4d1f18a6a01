import { describe, expect, it } from 'vitest';
import { DeltaSkipReason, type Deltas, sqlFor } from '../../lambdas/collector/collector.js';
import {
  MAX_APPLICATION_NAMES,
  OTHER_APPLICATIONS,
  UNNAMED_APPLICATION,
  type ActivityRow,
  activityDatums,
  activitySqlVariants,
  capApplications,
} from '../../lambdas/collector/collectors/database/activity.js';
import { databaseStatsDatums } from '../../lambdas/collector/collectors/database/database-stats.js';
import { type ReplicationRow, replicationLag } from '../../lambdas/collector/collectors/database/replication.js';
import {
  TOP_STATEMENT_TEXT_MAX_CHARS,
  entryKey,
  normaliseQueryText,
  queryLatencyDatum,
  slowestStatements,
  statementIntervals,
} from '../../lambdas/collector/collectors/database/statements.js';
import { counterSample } from '../../lambdas/collector/collectors/shared/counter-collector.js';
import { round, toNumber } from '../../lambdas/collector/collectors/shared/pg-values.js';
import type { Datum } from '../../lambdas/core/metrics/datum.js';

const T = 'demo';
const byName = (datums: readonly Datum[]) => Object.fromEntries(datums.filter((d) => Object.keys(d.dimensions).length === 1).map((d) => [d.metric.name, d.value]));
const deltas = (entries: Record<string, Record<string, number>>, intervalSeconds = 60): Deltas => ({
  intervalSeconds, entries: new Map(Object.entries(entries)), skipped: [],
});

describe('database-stats datums', () => {
  it('derives every metric of an interval exactly', () => {
    // Prepare
    const delta = { blks_hit: 950, blks_read: 50, deadlocks: 1, xact_commit: 100, xact_rollback: 20, temp_bytes: 8192 };
    // Act
    const datums = databaseStatsDatums(T, delta, 60);
    // Assess
    expect(byName(datums)).toEqual({
      CacheHits: 950, DiskReads: 50, Deadlocks: 1, TempBytes: 8192, CacheHitRate: 95, TransactionsPerSecond: 2,
    });
  });

  it('publishes no CacheHitRate without block access and no rate without an interval', () => {
    // Prepare
    const delta = { blks_hit: 0, blks_read: 0, deadlocks: 0, xact_commit: 5, xact_rollback: 0, temp_bytes: 0 };
    // Act
    const datums = databaseStatsDatums(T, delta, 0);
    // Assess
    expect(Object.keys(byName(datums)).sort()).toEqual(['CacheHits', 'Deadlocks', 'DiskReads', 'TempBytes']);
  });
});

describe('activity datums', () => {
  const row: ActivityRow = {
    total: '7',
    by_state: { active: 2, idle: 2, 'idle in transaction': 2, 'idle in transaction (aborted)': 1 },
    by_application: [['payroll-api', 5], [null, 1], ['tenantwatch', 1]],
    idle_in_transaction: '2',
    blocked: '1',
    longest_transaction_seconds: '12.5',
    max_connections: 100,
    superuser_reserved_connections: 3,
    reserved_connections: 2,
    sees_all_sessions: true,
  };

  it("computes utilization against the usable slots; IdleInTransaction is the query's count without tenantwatch's own sessions", () => {
    // Prepare: row above
    // Act
    const datums = activityDatums(T, row);
    // Assess
    expect(byName(datums)).toEqual({
      Connections: 7, IdleInTransaction: 2, LongestTransactionSeconds: 12.5, BlockedSessions: 1, ConnectionUtilization: (100 * 7) / 95,
    });
  });

  it('publishes every known state, zeros included, plus states it does not know', () => {
    // Prepare
    const withUnknown = { ...row, by_state: { ...row.by_state, unknown: 1 } };
    // Act
    const states = Object.fromEntries(activityDatums(T, withUnknown).filter((d) => 'State' in d.dimensions).map((d) => [d.dimensions.State, d.value]));
    // Assess
    expect(states).toEqual({
      active: 2, idle: 2, 'idle in transaction': 2, 'idle in transaction (aborted)': 1, 'fastpath function call': 0, disabled: 0, unknown: 1,
    });
  });

  it('publishes no utilization when no slot is usable', () => {
    // Prepare
    const full = { ...row, max_connections: 5, superuser_reserved_connections: 3, reserved_connections: 2 };
    // Act
    const datums = activityDatums(T, full);
    // Assess
    expect(byName(datums).ConnectionUtilization).toBeUndefined();
  });

  it('caps application names: the top ones by count, the rest as "other", no empty value', () => {
    // Prepare
    const apps: [string | null, number][] = Array.from({ length: MAX_APPLICATION_NAMES + 3 }, (_, i) => [`app-${String(i).padStart(2, '0')}`, 100 - i]);
    apps.push([null, 2]);
    // Act
    const capped = capApplications(apps);
    // Assess
    expect(capped).toHaveLength(MAX_APPLICATION_NAMES + 1);
    expect(capped.slice(0, 2)).toEqual([['app-00', 100], ['app-01', 99]]);
    expect(capped.at(-1)).toEqual([OTHER_APPLICATIONS, 90 + 89 + 88 + 2]);
    expect(capped.reduce((n, [, c]) => n + c, 0)).toBe(apps.reduce((n, [, c]) => n + c, 0));
    expect(capApplications([[null, 2], ['', 1]].map(([a, n]) => [a === '' ? null : a, n] as [string | null, number]))).toEqual([[UNNAMED_APPLICATION, 3]]);
  });

  it('merges the remainder into an application that is itself called "other"', () => {
    // Prepare
    const apps: [string, number][] = [['a', 5], [OTHER_APPLICATIONS, 4], ['b', 1], ['c', 1]];
    // Act
    const capped = capApplications(apps, 2);
    // Assess
    expect(capped).toEqual([['a', 5], [OTHER_APPLICATIONS, 6]]);
  });

  it('reads reserved_connections only from PostgreSQL 16 on', () => {
    // Prepare, Act
    const v15 = sqlFor(activitySqlVariants, 150013, 'activity');
    const v16 = sqlFor(activitySqlVariants, 160000, 'activity');
    // Assess
    expect(v15).toContain('0 AS reserved_connections');
    expect(v16).toContain("current_setting('reserved_connections')::int AS reserved_connections");
  });
});

describe('replication lag guard', () => {
  const primary: ReplicationRow = { in_recovery: false, replayed_all_received: null, replay_age_seconds: null, standbys: '0', max_standby_replay_lag_seconds: null };
  const replica: ReplicationRow = { in_recovery: true, replayed_all_received: false, replay_age_seconds: '42.5', standbys: '0', max_standby_replay_lag_seconds: null };

  it.each([
    ['a primary without standbys', primary, { seconds: 0 }],
    ['a primary whose standby is caught up and idle (replay_lag NULL)', { ...primary, standbys: '1' }, { seconds: 0 }],
    ['a primary with a lagging standby', { ...primary, standbys: '2', max_standby_replay_lag_seconds: '3.25' }, { seconds: 3.25 }],
    ['a replica that replayed everything it received (idle primary)', { ...replica, replayed_all_received: true, replay_age_seconds: '3600' }, { seconds: 0 }],
    ['a caught-up replica that never replayed a transaction', { ...replica, replayed_all_received: true, replay_age_seconds: null }, { seconds: 0 }],
    ['a replica behind its primary', replica, { seconds: 42.5 }],
  ] as const)('%s', (_name, row, expected) => {
    // Prepare: row; Act
    const lag = replicationLag(row);
    // Assess
    expect(lag).toEqual(expected);
  });

  it('has no number for a replica that is behind but has replayed nothing yet', () => {
    // Prepare
    const fresh = { ...replica, replayed_all_received: null, replay_age_seconds: null };
    // Act
    const lag = replicationLag(fresh);
    // Assess
    expect(lag).toEqual({ unknown: 'the replica is behind but has not replayed any transaction yet' });
  });
});

describe('statements: QueryLatency and top statements', () => {
  it('weights each statement mean by its calls and skips statements without calls', () => {
    // Prepare
    const d = deltas({
      'a/10/5': { calls: 4, total_exec_time: 10 },
      'b/10/5': { calls: 1, total_exec_time: 50 },
      'c/10/5': { calls: 0, total_exec_time: 0 },
      'd/11/5': { calls: 2, total_exec_time: 5 },
    });
    // Act
    const intervals = statementIntervals(d);
    const latency = queryLatencyDatum(T, intervals)!;
    // Assess
    expect(intervals.map((s) => [s.key, s.meanMs])).toEqual([['a/10/5', 2.5], ['b/10/5', 50], ['d/11/5', 2.5]]);
    expect(slowestStatements(intervals, 10).map((s) => s.key)).toEqual(['b/10/5', 'a/10/5', 'd/11/5']);
    expect(latency.values).toEqual([2.5, 50]);
    expect(latency.counts).toEqual([6, 1]);
    expect(latency.dimensions).toEqual({ Database: T });
  });

  it('publishes no QueryLatency when nothing ran', () => {
    // Prepare, Act
    const latency = queryLatencyDatum(T, statementIntervals(deltas({ 'a/1/1': { calls: 0, total_exec_time: 0 } })));
    // Assess
    expect(latency).toBeUndefined();
  });

  it('normalises and truncates query text to a fixed maximum', () => {
    // Prepare
    const long = 'SELECT\n  ' + 'x, '.repeat(TOP_STATEMENT_TEXT_MAX_CHARS) + '1';
    // Act
    const short = normaliseQueryText('SELECT  *\n\tFROM t  ');
    const cut = normaliseQueryText(long);
    // Assess
    expect(short).toBe('SELECT * FROM t');
    expect(cut).toHaveLength(TOP_STATEMENT_TEXT_MAX_CHARS + 1);
    expect(cut.endsWith('…')).toBe(true);
    expect(normaliseQueryText(null)).toBe('');
  });

  it('keys entries by queryid, userid and dbid, plus stats_since where the server has it', () => {
    // Prepare
    const since = new Date('2026-01-02T03:04:05.678Z').toISOString();
    // Act, Assess
    expect(entryKey({ queryid: '-42', userid: '10', dbid: '5', statsSinceIso: null })).toBe('-42/10/5');
    expect(entryKey({ queryid: '-42', userid: '10', dbid: '5', statsSinceIso: since })).toBe('-42/10/5@2026-01-02T03:04:05.678Z');
    expect(entryKey({ queryid: null, userid: null, dbid: null, statsSinceIso: null })).toBeUndefined();
  });
});

describe('shared counter helpers', () => {
  it('builds a counter sample from rows, skipping rows without a key', () => {
    // Prepare
    const rows = [{ k: 'a', n: '5', t: 1.5 }, { k: null, n: null, t: null }];
    // Act
    const sample = counterSample(rows, (r) => r.k ?? undefined, ['n', 't']);
    // Assess
    expect(sample).toEqual({ a: { n: 5, t: 1.5 } });
  });

  it('refuses duplicate entries and non-numeric counters', () => {
    // Prepare
    const dup = [{ k: 'a', n: 1 }, { k: 'a', n: 2 }];
    // Act, Assess
    expect(() => counterSample(dup, (r) => r.k, ['n'])).toThrow('duplicate entry a');
    expect(() => toNumber('abc', 'calls')).toThrow('column calls: expected a number, got "abc"');
    expect(round(2.34567, 3)).toBe(2.346);
  });

  it('treats a whole-sample skip as no deltas at all', () => {
    // Prepare
    const skippedAll: Deltas = { intervalSeconds: 0, entries: new Map(), skipped: [{ key: '*', reason: DeltaSkipReason.StatsReset }] };
    // Act
    const intervals = statementIntervals(skippedAll);
    // Assess
    expect(intervals).toEqual([]);
  });
});
