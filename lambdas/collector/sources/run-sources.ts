/**
 * The SQL-source engine: runs a layer's sources one after another on the collector's
 * connection, each with its own statement_timeout, and turns their rows into datums. A
 * broken source (syntax error, missing table, timeout, wrong columns, invalid values)
 * becomes one entry in `errors` (CollectorErrors) and the other sources still publish.
 */
import { DEFAULT_SOURCE_TIMEOUT_MS, type Source } from '../../core/config/sources.js';
import type { Datum } from '../../core/metrics/datum.js';
import type { CollectorContext, CollectorResult, Tenant } from '../collector.js';
import { within } from '../runtime/within.js';
import { compileSource, TENANT_INDEX_COLUMN, TENANT_ROW_COLUMN, usesWindowStart, type SourceWindow } from './compile.js';
import { TenantConnectionUnavailableError, type TenantReadRequest, tenantReadTimeoutMs } from './tenant-reads.js';
import { sourceDatums, type SourceRow } from './to-datums.js';
import { type SourceWindows, previousWindows, saveWindowStarts, windowEnd } from './window.js';

/** Kept free at the end of the collector's time for building datums and the COMMIT. */
export const SOURCES_FINISH_RESERVE_MS = 250;
/** A source is not started with less time than this left. */
export const MIN_SOURCE_TIME_MS = 100;

export interface SourceRunOptions {
  /** The collector's name (errors and logs). */
  readonly collector: string;
  /** Epoch ms after which no source may still be running (the collector's own timeout). */
  readonly deadline: number;
  readonly clock?: () => number;
}

type SourceError = { readonly name: string; readonly message: string };

const errorName = (source: Source): string => `sources/${source.name}`;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Sources without a window start need no previous run: their window is only an end. */
export async function sourceWindows(ctx: Pick<CollectorContext, 'counters' | 'now' | 'settings'>, sources: readonly Source[]): Promise<SourceWindows> {
  if (sources.some(usesWindowStart)) return previousWindows(ctx.counters, ctx.now, ctx.settings.sourceSettleMs);
  const end = windowEnd(ctx.now, ctx.settings.sourceSettleMs);
  return { end, windowOf: () => ({ end }) };
}

/** A windowed source runs once a previous run recorded where its window starts. */
const ready = (source: Source, w: SourceWindow): boolean => !usesWindowStart(source) || w.start !== undefined;

/** The perTenant sources that run this time, with their windows: what the tenant connections read. */
export function tenantReadRequests(sources: readonly Source[], windows: SourceWindows): TenantReadRequest[] {
  return sources.filter((s) => s.perTenant).map((source) => ({ source, window: windows.windowOf(source.name) })).filter((r) => ready(r.source, r.window));
}

async function runOne(ctx: CollectorContext, source: Source, w: SourceWindow, tenants: readonly Tenant[]): Promise<{ datums: Datum[]; invalid: string[] }> {
  const rows: SourceRow[] = [];
  const statements = compileSource(source, w, tenants, ctx.settings.tenantChunkSize);
  for (const [i, statement] of statements.entries()) {
    // Each tenant table read holds a lock until the transaction ends: a chunk's locks go
    // before the next chunk takes its own, so tenantChunkSize bounds the lock slots used.
    if (i > 0) await ctx.endTransaction();
    const result = await ctx.db.query(statement.text, statement.params);
    for (const row of result) {
      if (!statement.tenants) {
        rows.push({ row });
        continue;
      }
      rows.push({ row: row[TENANT_ROW_COLUMN] as Record<string, unknown>, tenant: statement.tenants[Number(row[TENANT_INDEX_COLUMN])] });
    }
  }
  return sourceDatums(source, rows, { target: ctx.target, topTenants: ctx.settings.topTenants });
}

/**
 * A perTenant source from the tenant connections, awaited as long as their statement may
 * run (every perTenant source's timeout together, within the collector's time). Where no tenant connection can be opened (e.g. the role's connection limit),
 * the source runs on the collector's connection as it would without them.
 */
