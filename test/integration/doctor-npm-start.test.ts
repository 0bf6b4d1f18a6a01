/**
 * `npm start` runs the doctor's checks on its database before collecting and prints the
 * checklist (a failure is shown, the run goes on). The checks themselves:
 * test/integration/doctor.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runNpmScript } from '../support/npm-script.js';

describe('npm start and the doctor', () => {
  it('prints the doctor\'s checklist for the embedded demo before the collection, without its password', async () => {
    // Act
    const run = await runNpmScript('start', ['--once', '--tenants', '2']);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const header = lines.findIndex((l) => /^tenantwatch doctor: database URL postgres:\/\/postgres@127\.0\.0\.1:\d+\/tenantwatch_demo \(target demo\)$/.test(l));
    const collection = lines.findIndex((l) => l.startsWith('Collection: target demo'));
    expect(header).toBeGreaterThanOrEqual(0);
    expect(collection).toBeGreaterThan(header);
    const checklist = lines.slice(header, collection).join('\n');
    for (const item of ['read-only enforced', 'pg_monitor granted', 'pg_stat_statements preloaded', 'pg_stat_statements created', 'SQL source payroll-runs']) {
      expect(checklist).toMatch(new RegExp(`^ {2}\\[ok\\]\\s+${item}\\s`, 'm'));
    }
    expect(checklist).toMatch(/^ {2}\[ok\]\s+tenants discovered\s+2 tenant schemas \(schema pattern \^tenant_\)$/m);
    // The demo connects as the embedded superuser: the doctor says so.
    expect(checklist).toMatch(/^ {2}\[WARN\]\s+monitoring role least privilege\s+postgres: postgres is a superuser/m);
    expect(checklist).toContain('Ready: every required check passed');
    expect(run.stdout + run.stderr).not.toContain('tenantwatch-local');
  });
});
