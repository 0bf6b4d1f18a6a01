/**
 * A run's perTenant source reads, on its tenant connections (runtime/tenant-connections.ts)
 * instead of the main one. Why: these reads are most of a run's server time (one query
 * per tenant schema and source) and need nothing of the main transaction, so they run in
 * parallel with the other collectors and split over several server backends.
 *
 * Every requested source and a part of the tenants go in ONE statement (TENANT_READ_SQL),
 * one part per connection unless `tenantChunkSize` asks for smaller ones
 * (sources/tenant-parts.ts): a run sends the same number of statements at 10 or 10,000
 * tenants. Each statement is its own read-only transaction (the statement's guard), so
 * its locks are gone when it ends.
 *
 * Isolation is kept: a part that fails with an SQL error is read again source by source,
 * so a broken source fails alone; a kept connection that died is replaced and the part
 * sent again once.
 *
 * Reads are memoised per run: the runtime starts them as soon as tenants and windows are
 * known (runtime/prefetch-tenant-reads.ts), and the collector that publishes the sources
 * gets the same promise when it asks for the same read (same sources, windows and tenants).
 */
import type { CollectorSettings } from '../../core/config/collector-settings.js';
import { DEFAULT_SOURCE_TIMEOUT_MS, type Source } from '../../core/config/sources.js';
import type { QueryRunner, Tenant } from '../collector.js';
import { hasSqlState } from '../runtime/collector-failure.js';
import type { TenantConnectionSlots } from '../runtime/tenant-connections.js';
import { TENANT_INDEX_COLUMN, TENANT_READ_SQL, TENANT_ROW_COLUMN, TENANT_SOURCE_COLUMN, perTenantQuery, type SourceWindow } from './compile.js';
import { SOURCES_COLLECTOR_TIMEOUT_MS } from './sources-collector.js';
import { tenantParts } from './tenant-parts.js';
import type { SourceRow } from './to-datums.js';

/** Bounds every tenant-read statement (the tenant connections' statement_timeout): all perTenant sources' timeouts together, within the collector's. */
export function tenantReadTimeoutMs(settings: Pick<CollectorSettings, 'sources'>, collectorTimeoutMs = SOURCES_COLLECTOR_TIMEOUT_MS): number {
  const total = settings.sources.filter((s) => s.perTenant).reduce((sum, s) => sum + (s.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS), 0);
  return Math.min(collectorTimeoutMs, Math.max(total, DEFAULT_SOURCE_TIMEOUT_MS));
}

/**
 * Tenant schemas that make another connection worth its backend: a part of fewer takes
 * under about 0.2 s on one (README "Benchmark"), so a smaller run reads its parts one
 * after the other on fewer connections. The parts, and so the statements, stay the same.
 */
export const TENANTS_PER_CONNECTION = 2_000;

export interface TenantReadRequest {
  readonly source: Source;
  readonly window: SourceWindow;
}

export interface TenantReads {
  /**
   * The rows of each source (by name) over these tenants, in tenant order: started now,
   * or the read already under way for the same source, window and tenants. A source
   * whose read failed rejects; the others are not affected.
   */
  read(requests: readonly TenantReadRequest[], tenants: readonly Tenant[]): ReadonlyMap<string, Promise<SourceRow[]>>;
  /** A runner on the first tenant connection (the run's tenant discovery, started early). */
  readonly db: QueryRunner;
  /** Statements still running (connections that must not be kept). */
  busySlots(): ReadonlySet<number>;
}

type TenantReadRow = Record<string, unknown> & {
  [TENANT_INDEX_COLUMN]: number;
  [TENANT_SOURCE_COLUMN]: number;
  [TENANT_ROW_COLUMN]: Record<string, unknown>;
};

/** A row of one source, with the tenant's position in the run's tenant list. */
interface PlacedRow {
  readonly tenant: number;
  readonly row: Record<string, unknown>;
}

/** What one part gave each source: its rows, or why it has none. */
type PartOutcome = { readonly rows: PlacedRow[] } | { readonly error: unknown };

/** No tenant connection could be opened (e.g. the role's connection limit): the sources run on the main one. */
export class TenantConnectionUnavailableError extends Error {
  override readonly name = 'TenantConnectionUnavailableError';
}

const readKey = (r: TenantReadRequest): string =>
  JSON.stringify([r.source.name, r.source.sql, r.window.start?.getTime() ?? null, r.window.end.getTime()]);

