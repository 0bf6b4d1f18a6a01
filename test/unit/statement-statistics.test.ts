import { describe, expect, it } from 'vitest';
import { type QueryRunner, sqlFor } from '../../lambdas/collector/collector.js';
import { statementCounters } from '../../lambdas/collector/collectors/database/statements.js';
import { entryCalls } from '../../lambdas/collector/collectors/security/cross-tenant-queries.js';
import {
  STATEMENT_STATISTICS_SQL,
  type StatementStatistics,
  type StatementStatisticsRow,
  parseStatementStatistics,
} from '../../lambdas/collector/collectors/shared/statement-statistics.js';
import { MissingRequirementError } from '../../lambdas/collector/runtime/collector-failure.js';
import { onceSucceeded } from '../../lambdas/collector/runtime/once-succeeded.js';
import { explainPgStatStatementsFailure, isPgStatStatementsMissing } from '../../lambdas/collector/runtime/requirements.js';

const started = new Date('2026-01-01T00:00:00.000Z');
/** stats_since as PostgreSQL's JSON prints it, and as the state-store keys hold it. */
const since = '2026-01-02T03:04:05.678901+00:00';
const sinceIso = '2026-01-02T03:04:05.678Z';
const OWN_ROLE = '16390';
const APP_ROLE = '16385';

/** Four entries: the application's top-level one (PostgreSQL 17 style, with stats_since), its nested one, tenantwatch's own, another of the application. */
const row = (): StatementStatisticsRow => ({
  server_started_at: started,
  stats_reset: null,
  sees_all_statements: true,
  database_oid: '5',
  own_role_oid: OWN_ROLE,
  queryid: ['-42', '-42', '7', '8'],
  userid: [APP_ROLE, APP_ROLE, OWN_ROLE, APP_ROLE],
  toplevel: [true, false, true, true],
  stats_since: [since, since, null, null],
  calls: ['3', '9', '1', '9007199254740991'],
  total_exec_time: [1.5, 4, 0.25, 10],
});

const sqlError = (code: string, message = 'relation "pg_stat_statements_info" does not exist') => Object.assign(new Error(message), { code });

describe('the shared pg_stat_statements read', () => {
  it('reads stats_since from PostgreSQL 17 on, NULL before, and nothing before 14', () => {
    // Act
    const texts = [140000, 160004, 170000, 180001].map((v) => sqlFor(STATEMENT_STATISTICS_SQL, v, 'statement statistics'));
    // Assess
    expect(texts.map((t) => t.includes('json_agg(NULL::timestamptz)'))).toEqual([true, true, false, false]);
    expect(texts.map((t) => t.includes('json_agg(s.stats_since)'))).toEqual([false, false, true, true]);
    for (const t of texts) expect(t).toContain('FROM pg_stat_statements(false) s');
    expect(() => sqlFor(STATEMENT_STATISTICS_SQL, 130011, 'statement statistics')).toThrow('no SQL for server_version_num 130011');
  });

  it('parses the one row of arrays, counters as numbers', () => {
    // Act
    const parsed = parseStatementStatistics(row());
    // Assess
    expect(parsed).toEqual({
      serverStartedAt: started, statsResetAt: null, seesAllStatements: true, databaseOid: '5', ownRoleOid: OWN_ROLE,
      entries: {
        queryid: ['-42', '-42', '7', '8'], userid: [APP_ROLE, APP_ROLE, OWN_ROLE, APP_ROLE], toplevel: [true, false, true, true],
        statsSinceIso: [sinceIso, sinceIso, null, null], calls: [3, 9, 1, 9007199254740991], totalExecTime: [1.5, 4, 0.25, 10],
      },
    });
  });

  it('refuses arrays that do not line up, and counters that are no numbers', () => {
    // Prepare
    const short = { ...row(), total_exec_time: [1.5, 4, 0.25] };
    const garbage = { ...row(), calls: ['3', '9', 'x', '1'] };
    // Act, Assess
    expect(() => parseStatementStatistics(short)).toThrow('pg_stat_statements: total_exec_time has 3 elements, queryid 4');
    expect(() => parseStatementStatistics(garbage)).toThrow('column calls: expected a number, got "x"');
  });

  it('statements: counters of the top-level entries of other roles, keyed queryid/userid/dbid[@stats_since]', () => {
    // Prepare
    const statistics: StatementStatistics = parseStatementStatistics(row());
    // Act
    const sample = statementCounters(statistics);
    // Assess
    expect(sample).toEqual({
      [`-42/${APP_ROLE}/5@2026-01-02T03:04:05.678Z`]: { calls: 3, total_exec_time: 1.5 },
      [`8/${APP_ROLE}/5`]: { calls: 9007199254740991, total_exec_time: 10 },
    });
  });

  it('cross-tenant-queries: calls of every entry, tenantwatch\'s own and nested ones included, keyed userid/queryid/toplevel', () => {
    // Prepare
    const statistics = parseStatementStatistics(row());
    // Act
    const sample = entryCalls(statistics);
    // Assess
    expect(sample).toEqual({
      [`${APP_ROLE}/-42/true`]: { calls: 3 },
      [`${APP_ROLE}/-42/false`]: { calls: 9 },
      [`${OWN_ROLE}/7/true`]: { calls: 1 },
      [`${APP_ROLE}/8/true`]: { calls: 9007199254740991 },
    });
  });
});

