/**
 * The top_statements texts a warm Lambda keeps: a text already read is not read again for
 * the same target, server lifetime and entry; another target or a statistics reset reads
 * it again. Each test gets a cache of its own (the default one is shared by the process).
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorResult } from '../../lambdas/collector/collector.js';
import { StatementTextCache } from '../../lambdas/collector/collectors/database/statement-text-cache.js';
import { TOP_STATEMENTS_EVENT, statementsCollector } from '../../lambdas/collector/collectors/database/statements.js';
import { repeatStatement } from '../../lambdas/local/demo/workload.js';
import type { PostgresServer } from '../../lambdas/local/embedded-postgres.js';
import { type CollectorHarness, createCollectorHarness } from '../support/collector-context.js';
import { testedMajors } from '../support/pg-versions.js';
import { startDemoTarget } from '../support/tenant-fixtures.js';

/** The application's statement, known before the baselines, and its text as logged. */
const REPEATED = 'SELECT count(*) FROM app.tenants WHERE id > 0';
const LOGGED = 'SELECT count(*) FROM app.tenants WHERE id > $1';

function topTexts(result: CollectorResult): string[] {
  const line = result.logLines?.find((l) => l.event === TOP_STATEMENTS_EVENT);
  return ((line?.fields.statements ?? []) as { query: string }[]).map((s) => s.query);
}

describe.each(testedMajors())('top statement texts kept between runs on PostgreSQL %i', (major) => {
  let server: PostgresServer;
  let prodUrl: string;
  /** Each test's harnesses: fresh baselines, so no test sees another's calls. */
  const harnesses: CollectorHarness[] = [];
  const newHarness = async (target?: string) => {
    const harness = await createCollectorHarness(prodUrl, target ? { target } : {});
    harnesses.push(harness);
    return harness;
  };

  beforeAll(async () => {
    ({ server, prodUrl } = await startDemoTarget(major, 2));
    await repeatStatement(prodUrl, REPEATED, 1);
  });
  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A baseline run, then a run with the repeated statement's calls in its interval. */
  async function runWithCalls(collector: ReturnType<typeof statementsCollector>, harness: CollectorHarness) {
    await harness.run(collector);
    await repeatStatement(prodUrl, REPEATED, 2);
    return harness.runCounted(collector);
  }

  it('the second run reads no text it already has, and logs the same text', async () => {
    // Prepare
    const cache = new StatementTextCache();
    const statements = statementsCollector({ textCache: cache });
    const harness = await newHarness();
    const first = await runWithCalls(statements, harness);
    // Act
    await repeatStatement(prodUrl, REPEATED, 2);
    const second = await harness.runCounted(statements);
    // Assess
    expect(topTexts(first.result)).toEqual([LOGGED]);
    expect(topTexts(second.result)).toEqual([LOGGED]);
    expect(second.statements).toBe(first.statements - 1);
    expect(cache.size).toBe(1);
  });

  it('another target reads the text again', async () => {
    // Prepare
    const cache = new StatementTextCache();
    const statements = statementsCollector({ textCache: cache });
    const mine = await runWithCalls(statements, await newHarness());
    const other = await newHarness('other-target');
    // Act
    const theirs = await runWithCalls(statements, other);
    // Assess
    expect(topTexts(theirs.result)).toEqual([LOGGED]);
    expect(theirs.statements).toBe(mine.statements);
    expect(cache.size).toBe(2);
  });

  it('after a statistics reset (a new counter epoch) the text is read again', async () => {
    // Prepare
    const cache = new StatementTextCache();
    const statements = statementsCollector({ textCache: cache });
    const harness = await newHarness();
    const before = await runWithCalls(statements, harness);
    const admin = new pg.Client({ connectionString: prodUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_stat_statements_reset()');
    } finally {
      await admin.end();
    }
    await repeatStatement(prodUrl, REPEATED, 1);
    // Act: the run after the reset is its baseline; the next one has deltas again
    const after = await runWithCalls(statements, harness);
    // Assess
    expect(topTexts(after.result)).toEqual([LOGGED]);
    expect(after.statements).toBe(before.statements);
    expect(cache.size).toBe(2);
  });
});
