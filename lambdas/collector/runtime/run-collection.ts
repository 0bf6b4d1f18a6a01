/**
 * One collection run: connect (read-only), run every collector in isolation within the
 * run's time budget, validate, publish, and always publish the run's own health, even
 * when the database is unreachable. Never throws: failures become metrics and log lines.
 */
import type { Collector, QueryRunner, Tenant } from '../collector.js';
import type { Layer } from '../../core/catalog/index.js';
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import type { TenantDiscovery } from '../../core/config/tenants.js';
import type { Logger } from '../../core/log/logger.js';
import type { Datum } from '../../core/metrics/datum.js';
import { readStatementStatistics } from '../collectors/shared/statement-statistics.js';
import type { MetricSink, PublishReport } from '../publishers/sink.js';
import { validateDatums } from '../publishers/validate.js';
import type { StateStore } from '../state/state-store.js';
import { discoverTenants } from '../tenants/discovery.js';
import { type RunDeadlines, runDeadlines } from './deadline.js';
import { onceSucceeded } from './once-succeeded.js';
import { pgStatStatementsState } from './requirements.js';
import type { ProductionConnection } from './production-connection.js';
import { type QueryStats, addQueryStats, emptyQueryStats } from './query-stats.js';
import { runTenantReads } from './run-tenant-reads.js';
import type { TenantConnectionOptions } from './tenant-connections.js';
import { type BackgroundSave, type CollectorOutcome, CollectorStatus, type RunEnvironment, STATE_STORE_WAIT_SHARE, runCollector } from './run-collector.js';
import { within } from './within.js';
import { runConnection, unavailableConnection } from './run-connection.js';
import { runHealthDatums } from './run-health.js';
import type { LayerTiming, RunError, RunResult } from './run-result.js';

export interface RunCollectionOptions {
  readonly settings: CollectorSettings;
  readonly collectors: readonly Collector[];
  /** Opens the read-only production connection (auth retry included), counting into `stats`. */
  readonly connect: (stats: QueryStats) => Promise<ProductionConnection>;
  /** Takes the connection back after the run (kept-connection.ts); default: it is closed. */
  readonly release?: (conn: ProductionConnection) => Promise<void>;
  /** Opens the state store; a rejection means the state database is unavailable this run. */
  readonly openStateStore: () => Promise<StateStore>;
  readonly sink: MetricSink;
  readonly log: Logger;
  /** Epoch ms by which the run must have published (the Lambda's end minus a margin). */
  readonly deadline?: number;
  readonly clock?: () => number;
  readonly discover?: (db: QueryRunner, discovery: TenantDiscovery, log?: Logger) => Promise<readonly Tenant[]>;
  /**
   * Connections for the perTenant source reads beside the main one (runtime/tenant-connections.ts);
   * without them (or with size 0) those sources run on the main connection.
   */
  readonly tenantConnections?: TenantConnectionOptions;
}


function lazyStateStore(open: () => Promise<StateStore>, log: Logger) {
  let opened: Promise<StateStore> | undefined;
  return {
    get: () => {
      if (!opened) {
        opened = open();
        opened.catch((error: unknown) => log.warn('state_store_unavailable', { error, effect: 'counter deltas skipped this run' }));
      }
      return opened;
    },
    close: async () => {
      if (opened) await opened.then((s) => s.close(), () => undefined);
    },
  };
}

async function publishSafely(sink: MetricSink, datums: readonly Datum[], deadlines: RunDeadlines, log: Logger): Promise<PublishReport> {
  try {
    return await sink.publish(datums, { deadline: deadlines.publishUntil });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error('publish_failed', { error, datums: datums.length });
    return { datumsSent: 0, requests: 0, bytesSent: 0, datumsLost: datums.length, failures: [{ message, datums: datums.length }] };
  }
}

