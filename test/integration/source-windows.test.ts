/**
 * Each windowed SQL source keeps its own window (sources/window.ts), saved after the
 * sources ran, through the real runtime: a source that fails counts the events it missed
 * in its next run while the others move on; a window save that fails publishes nothing
 * windowed (the next run counts it); a window end kept by an earlier release (one for the
 * whole collector) is where every source starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_SOURCES_COLLECTOR, securityCollectors } from '../../lambdas/collector/collectors/security/index.js';
import { createLocalSink } from '../../lambdas/collector/publishers/local-sink.js';
import { runCollection } from '../../lambdas/collector/runtime/run-collection.js';
import { openPgStateStore } from '../../lambdas/collector/state/pg-state-store.js';
import type { StateStore } from '../../lambdas/collector/state/state-store.js';
import { DEFAULT_SOURCES } from '../../lambdas/core/config/sources.js';
import { createMemoryLogger } from '../../lambdas/core/log/logger.js';
import { idorRejection, logins } from '../../lambdas/local/demo/workload.js';
import type { PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { testedMajors } from '../support/pg-versions.js';
import { TEST_TARGET, connectionSettingsFromUrl, productionConnector, testSettings, valueOf, withAdmin } from '../support/runtime-fixtures.js';
import { startDemoTarget } from '../support/tenant-fixtures.js';

const STATE_TIMEOUTS = { connectTimeoutMs: 2_000, statementTimeoutMs: 2_000 };
const collector = securityCollectors.find((c) => c.name === SECURITY_SOURCES_COLLECTOR)!;
const sources = DEFAULT_SOURCES.filter((s) => ['logins', 'security-events'].includes(s.name));
const settings = testSettings({ sources });

describe.each(testedMajors())('SQL source windows on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  let stateUrl: string;

  beforeAll(async () => {
    ({ server, prodUrl, stateUrl } = await startDemoTarget(major, 3));
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** One run of the security-sources collector; `store` may wrap the real state store. */
  async function run(store: (real: StateStore) => StateStore = (real) => real) {
    const sink = createLocalSink();
    const log = createMemoryLogger();
    const result = await runCollection({
      settings, collectors: [collector], sink, log,
      connect: productionConnector(prodUrl, settings),
      openStateStore: async () => store(await openPgStateStore(connectionSettingsFromUrl(stateUrl), STATE_TIMEOUTS)),
    });
    return { result, datums: sink.latest(), records: log.records() };
  }
  const hideSecurityEvents = (hidden: boolean) => withAdmin(prodUrl, (c) => c.query(hidden
    ? 'ALTER TABLE app.security_events RENAME TO security_events_hidden'
    : 'ALTER TABLE app.security_events_hidden RENAME TO security_events'));

  it('a source that failed counts the events it missed in its next run; the other source moved on', async () => {
    // Prepare
    await run(); // the windows' baseline
    await idorRejection(prodUrl, { count: 2 });
    await logins(prodUrl, { attempts: 3, failures: 0 });
    await hideSecurityEvents(true);
    let failed;
    try {
      failed = await run();
    } finally {
      await hideSecurityEvents(false);
    }
    await idorRejection(prodUrl, { count: 1 });
    await logins(prodUrl, { attempts: 2, failures: 0 });
    // Act
    const next = await run();
    // Assess
    expect(failed.result.errors.map((e) => e.message.split(':')[0])).toEqual(['sources/security-events']);
    expect(valueOf(failed.datums, 'IdorRejections')).toBeUndefined();
    expect(valueOf(failed.datums, 'LoginAttempts')).toBe(3);
    expect(next.result.errors).toEqual([]);
    expect(valueOf(next.datums, 'IdorRejections')).toBe(3);
    expect(valueOf(next.datums, 'LoginAttempts')).toBe(2);
  });

  it('a window save that fails publishes no windowed count; the next run counts those events', async () => {
    // Prepare
    await run();
    await logins(prodUrl, { attempts: 4, failures: 1 });
    const failingSave = (real: StateStore): StateStore => ({ ...real, save: () => Promise.reject(new Error('the state database went away')) });
    const unsaved = await run(failingSave);
    await logins(prodUrl, { attempts: 1, failures: 0 });
    // Act
    const next = await run();
    // Assess
    expect(valueOf(unsaved.datums, 'LoginAttempts')).toBeUndefined();
    expect(unsaved.records.filter((r) => r.event === 'source_windows_not_saved').map((r) => r.sources)).toEqual([['logins', 'security-events']]);
    expect(valueOf(unsaved.datums, 'DeltasSkipped')).toBe(2);
    expect(valueOf(next.datums, 'LoginAttempts')).toBe(5);
    expect(valueOf(next.datums, 'FailedLogins')).toBe(1);
  });

  it('starts every source where an earlier release\'s collector-wide window ended', async () => {
    // Prepare: the state row as the previous release kept it, ending where the last run ended
    await run();
    await withAdmin(stateUrl, (c) => c.query(`
      UPDATE monitoring.counter_samples
         SET sample = jsonb_build_object('window', jsonb_build_object('endMs', (sample->'counters'->'endMs'->>0)::bigint))
       WHERE target = $1 AND collector = $2`, [TEST_TARGET, SECURITY_SOURCES_COLLECTOR]));
    await logins(prodUrl, { attempts: 2, failures: 2 });
    await idorRejection(prodUrl, { count: 1 });
    // Act
    const upgraded = await run();
    // Assess
    expect(upgraded.result.errors).toEqual([]);
    expect(valueOf(upgraded.datums, 'LoginAttempts')).toBe(2);
    expect(valueOf(upgraded.datums, 'FailedLogins')).toBe(2);
    expect(valueOf(upgraded.datums, 'IdorRejections')).toBe(1);
  });
});
