/**
 * Constructors for widget series. They check what a typo would otherwise only reveal as
 * an empty graph in the console: the dimensions must be exactly one of the metric's
 * declared dimension sets, and a search must name one of them.
 */
import type { MetricDef, Statistic } from '../../lambdas/core/catalog/index.js';
import {
  Axis, type Annotation, AnnotationKind, type ExpressionSeries, type GraphWidget, GraphView, type MetricSeries, type SearchSeries,
  type WidgetStatistic,
} from './model.js';

/** The collectors run once a minute: the finest period with a value in every point. */
export const MINUTE = 60;
export const FIVE_MINUTES = 300;
export const HOUR = 3_600;
export const DAY = 86_400;

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((d) => b.includes(d));
}

export function metricSeries(
  metric: MetricDef,
  statistic: WidgetStatistic,
  dimensions: Readonly<Record<string, string>>,
  options: { label: string; periodSeconds?: number; axis?: Axis },
): MetricSeries {
  const keys = Object.keys(dimensions);
  if (!metric.dimensionSets.some((set) => sameSet(set, keys))) {
    throw new Error(`dashboard series ${metric.namespace}/${metric.name}: dimensions [${keys.join(', ')}] are not a declared dimension set`);
  }
  return {
    kind: 'metric', metric, statistic, dimensions, label: options.label,
    periodSeconds: options.periodSeconds ?? MINUTE, axis: options.axis ?? Axis.Left,
  };
}

export function searchSeries(
  metric: MetricDef,
  dimensionSet: number,
  filter: Readonly<Record<string, string>>,
  statistic: Statistic,
  options: { label: string; periodSeconds?: number; axis?: Axis; top?: number; divisor?: number },
): SearchSeries {
  const set = metric.dimensionSets[dimensionSet];
  if (!set) throw new Error(`dashboard search ${metric.namespace}/${metric.name}: no dimension set ${dimensionSet}`);
  const stray = Object.keys(filter).filter((d) => !set.includes(d));
  if (stray.length > 0) throw new Error(`dashboard search ${metric.namespace}/${metric.name}: filter on [${stray.join(', ')}] outside its dimension set`);
  return {
    kind: 'search', metric, dimensionSet, filter, statistic, label: options.label,
    periodSeconds: options.periodSeconds ?? MINUTE, axis: options.axis ?? Axis.Left,
    ...(options.top === undefined ? {} : { top: options.top }),
    ...(options.divisor === undefined ? {} : { divisor: options.divisor }),
  };
}

/** Metric-math identifiers: CloudWatch wants a lowercase letter first, then letters, digits, _. */
const MATH_ID = /^[a-z][a-zA-Z0-9_]*$/;

export function expressionSeries(
  expression: string,
  inputs: Readonly<Record<string, MetricSeries>>,
  options: { label: string; periodSeconds?: number; axis?: Axis },
): ExpressionSeries {
  for (const id of Object.keys(inputs)) {
    if (!MATH_ID.test(id)) throw new Error(`dashboard expression "${expression}": input id "${id}" is not a metric-math identifier`);
    if (!new RegExp(`\\b${id}\\b`).test(expression)) throw new Error(`dashboard expression "${expression}": input "${id}" is unused`);
  }
  return {
    kind: 'expression', expression, inputs, label: options.label,
    periodSeconds: options.periodSeconds ?? MINUTE, axis: options.axis ?? Axis.Left,
  };
}

export const kpi = (value: number, label: string, axis: Axis = Axis.Left): Annotation =>
  ({ value, label, kind: AnnotationKind.Kpi, axis });

export const alarmLine = (value: number, label: string, axis: Axis = Axis.Left): Annotation =>
  ({ value, label, kind: AnnotationKind.Alarm, axis });

const DEFAULT_WIDGET_HEIGHT = 6;

type GraphDefaults = 'kind' | 'view' | 'stacked' | 'annotations' | 'height';

/** A graph widget: a time series, not stacked, 6 high, no annotations, unless said otherwise. */
export function graph(w: Omit<GraphWidget, GraphDefaults> & Partial<Pick<GraphWidget, GraphDefaults>>): GraphWidget {
  return { view: GraphView.TimeSeries, stacked: false, annotations: [], height: DEFAULT_WIDGET_HEIGHT, ...w, kind: 'graph' };
}

/** [metric, statistic, label]: one line of a plain metrics graph. */
export type MetricLine = readonly [MetricDef, WidgetStatistic, string];

/** A graph of plain metrics sharing one set of dimension values, on a left axis from 0. */
export function metricsGraph(
  w: Pick<GraphWidget, 'id' | 'specItem' | 'title' | 'width'> & Partial<Pick<GraphWidget, 'range'>> & { readonly axisLabel: string; readonly periodSeconds?: number },
  dimensions: Readonly<Record<string, string>>,
  lines: readonly MetricLine[],
): GraphWidget {
  const { axisLabel, periodSeconds, ...rest } = w;
  return graph({
    ...rest,
    series: lines.map(([metric, statistic, label]) => metricSeries(metric, statistic, dimensions, { label, ...(periodSeconds === undefined ? {} : { periodSeconds }) })),
    leftAxis: { label: axisLabel, min: 0 },
  });
}