describe('once per run, a failure not remembered', () => {
  const db: QueryRunner = { query: async () => [] };

  it('keeps the first success and retries after a failure', async () => {
    // Prepare
    let attempts = 0;
    const read = onceSucceeded(async () => {
      attempts++;
      if (attempts === 1) throw new Error('first attempt fails');
      return attempts;
    });
    // Act
    const first = await read(db).then(() => 'resolved', (e: Error) => e.message);
    const second = await read(db);
    const third = await read(db);
    // Assess
    expect([first, second, third, attempts]).toEqual(['first attempt fails', 2, 2, 2]);
  });
});

describe('a missing pg_stat_statements, found out after the failure', () => {
  it.each(['42P01', '42883', '55000'])('SQLSTATE %s, also as the cause of an explaining error, reads as missing', (code) => {
    // Prepare
    const server = sqlError(code);
    const explained = new MissingRequirementError('pg_stat_statements is not installed: ...', { cause: server });
    // Act, Assess
    expect([isPgStatStatementsMissing(server), isPgStatStatementsMissing(explained)]).toEqual([true, true]);
  });

  it('other failures do not', () => {
    // Act, Assess
    expect([
      isPgStatStatementsMissing(sqlError('57014', 'canceling statement due to statement timeout')),
      isPgStatStatementsMissing(sqlError('42501', 'permission denied')),
      isPgStatStatementsMissing(new Error('no code')),
      isPgStatStatementsMissing(undefined),
      isPgStatStatementsMissing('a string'),
    ]).toEqual([false, false, false, false, false]);
  });

  it.each([
    [{ installed: false, loaded: true }, 'pg_stat_statements is not installed in this database: CREATE EXTENSION pg_stat_statements (the library must be in shared_preload_libraries)'],
    [{ installed: true, loaded: false }, 'pg_stat_statements is installed in this database but its library is not loaded: add pg_stat_statements to shared_preload_libraries (RDS and Aurora: the DB parameter group) and restart the server'],
    [{ installed: false, loaded: false }, 'pg_stat_statements is neither loaded nor installed: add pg_stat_statements to shared_preload_libraries (RDS and Aurora: the DB parameter group) and restart the server, then CREATE EXTENSION pg_stat_statements in this database'],
  ])('state %o: says exactly what is missing', async (state, message) => {
    // Prepare
    const server = sqlError('42883', 'function pg_stat_statements(boolean) does not exist');
    // Act
    const explained = await explainPgStatStatementsFailure(server, async () => state);
    // Assess
    expect(explained).toBeInstanceOf(MissingRequirementError);
    expect(explained).toMatchObject({ message, cause: server });
  });

  it('keeps the failure where both are in place, where the state cannot be read, and for other failures (without asking)', async () => {
    // Prepare
    const missing = sqlError('42P01');
    const timeout = sqlError('57014', 'canceling statement due to statement timeout');
    let asked = 0;
    const complete = async () => {
      asked++;
      return { installed: true, loaded: true };
    };
    // Act
    const results = [
      await explainPgStatStatementsFailure(missing, complete),
      await explainPgStatStatementsFailure(missing, () => Promise.reject(new Error('connection lost'))),
      await explainPgStatStatementsFailure(timeout, complete),
    ];
    // Assess
    expect(results).toEqual([missing, missing, timeout]);
    expect(results[0]).toBe(missing);
    expect(results[2]).toBe(timeout);
    expect(asked).toBe(1);
  });
});
