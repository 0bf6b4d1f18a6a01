/**
 * A source's rows as datums. For every metric of the source and every catalog dimension
 * set the source can fill, rows are grouped by that set's dimensions and summed (or
 * gathered into one distribution). Sets with the Tenant dimension keep the top N tenants
 * only; the [Database] set always carries the total over every row.
 */
import { Dimension, type CatalogMetric } from '../../core/catalog/index.js';
import { SourceAggregate, publishedDimensionSets, sourceMetrics, type Source, type SourceMetric } from '../../core/config/sources.js';
import type { Datum } from '../../core/metrics/datum.js';
import type { Tenant } from '../collector.js';
import { dimensionValue } from '../tenants/dimension-value.js';
import { topByScore } from '../tenants/top-tenants.js';
import { cellValue, cellValues, type CellValue } from './values.js';

export interface SourceRow {
  readonly row: Readonly<Record<string, unknown>>;
  /** The tenant a perTenant statement ran this row for. */
  readonly tenant?: Tenant;
}

export interface DatumOptions {
  readonly target: string;
  readonly topTenants: number;
}

export interface SourceDatums {
  readonly datums: Datum[];
  /** Values dropped, one line per metric ("column x: 2 invalid values dropped (not a number: "abc")"). */
  readonly invalid: string[];
}

/** The result does not have a column the source declares: the whole source is wrong. */
export class SourceColumnError extends Error {
  override readonly name = 'SourceColumnError';
}

type Dims = Readonly<Record<string, string>>;

interface Group {
  readonly dims: Dims;
  sum: number;
  /** Distribution: value -> how many times it occurred. */
  readonly counts: Map<number, number>;
  observations: number;
}

/** Every declared column must be in the result; extra columns are allowed (and ignored). */
export function checkColumns(source: Source, row: Readonly<Record<string, unknown>>): void {
  const present = Object.keys(row);
  const declared = [
    ...source.metrics.map((m) => ({ column: m.column, use: `metric ${m.metric}` })),
    ...Object.entries(source.dimensions ?? {}).map(([dimension, column]) => ({ column, use: `dimension ${dimension}` })),
  ];
  for (const { column, use } of declared) {
    if (!(column in row)) {
      throw new SourceColumnError(`source "${source.name}": column "${column}" (${use}) is not in the result; the result has columns ${present.map((c) => `"${c}"`).join(', ')}`);
    }
  }
}

/** The source-supplied dimensions of one row (Database is added per datum). */
function rowDimensions(source: Source, r: SourceRow): Dims {
  const dims: Record<string, string> = {};
  for (const [dimension, column] of Object.entries(source.dimensions ?? {})) {
    const raw = r.row[column];
    dims[dimension] = dimensionValue(raw === null || raw === undefined ? '' : String(raw));
  }
  if (r.tenant) dims[Dimension.Tenant] = dimensionValue(r.tenant.name);
  return dims;
}

function project(dims: Dims, set: readonly string[]): Dims {
  const out: Record<string, string> = {};
  for (const d of set) if (d !== Dimension.Database && dims[d] !== undefined) out[d] = dims[d]!;
  return out;
}

const groupKey = (dims: Dims): string => JSON.stringify(Object.entries(dims).sort(([a], [b]) => (a < b ? -1 : 1)));

function toDatum(metric: CatalogMetric, target: string, group: Group, aggregate: SourceMetric['aggregate']): Datum {
  const dimensions = { [Dimension.Database]: target, ...group.dims };
  if (aggregate === SourceAggregate.Distribution) {
    return { metric, dimensions, values: [...group.counts.keys()], counts: [...group.counts.values()] };
  }
  return { metric, dimensions, value: group.sum };
}

function metricDatums(source: Source, m: SourceMetric, rows: readonly SourceRow[], dims: readonly Dims[], options: DatumOptions, invalid: string[]): Datum[] {
  const metric = sourceMetrics.get(m.metric);
  if (!metric) throw new Error(`source "${source.name}": ${m.metric} is not a source metric`);
  const sets = publishedDimensionSets(source, metric);
  const groups = sets.map(() => new Map<string, Group>());
  const rejected: CellValue[] = [];

  rows.forEach((r, i) => {
    const raw = r.row[m.column];
    const cells = m.aggregate === SourceAggregate.Distribution ? cellValues(raw) : [cellValue(raw)];
    for (const cell of cells) {
      if (cell.kind === 'invalid') rejected.push(cell);
      if (cell.kind !== 'value') continue;
      sets.forEach((set, s) => {
        const projected = project(dims[i]!, set);
        const key = groupKey(projected);
        const group = groups[s]!.get(key) ?? { dims: projected, sum: 0, counts: new Map(), observations: 0 };
        group.sum += cell.value;
        group.observations += 1;
        group.counts.set(cell.value, (group.counts.get(cell.value) ?? 0) + 1);
        groups[s]!.set(key, group);
      });
    }
  });
  const first = rejected[0];
  if (first?.kind === 'invalid') invalid.push(`column "${m.column}" (${m.metric}): ${rejected.length} invalid value(s) dropped (${first.reason})`);

  return sets.flatMap((set, s) => {
    let selected = [...groups[s]!.values()];
    if (set.includes(Dimension.Tenant)) {
      const score = (g: Group) => (m.aggregate === SourceAggregate.Distribution ? g.observations : g.sum);
      selected = topByScore(selected, options.topTenants, score, (g) => g.dims[Dimension.Tenant] ?? '');
    }
    return selected.map((g) => toDatum(metric, options.target, g, m.aggregate));
  });
}

export function sourceDatums(source: Source, rows: readonly SourceRow[], options: DatumOptions): SourceDatums {
  if (rows[0]) checkColumns(source, rows[0].row);
  const dims = rows.map((r) => rowDimensions(source, r));
  const invalid: string[] = [];
  const datums = source.metrics.flatMap((m) => metricDatums(source, m, rows, dims, options, invalid));
  return { datums, invalid };
}
