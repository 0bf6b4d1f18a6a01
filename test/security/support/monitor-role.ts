/**
 * The monitoring role as a DBA creates it (the shipped SQL, a password), URLs as another
 * user, and the real collector handler wired to local databases and a local sink: what
 * the security and doctor tests run.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import pg from 'pg';
import { createLocalSink, type LocalSink } from '../../../lambdas/collector/publishers/local-sink.js';
import { CollectorEnvVar } from '../../../lambdas/collector/runtime/environment.js';
import { createCollectorHandler } from '../../../lambdas/collector/runtime/handler.js';
import type { RunResult } from '../../../lambdas/collector/runtime/run-result.js';
import type { CollectorSettingsInput } from '../../../lambdas/core/config/collector-settings.js';
import { createMemoryLogger } from '../../../lambdas/core/log/logger.js';
import { DEFAULT_MONITOR_ROLE } from '../../../lambdas/local/doctor/args.js';
import { TEST_TARGET, withAdmin } from '../../support/runtime-fixtures.js';

export const SHIPPED_ROLE_SQL_PATH = fileURLToPath(new URL('../../../lambdas/core/sql/monitoring-role.sql', import.meta.url));
export const MONITOR_ROLE = DEFAULT_MONITOR_ROLE;
const LAMBDA_TIMEOUT_MS = 60_000;
/** The key of the last stdout line of handler-once.ts. */
export const HANDLER_ONCE_OUTCOME = 'handlerOnceOutcome';

export function shippedRoleSql(): string {
  return readFileSync(SHIPPED_ROLE_SQL_PATH, 'utf8');
}

/** The same database as another user (the URL's password replaced). */
export function urlAs(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

const DOLLAR_QUOTE = /\$[A-Za-z_]*\$/g;

/**
 * The script's statements, one by one, as `psql -f` sends them (each its own transaction,
 * so a DO block may COMMIT). Enough for the generated role SQL: line comments, statements
 * ending a line with `;`, and dollar-quoted DO bodies.
 */
export function scriptStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  let open: string | undefined;
  for (const line of sql.split('\n')) {
    if (!open && (line.trim() === '' || line.trimStart().startsWith('--'))) continue;
    current.push(line);
    for (const tag of line.match(DOLLAR_QUOTE) ?? []) open = open === tag ? undefined : open ?? tag;
    if (!open && line.trimEnd().endsWith(';')) {
      statements.push(current.join('\n'));
      current = [];
    }
  }
  if (current.length) statements.push(current.join('\n'));
  return statements;
}

/** Runs the shipped SQL as the URL's superuser (as psql -f does), gives the role a password; returns its URL. */
export async function createMonitorRole(adminUrl: string, password: string, sql = shippedRoleSql()): Promise<string> {
  await withAdmin(adminUrl, async (c) => {
    for (const statement of scriptStatements(sql)) await c.query(statement);
    await c.query(`ALTER ROLE ${MONITOR_ROLE} PASSWORD ${pg.escapeLiteral(password)}`);
  });
  return urlAs(adminUrl, MONITOR_ROLE, password);
}

export function lambdaContext(): Context {
  const started = Date.now();
  return {
    awsRequestId: 'security-test', functionName: 'tenantwatch-demo-collector',
    getRemainingTimeInMillis: () => LAMBDA_TIMEOUT_MS - (Date.now() - started),
  } as Context;
}

export interface LocalCollector {
  run(): Promise<RunResult>;
  readonly sink: LocalSink;
  readonly log: ReturnType<typeof createMemoryLogger>;
}

/** The real collector handler (every collector, the given settings) on URLs, publishing to a local sink. */
export function localCollector(productionUrl: string, stateUrl: string, settings: Partial<CollectorSettingsInput> = {}): LocalCollector {
  const sink = createLocalSink();
  const log = createMemoryLogger('tenantwatch-collector');
  const handler = createCollectorHandler({
    env: {
      [CollectorEnvVar.Settings]: JSON.stringify({ target: TEST_TARGET, ...settings }),
      [CollectorEnvVar.DatabaseUrl]: productionUrl,
      [CollectorEnvVar.StateDatabaseUrl]: stateUrl,
    },
    sink: () => sink,
    log,
  });
  return { run: () => handler({}, lambdaContext()), sink, log };
}

/** SQLSTATE of what `sql` throws as this client (undefined when it succeeds). */
export async function sqlStateOf(client: pg.Client, sql: string): Promise<string | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? 'no SQLSTATE';
  }
}
