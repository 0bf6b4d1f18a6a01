import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Layer, alarmRules, catalogMetrics } from '../../lambdas/core/catalog/index.js';
import { freePort, startPostgres, type PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { DEFAULT_POSTGRES_MAJOR } from '../support/pg-versions.js';
import { databaseChecksum, unreachableUrl, withAdmin } from '../support/runtime-fixtures.js';

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm start -- <args>` as a user runs it. */
function npmStart(args: readonly string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent', '--', ...args], { cwd: process.cwd(), env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The summary line of a metric with exactly these dimensions, e.g. `DatabaseUp  {Database=demo}  1 None`. */
function metricLine(stdout: string, metric: string, dimensions: string): string | undefined {
  return stdout.split('\n').find((l) => new RegExp(`^  ${metric}\\s+\\{${dimensions.replace(/[{}=]/g, '\\$&')}\\}\\s`).test(l));
}

describe('npm start', () => {
  let server: PostgresServer;
  let userUrl: string;
  beforeAll(async () => {
    server = await startPostgres({ major: DEFAULT_POSTGRES_MAJOR });
    userUrl = await server.createDatabase('Payroll_EU');
    await withAdmin(userUrl, (c) => c.query(`
      CREATE SCHEMA tenant_one; CREATE TABLE tenant_one.employees (id int PRIMARY KEY, name text);
      INSERT INTO tenant_one.employees VALUES (1, 'Ada'), (2, 'Grace');
    `));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('--once runs the demo, prints the metrics by layer and every alarm rule, and exits 0', async () => {
    // Act
    const run = await npmStart(['--once', '--tenants', '3']);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('created the demo payroll database: 3 tenant schemas');
    expect(run.stdout).toMatch(/^Collection: target demo, PostgreSQL \d+/m);
    expect(metricLine(run.stdout, 'DatabaseUp', 'Database=demo')).toMatch(/ 1 None$/);
    expect(metricLine(run.stdout, 'CollectorRuns', 'Database=demo')).toMatch(/ 1 Count$/);
    expect(metricLine(run.stdout, 'TenantCount', 'Database=demo')).toMatch(/ 3 Count$/);
    // The second round's cross-tenant statement is new in the interval, on every major.
    expect(metricLine(run.stdout, 'CrossTenantQueries', 'Database=demo')).toMatch(/ 1 Count$/);
    expect(metricLine(run.stdout, 'AuditLogEvents', 'Database=demo')).toMatch(/ [1-9]\d* Count$/);
    const layer1 = catalogMetrics.filter((m) => m.layer === Layer.Database);
    for (const m of layer1) {
      // A number or a distribution, with the metric's unit.
      expect(run.stdout, m.name).toMatch(new RegExp(`^  ${m.name}\\s+\\{Database=demo(, [^}]*)?\\}\\s+(-?\\d[\\d.e+-]*|distribution of \\d+: .*) ${m.unit.replace('/', '\\/')}$`, 'm'));
    }
    expect(layer1.map((m) => m.name)).toContain('QueryLatency');
    for (const rule of alarmRules) expect(run.stdout, rule.title).toMatch(new RegExp(`^  (OK|ALARM|INSUFFICIENT_DATA)\\s+${rule.severity}\\s+${rule.title}\\s`, 'm'));
    expect(run.stdout).toMatch(/^ {2}OK\s+P1\s+Database Down\s+value 0, alarm when > 0\s+→ pagerduty, sms$/m);
    // The baseline run and the collection make a window of two runs, neither with collector errors.
    expect(run.stdout).toMatch(/^ {2}OK\s+P2\s+Collector Degraded\s+value 0, alarm when > 0; 0 of the last 2 runs breaching, ALARM at 3 of 3\s+→ slack$/m);
  });

  it('--database-url collects from an existing database without changing it', async () => {
    // Prepare
    const before = await databaseChecksum(userUrl);
    // Act
    const run = await npmStart(['--once', '--database-url', userUrl]);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('starting embedded PostgreSQL (counter state)');
    expect(run.stdout).toMatch(/^Collection: target payroll-eu, /m);
    expect(metricLine(run.stdout, 'DatabaseUp', 'Database=payroll-eu')).toMatch(/ 1 None$/);
    expect(metricLine(run.stdout, 'TenantCount', 'Database=payroll-eu')).toMatch(/ 1 Count$/);
    expect(await databaseChecksum(userUrl)).toBe(before);
  });

  it('reports an unreachable database as Database Down instead of failing', async () => {
    // Act
    const run = await npmStart(['--once', '--database-url', unreachableUrl(await freePort())]);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(metricLine(run.stdout, 'DatabaseUp', 'Database=nowhere')).toMatch(/ 0 None$/);
    expect(metricLine(run.stdout, 'ConnectionFailures', 'Database=nowhere')).toMatch(/ 1 Count$/);
    expect(run.stdout).toMatch(/^ {2}ALARM\s+P1\s+Database Down\s+value 2, alarm when > 0/m);
    expect(run.stdout + run.stderr).not.toContain('never-used-password');
  });

  it('answers --help and rejects unknown flags with the usage text', async () => {
    // Act
    const help = await npmStart(['--help']);
    const bad = await npmStart(['--tenants', 'many']);
    // Assess
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm start -- \[options\]/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^--tenants must be an integer from 1 to \d+, not many/);
  });
});

describe('npm start on an interval', () => {
  it('stops cleanly on Ctrl-C: the embedded server is stopped and the exit code is 0', async () => {
    // Prepare: its own process group, as a terminal's foreground job (Ctrl-C signals the group).
    const child = spawn('node_modules/.bin/tsx', ['bin/local.ts', '--tenants', '2', '--interval', '5'], {
      cwd: process.cwd(), detached: true, env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const waiting = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('next collection in 5 s')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waiting;
    // Act
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    // Assess
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Baseline collection (counter deltas appear from the next run)');
    expect(stderr).toContain('stopping: finishing the current step and stopping the servers');
    expect(stderr).toMatch(/stopped 1 embedded PostgreSQL server\n$/);
  });
});
