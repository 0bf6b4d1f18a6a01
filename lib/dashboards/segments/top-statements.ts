/**
 * The top-10 slowest statements table: a Logs Insights query over the collector's
 * structured `top_statements` log line (one line per run, its `statements` list holding
 * the interval's slowest statements). The table aggregates the dashboard's time range:
 * per query id, total time / calls, slowest first. Query ids stay in the log, never in a
 * metric dimension (unbounded cardinality).
 */
import type { LogsQuery, LogsWidget } from '../model.js';
import { SpecItem } from '../model.js';

export const TopStatementsLine = {
  event: 'top_statements',
  listField: 'statements',
  /** Fields of each list entry. */
  fields: { queryId: 'queryid', calls: 'calls', meanMs: 'mean_ms', totalMs: 'total_ms', query: 'query' },
} as const;

const TOP = 10;
const ENTRY = 's';

export function topStatementsQuery(): LogsQuery {
  const f = TopStatementsLine.fields;
  const e = (field: string) => `${ENTRY}.${field}`;
  return {
    event: TopStatementsLine.event,
    listField: TopStatementsLine.listField,
    // The entry fields the query reads; mean_ms is recomputed over the range, not read.
    fields: [f.queryId, f.calls, f.totalMs, f.query],
    lines: [
      `filter event = "${TopStatementsLine.event}"`,
      `| fields jsonParse(@message) as line`,
      `| unnest line.${TopStatementsLine.listField} into ${ENTRY}`,
      `| stats sum(${e(f.totalMs)}) / sum(${e(f.calls)}) as ${f.meanMs}, sum(${e(f.calls)}) as ${f.calls}, `
        + `sum(${e(f.totalMs)}) as ${f.totalMs}, latest(${e(f.query)}) as ${f.query} by ${e(f.queryId)}`,
      `| sort ${f.meanMs} desc`,
      `| limit ${TOP}`,
    ],
  };
}

export function topStatementsWidget(logGroupName: string): LogsWidget {
  return {
    kind: 'logs', id: 'top-statements', specItem: SpecItem.TopSlowestQueries,
    title: 'Top 10 slowest statements (mean ms over the range, pg_stat_statements)',
    width: 24, height: 8, logGroupNames: [logGroupName], query: topStatementsQuery(),
  };
}