function logOutcome(o: CollectorOutcome, log: Logger): void {
  const fields = { collector: o.name, layer: o.layer, durationMs: o.durationMs };
  if (o.status === CollectorStatus.Ok) {
    for (const line of o.logLines) log.info(line.event, { collector: o.name, ...line.fields });
    for (const e of o.partialErrors) log.warn('collector_partial_failure', { ...fields, source: e.name, message: e.message });
  } else if (o.status === CollectorStatus.Skipped) {
    log.warn('collector_skipped', { ...fields, reason: o.failure?.reason, message: o.failure?.message });
  } else {
    log.error('collector_failed', { ...fields, reason: o.failure?.reason, message: o.failure?.message, code: o.failure?.code });
  }
}

/**
 * A collector whose sample was saved in the background publishes only if the save
 * succeeded: its deltas are this run's only when its sample is the next baseline.
 */
async function settleBackgroundSaves(outcomes: CollectorOutcome[], saves: readonly BackgroundSave[], waitMs: number): Promise<void> {
  await Promise.all(saves.map(async (save) => {
    const saved = await within(save.saved, waitMs, () => new Error('state store save still running')).catch(() => false);
    const i = outcomes.findIndex((o) => o.name === save.collector);
    const outcome = outcomes[i];
    if (saved || !outcome) return;
    outcomes[i] = { ...outcome, datums: [], logLines: [], deltasSkipped: outcome.deltasSkipped + save.sampled };
  }));
}

function errorsOf(outcomes: readonly CollectorOutcome[]): RunError[] {
  return outcomes.flatMap((o): RunError[] => [
    ...(o.failure ? [{ collector: o.name, reason: o.failure.reason, message: o.failure.message }] : []),
    ...o.partialErrors.map((e) => ({ collector: o.name, reason: 'partial' as const, message: `${e.name}: ${e.message}` })),
  ]);
}

function layerTimings(outcomes: readonly CollectorOutcome[]): Partial<Record<Layer, LayerTiming>> {
  const layers: Partial<Record<Layer, LayerTiming>> = {};
  for (const o of outcomes) {
    const t = layers[o.layer] ?? { durationMs: 0, collectors: 0, failed: 0 };
    layers[o.layer] = {
      durationMs: t.durationMs + o.durationMs,
      collectors: t.collectors + 1,
      failed: t.failed + (o.status === CollectorStatus.Ok ? 0 : 1),
    };
  }
  return layers;
}

