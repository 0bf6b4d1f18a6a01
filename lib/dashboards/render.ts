/** From a dashboard description (model.ts) to CloudWatch widgets and a dashboard construct. */
import { Duration, aws_cloudwatch as cw } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DashboardAlarmRef } from './input.js';
import {
  type Annotation, AnnotationKind, Axis, type DashboardSpec, GraphView, type Series, type Widget,
} from './model.js';
import { searchExpression } from './search-expression.js';

/** A deployed alarm construct with what the dashboards need to know about it. */
export interface DashboardAlarm extends DashboardAlarmRef {
  readonly alarm: cw.IAlarm;
}

const DEFAULT_RANGE = Duration.hours(3);
const KPI_COLOR = cw.Color.GREEN;
const ALARM_COLOR = cw.Color.RED;

export function toMetric(s: Series): cw.IMetric {
  const period = Duration.seconds(s.periodSeconds);
  switch (s.kind) {
    case 'metric':
      return new cw.Metric({
        namespace: s.metric.namespace, metricName: s.metric.name, dimensionsMap: { ...s.dimensions },
        statistic: s.statistic, period, label: s.label,
      });
    case 'search':
      return new cw.MathExpression({ expression: searchExpression(s), period, label: s.label });
    case 'expression':
      return new cw.MathExpression({
        expression: s.expression, period, label: s.label,
        usingMetrics: Object.fromEntries(Object.entries(s.inputs).map(([id, input]) => [id, toMetric(input)])),
      });
  }
}

function annotations(list: readonly Annotation[], axis: Axis): cw.HorizontalAnnotation[] {
  return list.filter((a) => a.axis === axis).map((a) => ({
    value: a.value, label: a.label, color: a.kind === AnnotationKind.Kpi ? KPI_COLOR : ALARM_COLOR,
  }));
}

const onAxis = (series: readonly Series[], axis: Axis) => series.filter((s) => s.axis === axis).map(toMetric);

function yAxis(a: { label: string; min?: number; max?: number } | undefined): cw.YAxisProps | undefined {
  return a && { label: a.label, showUnits: false, ...(a.min === undefined ? {} : { min: a.min }), ...(a.max === undefined ? {} : { max: a.max }) };
}

function toWidget(w: Widget, alarms: readonly DashboardAlarm[]): cw.IWidget {
  const size = { width: w.width, height: w.height };
  switch (w.kind) {
    case 'graph':
      return new cw.GraphWidget({
        title: w.title, ...size,
        left: onAxis(w.series, Axis.Left), right: onAxis(w.series, Axis.Right),
        leftAnnotations: annotations(w.annotations, Axis.Left), rightAnnotations: annotations(w.annotations, Axis.Right),
        view: w.view === GraphView.Bar ? cw.GraphWidgetView.BAR : cw.GraphWidgetView.TIME_SERIES,
        stacked: w.stacked,
        ...(w.range ? { start: w.range } : {}),
        ...(w.periodIsRange ? { setPeriodToTimeRange: true } : {}),
        leftYAxis: yAxis(w.leftAxis), rightYAxis: yAxis(w.rightAxis),
      });
    case 'gauge':
      return new cw.GaugeWidget({
        title: w.title, ...size, metrics: w.series.map(toMetric),
        leftYAxis: { min: w.min, max: w.max }, annotations: annotations(w.annotations, Axis.Left),
      });
    case 'singleValue':
      return new cw.SingleValueWidget({
        title: w.title, ...size, metrics: w.series.map(toMetric),
        ...(w.range ? { start: w.range } : {}),
        ...(w.periodIsRange ? { setPeriodToTimeRange: true } : {}),
      });
    case 'logs':
      return new cw.LogQueryWidget({
        title: w.title, ...size, logGroupNames: [...w.logGroupNames],
        queryString: w.query.lines.join('\n'), view: cw.LogQueryVisualizationType.TABLE,
      });
    case 'alarmStatus': {
      const found = w.alarms.flatMap((ref) => alarms.filter((a) => a.rule.id === ref.ruleId && a.instance === ref.instance).map((a) => a.alarm));
      if (found.length === 0) {
        return new cw.TextWidget({ ...size, markdown: `### ${w.title}\nNo such alarm is deployed for this target.` });
      }
      return new cw.AlarmStatusWidget({ title: w.title, ...size, alarms: found, sortBy: cw.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP });
    }
    case 'text':
      return new cw.TextWidget({ ...size, markdown: w.markdown });
  }
}

export function renderDashboard(scope: Construct, spec: DashboardSpec, alarms: readonly DashboardAlarm[]): cw.Dashboard {
  return new cw.Dashboard(scope, spec.name, {
    dashboardName: spec.name,
    defaultInterval: DEFAULT_RANGE,
    // Widgets keep the periods they were built with (a per-second rate divides by it).
    periodOverride: cw.PeriodOverride.INHERIT,
    widgets: spec.rows.map((row) => row.map((w) => toWidget(w, alarms))),
  });
}
