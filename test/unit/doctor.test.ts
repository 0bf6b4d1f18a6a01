/**
 * The doctor's pure parts: flags, the checklist text and exit code, which relations a
 * plan names, the role SQL's tenant block for table discovery, the TLS verdicts, the
 * window the source checks count over; and the runtime's TLS warning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectionSettings } from '../../lambdas/collector/runtime/connection-settings.js';
import { TLS_WARNING_EVENT, certificateRejected, tlsNeedsWarning, tlsWarnings } from '../../lambdas/collector/runtime/tls-mode.js';
import { collectorSettingsSchema } from '../../lambdas/core/config/collector-settings.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { clearRegisteredSecrets, registerSecret } from '../../lambdas/core/log/redact.js';
import { DOCTOR_USAGE, DoctorUsageError, parseDoctorArgs } from '../../lambdas/local/doctor/args.js';
import { fail, pass, skip, warn } from '../../lambdas/local/doctor/check.js';
import { doctorExitCode, formatChecklist } from '../../lambdas/local/doctor/format.js';
import { monitoringRoleSql } from '../../lambdas/local/doctor/role-sql.js';
import { previousWindows } from '../../lambdas/collector/sources/window.js';
import { DOCTOR_WINDOW_MS, previousWindowTracker } from '../../lambdas/local/doctor/source-checks.js';
import { planRelations } from '../../lambdas/local/doctor/source-relations.js';
import { tlsCheck } from '../../lambdas/local/doctor/tls-check.js';

const URL = 'postgres://monitor:pw@db.example.com:5432/payroll';
const connection = (host: string, ssl: ConnectionSettings['ssl']): ConnectionSettings => ({ host, port: 5432, database: 'payroll', user: 'monitor', ssl });

describe('doctor flags', () => {
  it('takes the URLs from flags or the environment, and defaults the role', () => {
    // Act
    const fromFlags = parseDoctorArgs(['--database-url', URL, '--state-database-url', 'postgres://s@h/state']);
    const fromEnv = parseDoctorArgs(['--print-role-sql', '--role', 'metrics_reader'], { DATABASE_URL: URL, STATE_DATABASE_URL: 'postgres://s@h/state' });
    // Assess
    expect(fromFlags).toEqual({ help: false, args: { databaseUrl: URL, stateDatabaseUrl: 'postgres://s@h/state', printRoleSql: false, role: 'tenantwatch_monitor' } });
    expect(fromEnv).toEqual({ help: false, args: { databaseUrl: URL, stateDatabaseUrl: 'postgres://s@h/state', printRoleSql: true, role: 'metrics_reader' } });
    expect(parseDoctorArgs(['--help'])).toEqual({ help: true });
  });

  it.each([
    [[], 'give --database-url URL (or set DATABASE_URL)'],
    [['--database-url', URL, '--target', 'x'], '--target selects a target of --config: give --config too'],
    [['--database-url', URL, '--role', 'x'], '--role names the role --print-role-sql creates: give --print-role-sql too'],
    [['--database-url', URL, '--print-role-sql', '--role', 'Monitor; DROP'], '--role must be a lowercase identifier (a-z, 0-9, _; at most 63 characters), not Monitor; DROP'],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseDoctorArgs(argv)).toThrow(new DoctorUsageError(message));
  });

  it('documents every flag it accepts', () => {
    for (const flag of ['--database-url', '--state-database-url', '--config', '--target', '--print-role-sql', '--role', '--help']) expect(DOCTOR_USAGE).toContain(flag);
  });
});

describe('checklist', () => {
  afterEach(() => clearRegisteredSecrets());

  it('one line per check, the fix under each failure and warning, the verdict last; exit 1 only for a failure', () => {
    // Prepare
    const results = [
      pass('connection', 'connection', 'connected'),
      warn('track-io-timing', 'track_io_timing', 'off', 'turn it on'),
      fail('pg-monitor', 'pg_monitor granted', 'not a member', 'GRANT pg_monitor TO m;'),
      skip('monitoring-database', 'monitoring database', 'not checked'),
    ];
    // Act
    const text = formatChecklist({ database: 'database URL postgres://m@h:5432/db', target: 'db', results });
    // Assess
    expect(text).toBe([
      'tenantwatch doctor: database URL postgres://m@h:5432/db (target db)',
      '',
      '  [ok]   connection           connected',
      '  [WARN] track_io_timing      off',
      '                              fix: turn it on',
      '  [FAIL] pg_monitor granted   not a member',
      '                              fix: GRANT pg_monitor TO m;',
      '  [skip] monitoring database  not checked',
      '',
      'Not ready: 1 required check failed, 1 warning.',
      '',
    ].join('\n'));
    expect(doctorExitCode(results)).toBe(1);
    expect(doctorExitCode(results.filter((r) => r.status !== 'fail'))).toBe(0);
  });

  it('never prints a registered secret, whatever a check put in its detail', () => {
    // Prepare
    registerSecret('hunter2-password');
    // Act
    const text = formatChecklist({ database: 'db', target: 't', results: [fail('connection', 'connection', 'refused: hunter2-password', 'fix')] });
    // Assess
    expect(text).not.toContain('hunter2-password');
    expect(text).toContain('refused: [REDACTED]');
  });
});

describe('relations a plan reads', () => {
  it('every Relation Name with its Schema, however deep, system schemas left out, each once', () => {
    // Prepare: the shape of EXPLAIN (VERBOSE, FORMAT JSON): a CTE, an InitPlan, a join.
    const plan = [{
      Plan: {
        'Node Type': 'Hash Join',
        Plans: [
          { 'Node Type': 'CTE Scan', 'CTE Name': 'w', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'request_log', Schema: 'app', Alias: 'request_log' }] },
          { 'Node Type': 'Index Scan', 'Relation Name': 'tenants', Schema: 'app', Alias: 't' },
          { 'Node Type': 'Seq Scan', 'Parent Relationship': 'InitPlan', 'Relation Name': 'pg_namespace', Schema: 'pg_catalog' },
          { 'Node Type': 'Seq Scan', 'Relation Name': 'sessions', Schema: 'tenant_a"b', Alias: 's' },
          { 'Node Type': 'Seq Scan', 'Relation Name': 'tenants', Schema: 'app', Alias: 't2' },
        ],
      },
    }];
    // Act
    const relations = planRelations(plan);
    // Assess
    expect(relations).toEqual([
      { schema: 'app', name: 'request_log' }, { schema: 'app', name: 'tenants' }, { schema: 'tenant_a"b', name: 'sessions' },
    ]);
  });
});

describe('monitoring role SQL', () => {
  it('with discovery by table, grants in the schemas the table lists (and the pattern filters), and on the table itself', () => {
    // Prepare
    const settings = collectorSettingsSchema.parse({
      target: 'demo',
      tenants: { table: { table: 'app.tenants', schemaColumn: 'schema_name', where: "status = 'active'" }, schemaPattern: "^t_'x" },
    });
    const relations = {
      sources: [{ source: 'sessions', perTenant: true, shared: [], tenantTables: ['sessions'] }],
      discovery: [{ schema: 'app', name: 'tenants' }],
      unresolved: [{ source: 'broken', reason: 'relation "nope" does not exist' }],
    };
    // Act
    const sql = monitoringRoleSql(relations, settings, 'metrics_reader');
    // Assess
    expect(sql).toContain(`    WHERE n.nspname IN (SELECT ("schema_name")::text FROM "app"."tenants" WHERE (status = 'active')) AND n.nspname ~ '^t_''x'\n      AND c.relname IN ('sessions') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')\n`);
    expect(sql).toContain('GRANT USAGE ON SCHEMA "app" TO metrics_reader;\nGRANT SELECT ON TABLE "app"."tenants" TO metrics_reader;\n');
    expect(sql).toContain('--   sessions: <tenant>."sessions"\n--   tenant discovery: "app"."tenants"\n--   broken: NOT ANALYSED (relation "nope" does not exist): grant what it reads yourself\n');
    expect(sql).toContain("ALTER ROLE metrics_reader SET statement_timeout = '5000ms';");
  });
});

describe('TLS', () => {
  it.each([
    ['verified', connection('db.example.com', { rejectUnauthorized: true }), 'pass', false],
    ['unverified, remote', connection('db.example.com', { rejectUnauthorized: false }), 'warn', true],
    ['unverified, loopback (someone chose it)', connection('127.0.0.1', { rejectUnauthorized: false }), 'warn', true],
    ['plain, remote', connection('db.example.com', false), 'warn', true],
    ['plain, loopback (the local demo)', connection('localhost', false), 'pass', false],
  ] as const)('%s: doctor %s, runtime warning %s', (_name, settings, status, warns) => {
    expect(tlsCheck(settings).status).toBe(status);
    expect(tlsNeedsWarning(settings)).toBe(warns);
  });

  it('the runtime warns once per database and execution environment', () => {
    // Prepare
    const log = createMemoryLogger();
    const warnTls = tlsWarnings(log);
    // Act
    for (let i = 0; i < 3; i++) warnTls('production', connection('db.example.com', { rejectUnauthorized: false }));
    warnTls('state', connection('state.example.com', false));
    // Assess
    expect(log.records().map(({ event, database, tls, host }) => ({ event, database, tls, host }))).toEqual([
      { event: TLS_WARNING_EVENT, database: 'production', tls: 'unverified', host: 'db.example.com' },
      { event: TLS_WARNING_EVENT, database: 'state', tls: 'plain', host: 'state.example.com' },
    ]);
  });

  it('a certificate failure becomes a clear error keeping its code; anything else is left alone', () => {
    // Act
    const rejected = certificateRejected(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }), 'db.example.com');
    const other = certificateRejected(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'db.example.com');
    // Assess
    expect(rejected?.code).toBe('CERT_HAS_EXPIRED');
    expect(rejected?.message).toMatch(/^TLS: the server certificate of db\.example\.com was rejected \(CERT_HAS_EXPIRED: certificate has expired\)/);
    expect(other).toBeUndefined();
  });
});

describe('the source checks\' window', () => {
  it('every counter moved by one window: the source engine gets [now - window, now)', async () => {
    // Prepare
    const now = new Date(1_700_000_000_000);
    const tracker = previousWindowTracker(now);
    // Act
    const windows = await previousWindows(tracker, now, 0);
    const deltas = await tracker.deltas({ 'any-source': { endMs: now.getTime() } }, 'source-window/1');
    // Assess
    expect(windows.windowOf('any-source')).toEqual({ start: new Date(now.getTime() - DOCTOR_WINDOW_MS), end: now });
    expect(deltas).toEqual({ intervalSeconds: DOCTOR_WINDOW_MS / 1000, entries: new Map([['any-source', { endMs: DOCTOR_WINDOW_MS }]]), skipped: [] });
  });
});