export async function runCollection(options: RunCollectionOptions): Promise<RunResult> {
  const clock = options.clock ?? Date.now;
  const startMs = clock();
  const startedAt = new Date(startMs);
  const { settings, log } = options;
  const target = settings.target;
  const deadlines = runDeadlines(startMs, settings.runBudgetMs, options.deadline);
  const stats = emptyQueryStats();
  const state = lazyStateStore(options.openStateStore, log);
  const outcomes: CollectorOutcome[] = [];
  let connectionFailures = 0;
  let serverVersion: number | undefined;
  let connectError: RunError | undefined;

  let first: ProductionConnection | undefined;
  // Open the state database alongside: a slow one then costs no collector its time budget.
  if (options.collectors.some((c) => c.usesDatabase !== false)) void state.get().catch(() => undefined);
  try {
    first = await options.connect(stats);
    serverVersion = first.serverVersion;
  } catch (error) {
    connectionFailures = 1;
    const message = error instanceof Error ? error.message : String(error);
    connectError = { collector: 'connect', reason: 'connect', message };
    log.error('database_unreachable', { error, effect: 'DatabaseUp 0, ConnectionFailures 1; only collectors that do not query the database run' });
  }

  // Collectors that never query the database (health probes) run even when it is down.
  const runnable = first ? options.collectors : options.collectors.filter((c) => c.usesDatabase === false);
  const connection = first
    ? runConnection(first, () => options.connect(stats), log, options.release)
    : unavailableConnection(connectError?.message ?? 'not connected');
  const discover = options.discover ?? discoverTenants;
  const tenantReads = first && options.tenantConnections && options.tenantConnections.size > 0
    ? runTenantReads(options.tenantConnections, settings.tenantChunkSize, log)
    : undefined;
  const backgroundSaves: BackgroundSave[] = [];
  const env: RunEnvironment = {
    target, settings, serverVersion: first?.serverVersion ?? 0, now: startedAt, log, connection, stats,
    collectUntil: deadlines.collectUntil,
    store: state.get,
    tenants: onceSucceeded((db) => discover(db, settings.tenants, log)),
    statementStatistics: onceSucceeded((db) => readStatementStatistics(db, first?.serverVersion ?? 0)),
    pgStatStatements: onceSucceeded(pgStatStatementsState),
    ...(tenantReads ? { tenantReads: tenantReads.reads } : {}),
    backgroundSave: (save) => backgroundSaves.push(save),
    clock,
  };
  tenantReads?.prefetch(env, runnable);
  for (const c of runnable) {
    const outcome = await runCollector(c, env);
    outcomes.push(outcome);
    // Its log lines hold only once its sample is saved.
    if (!(c.savesInBackground && outcome.status === CollectorStatus.Ok)) logOutcome(outcome, log);
  }
  // What is still running beside the collectors may take a share of the time left to publish.
  const beforePublish = () => Math.max(0, deadlines.publishUntil - clock()) * STATE_STORE_WAIT_SHARE;
  const settling = outcomes.map((o, i) => (runnable[i]!.savesInBackground && o.status === CollectorStatus.Ok ? i : -1)).filter((i) => i >= 0);
  await settleBackgroundSaves(outcomes, backgroundSaves, beforePublish());
  for (const i of settling) logOutcome(outcomes[i]!, log);
  const tenantReadStats = tenantReads ? await tenantReads.finish(beforePublish()) : emptyQueryStats();
  addQueryStats(stats, tenantReadStats);
  connectionFailures += connection.reconnectFailures;
  await connection.close();
  await state.close();

  const validated = validateDatums(outcomes.flatMap((o) => o.datums), startedAt);
  for (const d of validated.dropped) log.warn('invalid_values_dropped', { metric: d.metric, dimensions: d.dimensions, reason: d.reason, values: d.count });
  const errors = [...(connectError ? [connectError] : []), ...errorsOf(outcomes)];
  const errorsByCollector = new Map(outcomes.map((o) => [o.name, (o.status === CollectorStatus.Ok ? 0 : 1) + o.partialErrors.length]));
  const deltasSkipped = outcomes.reduce((n, o) => n + o.deltasSkipped, 0);
  const durationMs = clock() - startMs;
  const health = runHealthDatums({
    target, databaseUp: first !== undefined, connectionFailures, durationMs, deltasSkipped,
    invalidValuesDropped: validated.valuesDropped, errorsByCollector,
  });
  const datums = [...validated.valid, ...health];
  const publish = await publishSafely(options.sink, datums, deadlines, log);

  const result: RunResult = {
    target, startedAt, durationMs, databaseUp: first !== undefined, serverVersion, connectionFailures,
    datums, errors,
    collectors: outcomes.map(({ datums: _d, logLines: _l, ...rest }) => rest),
    layers: layerTimings(outcomes),
    statements: stats.statements, rows: stats.rows, tenantReads: { ...tenantReadStats }, deltasSkipped, invalidValuesDropped: validated.valuesDropped, publish,
    logLines: outcomes.flatMap((o) => o.logLines.map((line) => ({ collector: o.name, ...line }))),
  };
  log.info('collection_run', {
    target, durationMs, databaseUp: result.databaseUp, serverVersion, collectors: outcomes.length, errors: errors.length,
    datums: datums.length, statements: stats.statements, rows: stats.rows, deltasSkipped, datumsLost: publish.datumsLost,
  });
  return result;
}
