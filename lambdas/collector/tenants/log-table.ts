/**
 * A table in one structured log line, split only when it would not fit in one CloudWatch
 * Logs event (256 KiB): each part then carries `part` and `parts`, so a Logs Insights query
 * still finds every row. Rows are arrays under `columns`, which keeps 10,000 tenants small.
 */
import type { CollectorLogLine } from '../collector.js';

/** Below CloudWatch Logs' 256 KiB event limit, with room for the logger's own fields. */
export const MAX_LOG_LINE_BYTES = 200_000;

export function tableLogLines(
  event: string,
  fields: Readonly<Record<string, unknown>>,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  maxBytes = MAX_LOG_LINE_BYTES,
): CollectorLogLine[] {
  const parts: (readonly unknown[])[][] = [[]];
  let size = JSON.stringify({ ...fields, columns }).length;
  for (const row of rows) {
    const rowSize = JSON.stringify(row).length + 1;
    const current = parts[parts.length - 1]!;
    if (current.length && size + rowSize > maxBytes) {
      parts.push([row]);
      size = JSON.stringify({ ...fields, columns }).length + rowSize;
    } else {
      current.push(row);
      size += rowSize;
    }
  }
  if (parts.length === 1) return [{ event, fields: { ...fields, columns, rows: parts[0] } }];
  return parts.map((p, i) => ({ event, fields: { ...fields, part: i + 1, parts: parts.length, columns, rows: p } }));
}