async function readOne(ctx: CollectorContext, source: Source, w: SourceWindow, tenants: readonly Tenant[], pending: Promise<SourceRow[]>, ms: number) {
  let rows: SourceRow[];
  try {
    rows = await within(pending, ms, () => new Error(`the tenant connections did not return its rows within ${Math.round(ms)} ms`));
  } catch (error) {
    if (!(error instanceof TenantConnectionUnavailableError)) throw error;
    ctx.log.warn('tenant_connections_unavailable', { source: source.name, error, effect: 'the source runs on the main connection' });
    await ctx.statementTimeout(Math.min(source.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS, ms));
    return runOne(ctx, source, w, tenants);
  }
  return sourceDatums(source, rows, { target: ctx.target, topTenants: ctx.settings.topTenants });
}

export async function runSources(ctx: CollectorContext, sources: readonly Source[], options: SourceRunOptions): Promise<CollectorResult> {
  if (!sources.length) return { datums: [] };
  const clock = options.clock ?? Date.now;
  const log = ctx.log.child({ collector: options.collector });
  const windows = await sourceWindows(ctx, sources);
  // Without tenants only the perTenant sources fail; the shared-table ones still run.
  let tenants: readonly Tenant[] = [];
  let discoveryError: string | undefined;
  if (sources.some((s) => s.perTenant)) {
    try {
      tenants = await ctx.tenants();
    } catch (error) {
      discoveryError = `tenant discovery failed: ${messageOf(error)}`;
    }
  }
  // On the tenant connections, where the run has them: every perTenant source at once (or
  // the reads the runtime started for the same windows already).
  const tenantRows = ctx.tenantReads && tenants.length ? ctx.tenantReads.read(tenantReadRequests(sources, windows), tenants) : undefined;
  const datums: Datum[] = [];
  const errors: SourceError[] = [];
  const waiting: string[] = [];
  // Windowed sources: where the next run's window starts, and the datums counted over a window.
  const nextStarts: Record<string, number> = {};
  const windowedDatums: Datum[][] = [];
  let ownReadsLogged = false;

  for (const source of sources) {
    const w = windows.windowOf(source.name);
    const windowed = usesWindowStart(source);
    // Until the source has run over its window, the next run starts where this one did.
    if (windowed) nextStarts[source.name] = (w.start ?? w.end).getTime();
    if (windowed && !w.start) {
      waiting.push(source.name);
      continue;
    }
    if (source.perTenant && discoveryError) {
      errors.push({ name: errorName(source), message: `source "${source.name}": ${discoveryError}` });
      continue;
    }
    const left = options.deadline - SOURCES_FINISH_RESERVE_MS - clock();
    if (ctx.signal.aborted || left < MIN_SOURCE_TIME_MS) {
      errors.push({ name: errorName(source), message: `not started: the ${options.collector} collector's time was spent (${Math.max(0, left)} ms left)` });
      continue;
    }
    try {
      const timeoutMs = Math.min(source.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS, left);
      if (source.perTenant && tenants.length && !ctx.ownReadsExcluded && !ownReadsLogged) {
        ownReadsLogged = true;
        log.info('tenant_reads_include_own', { reason: 'this role may not set track_counts: perTenant source reads count as tenant activity' });
      }
      const pending = tenantRows?.get(source.name);
      if (!pending) await ctx.statementTimeout(timeoutMs);
      const result = pending ? await readOne(ctx, source, w, tenants, pending, Math.min(left, tenantReadTimeoutMs(ctx.settings))) : await runOne(ctx, source, w, tenants);
      if (windowed) {
        nextStarts[source.name] = w.end.getTime();
        windowedDatums.push(result.datums);
      } else {
        datums.push(...result.datums);
      }
      if (result.invalid.length) errors.push({ name: errorName(source), message: `source "${source.name}": ${result.invalid.join('; ')}` });
    } catch (error) {
      const message = messageOf(error);
      // The runtime logs each entry (collector_partial_failure) and counts it in CollectorErrors.
      errors.push({ name: errorName(source), message: message.startsWith('source "') ? message : `source "${source.name}": ${message}` });
    }
  }
  if (waiting.length) log.info('sources_waiting_for_window', { sources: waiting, reason: windows.skipReason ?? 'no previous window end' });
  if (!Object.keys(nextStarts).length) return { datums, errors };
  if (await saveWindowStarts(ctx.counters, nextStarts)) return { datums: [...datums, ...windowedDatums.flat()], errors };
  // The next run counts these windows again: publishing them now would count them twice.
  log.warn('source_windows_not_saved', { sources: Object.keys(nextStarts), effect: 'their counts are published by the next run instead' });
  // (The runtime counts the unsaved window entries in DeltasSkipped.)
  return { datums, errors };
}