export function createTenantReads(slots: TenantConnectionSlots, chunkSize: number): TenantReads {
  const started = new Map<string, { tenants: readonly Tenant[]; rows: Promise<SourceRow[]> }>();
  const busy = new Map<number, number>();

  /** Runs `work` on the slot's connection; a kept connection that died is replaced once. */
  async function onSlot<T>(slot: number, work: (db: QueryRunner) => Promise<T>): Promise<T> {
    busy.set(slot, (busy.get(slot) ?? 0) + 1);
    try {
      const { conn, reused } = await slots.get(slot).catch((error: unknown) => {
        throw new TenantConnectionUnavailableError(`no tenant connection: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      try {
        return await work(conn.db);
      } catch (error) {
        if (hasSqlState(error) || !conn.lost) throw error;
        slots.discard(slot);
        if (!reused) throw error;
        return await work((await slots.get(slot)).conn.db);
      }
    } finally {
      busy.set(slot, busy.get(slot)! - 1);
    }
  }

  async function readPart(db: QueryRunner, part: readonly number[], tenants: readonly Tenant[], queries: readonly string[]): Promise<PartOutcome[]> {
    const schemas = part.map((i) => tenants[i]!.schema);
    const read = (sqls: readonly string[]) => db.query<TenantReadRow>(TENANT_READ_SQL, [schemas, sqls]);
    const placed = (r: TenantReadRow): PlacedRow => ({ tenant: part[Number(r[TENANT_INDEX_COLUMN])]!, row: r[TENANT_ROW_COLUMN] });
    try {
      const bySource: PlacedRow[][] = queries.map(() => []);
      for (const r of await read(queries)) bySource[Number(r[TENANT_SOURCE_COLUMN])]!.push(placed(r));
      return bySource.map((rows) => ({ rows }));
    } catch (error) {
      // The connection failed, not a source: onSlot decides whether to try again.
      if (!hasSqlState(error)) throw error;
      // One broken source must not cost the others: read them one by one.
      if (queries.length === 1) return queries.map(() => ({ error }));
    }
    const outcomes: PartOutcome[] = [];
    for (const query of queries) {
      try {
        outcomes.push({ rows: (await read([query])).map(placed) });
      } catch (error) {
        outcomes.push({ error });
      }
    }
    return outcomes;
  }

  /** Every part, spread over the slots; per source: its rows in tenant order, or the first error. */
  async function readAll(requests: readonly TenantReadRequest[], tenants: readonly Tenant[]): Promise<PartOutcome[]> {
    const queries = requests.map((r) => perTenantQuery(r.source, r.window));
    const queue = tenantParts(tenants.length, slots.size, chunkSize);
    const results: PartOutcome[][] = [];
    let working = Math.min(slots.size, queue.length, Math.ceil(tenants.length / TENANTS_PER_CONNECTION));
    const worker = async (slot: number) => {
      try {
        for (let part = queue.shift(); part; part = queue.shift()) {
          const current = part;
          try {
            results.push(await onSlot(slot, (db) => readPart(db, current, tenants, queries)));
          } catch (error) {
            // A connection that cannot be opened leaves its parts to the others, while there are others.
            if (error instanceof TenantConnectionUnavailableError && working > 1) {
              queue.unshift(current);
              return;
            }
            results.push(queries.map(() => ({ error })));
          }
        }
      } finally {
        working -= 1;
      }
    };
    await Promise.all(Array.from({ length: working }, (_, slot) => worker(slot)));
    return requests.map((_, i) => {
      const rows: PlacedRow[] = [];
      for (const part of results) {
        const outcome = part[i]!;
        if ('error' in outcome) return outcome;
        rows.push(...outcome.rows);
      }
      // Stable: a tenant's rows keep their order.
      return { rows: rows.sort((a, b) => a.tenant - b.tenant) };
    });
  }

  return {
    read(requests, tenants) {
      const out = new Map<string, Promise<SourceRow[]>>();
      const fresh: TenantReadRequest[] = [];
      for (const r of requests) {
        const prior = started.get(readKey(r));
        if (prior && prior.tenants === tenants) out.set(r.source.name, prior.rows);
        else fresh.push(r);
      }
      if (!fresh.length) return out;
      const all = readAll(fresh, tenants);
      for (const [i, r] of fresh.entries()) {
        const rows = all.then((outcomes) => {
          const outcome = outcomes[i]!;
          if ('error' in outcome) throw outcome.error;
          return outcome.rows.map((p) => ({ row: p.row, tenant: tenants[p.tenant]! }));
        });
        // Rejections are the collector's to report; an unawaited prefetch must not crash the process.
        rows.catch(() => undefined);
        started.set(readKey(r), { tenants, rows });
        out.set(r.source.name, rows);
      }
      return out;
    },
    db: { query: <R extends Record<string, unknown>>(text: string, params?: readonly unknown[]) => onSlot(0, (db) => db.query<R>(text, params)) },
    busySlots: () => new Set([...busy].filter(([, n]) => n > 0).map(([slot]) => slot)),
  };
}
