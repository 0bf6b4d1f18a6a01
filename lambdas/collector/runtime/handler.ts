/**
 * The collector Lambda handler: middy middleware loads the settings (cold start) and sets
 * the run deadline; the handler opens nothing itself, it wires the run's dependencies
 * (connections through the auth-retrying providers, the state store, the sink) and runs
 * one collection. It never throws because a database is down: that is a metric.
 */
import middy from '@middy/core';
import type { Collector } from '../collector.js';
import { allCollectors } from '../collectors/index.js';
import type { Logger } from '../../core/log/logger.js';
import { createLogger } from '../../core/log/logger.js';
import { createCloudWatchSink } from '../publishers/cloudwatch.js';
import type { MetricSink } from '../publishers/sink.js';
import { openPgStateStore } from '../state/pg-state-store.js';
import { withAuthRetry } from './connection-settings-auth-retry.js';
import { type ConnectionProviders, type Environment, connectionProvidersFromEnvironment, settingsFromEnvironment } from './environment.js';
import { type CollectorContext, collectorSettings, invocationFailureLog, runDeadline } from './handler-middleware.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './pg-client.js';
import { keptConnection } from './kept-connection.js';
import { tenantConnectionKeeper } from './tenant-connections.js';
import { tenantReadTimeoutMs } from '../sources/tenant-reads.js';
import { type ProductionConnection, openProductionConnection } from './production-connection.js';
import type { QueryStats } from './query-stats.js';
import { runCollection } from './run-collection.js';
import { tlsWarnings } from './tls-mode.js';
import type { RunResult } from './run-result.js';
import type { SecretReader } from './secrets.js';

export const COLLECTOR_SERVICE = 'tenantwatch-collector';
/** How the TLS warning names the two databases. */
const PRODUCTION_DATABASE = 'production';
const STATE_DATABASE = 'state';

export interface CollectorHandlerOptions {
  /** Default: process.env. */
  readonly env?: Environment;
  /** Default: every collector (collectors/index.ts). */
  readonly collectors?: readonly Collector[];
  /** Default: the CloudWatch sink (region and endpoint from the SDK's environment). */
  readonly sink?: (log: Logger) => MetricSink;
  /** Default: the Lambda's cached Secrets Manager reader. */
  readonly secretReader?: SecretReader;
  readonly log?: Logger;
  readonly clock?: () => number;
  /**
   * Keep the production connection from one invocation to the next while the Lambda is
   * warm (kept-connection.ts), unless the settings' keepConnection is false. The deployed
   * handler does; default false, so each test invocation connects afresh.
   */
  readonly keepConnection?: boolean;
}

interface Wiring {
  readonly connections: ConnectionProviders;
  readonly sink: MetricSink;
}

export function createCollectorHandler(options: CollectorHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const log = options.log ?? createLogger({ service: COLLECTOR_SERVICE });
  // Once per execution environment and database: a connection that does not verify the server.
  const warnTls = tlsWarnings(log);
  const collectors = options.collectors ?? allCollectors;
  // Module scope in Lambda: built at the first invocation, reused while the environment is warm.
  let wiring: Wiring | undefined;
  const kept = options.keepConnection ? keptConnection() : undefined;
  const keptTenantConnections = options.keepConnection ? tenantConnectionKeeper() : undefined;
  const wire = (): Wiring => {
    wiring ??= {
      connections: connectionProvidersFromEnvironment(env, options.secretReader),
      sink: (options.sink ?? ((l: Logger) => createCloudWatchSink({ logger: l })))(log),
    };
    return wiring;
  };

  const run = async (_event: unknown, context: CollectorContext): Promise<RunResult> => {
    const settings = context.settings;
    if (!settings) throw new Error('collector settings were not loaded (middleware order)');
    const { connections, sink } = wire();
    const runLog = log.child({ target: settings.target, requestId: context.awsRequestId });
    const keep = settings.keepConnection ? kept : undefined;
    const openWith = (statementTimeoutMs: number) => (stats: QueryStats) => withAuthRetry(connections.production, (s) => {
      warnTls(PRODUCTION_DATABASE, s);
      return openProductionConnection(s, {
        statementTimeoutMs,
        lockTimeoutMs: settings.lockTimeoutMs,
        connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
        stats,
      });
    }, { log: runLog });
    const open = openWith(settings.statementTimeoutMs);
    return runCollection({
      settings,
      collectors,
      sink,
      log: runLog,
      ...(context.deadline === undefined ? {} : { deadline: context.deadline }),
      ...(options.clock ? { clock: options.clock } : {}),
      connect: keep
        ? (stats) => keep.acquire({ stats, open, statementTimeoutMs: settings.statementTimeoutMs, checkTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS, log: runLog })
        : open,
      ...(keep ? { release: (conn: ProductionConnection) => keep.release(conn) } : {}),
      tenantConnections: {
        size: settings.tenantConnections,
        // A tenant-read statement runs every perTenant source: its bound is theirs together.
        open: openWith(tenantReadTimeoutMs(settings)),
        ...(settings.keepConnection && keptTenantConnections ? { keeper: keptTenantConnections } : {}),
      },
      openStateStore: () => withAuthRetry(connections.state, (s) => {
        warnTls(STATE_DATABASE, s);
        return openPgStateStore(s, {
          connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
          statementTimeoutMs: settings.statementTimeoutMs,
        });
      }, { log: runLog }),
    });
  };

  const handler = middy<unknown, RunResult, Error, CollectorContext>(run)
    .use(invocationFailureLog(log))
    .use(collectorSettings(() => settingsFromEnvironment(env)))
    .use(runDeadline(options.clock));
  // A Lambda environment just ends; a test or `npm start` closes what it kept.
  return Object.assign(handler, {
    closeConnection: async () => {
      await Promise.all([kept?.close(), keptTenantConnections?.close()]);
    },
  });
}
