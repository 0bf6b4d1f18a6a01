/**
 * The CloudWatch SEARCH expression of a search series:
 *   SEARCH('{Namespace,DimA,DimB} MetricName="Name" DimA="value"', 'Sum', 60)
 * The `{schema}` part restricts the search to metrics with exactly that dimension set, so
 * the per-tenant series never mix with the totals. Top-N wraps it in SORT(..., SUM, DESC, N).
 */
import type { SearchSeries } from './model.js';

const UNSAFE = /["'\\]/;

function quoted(value: string, what: string): string {
  if (UNSAFE.test(value)) throw new Error(`dashboard search: ${what} ${JSON.stringify(value)} contains a quote or backslash`);
  return `"${value}"`;
}

export function searchExpression(s: SearchSeries): string {
  const set = s.metric.dimensionSets[s.dimensionSet] ?? [];
  const schema = `{${[s.metric.namespace, ...set].join(',')}}`;
  const terms = [`MetricName=${quoted(s.metric.name, 'metric name')}`, ...Object.entries(s.filter).map(([d, v]) => `${d}=${quoted(v, d)}`)];
  let text = `SEARCH('${schema} ${terms.join(' ')}', '${s.statistic}', ${s.periodSeconds})`;
  if (s.top !== undefined) text = `SORT(${text}, SUM, DESC, ${s.top})`;
  if (s.divisor !== undefined) text = `${text} / ${s.divisor}`;
  return text;
}
