/**
 * Horizontal lines for a widget: the spec's KPI and the deployed alarm's threshold. The
 * alarm line is left out when that alarm is not deployed (disabled, or no load balancer
 * configured) and when it coincides with the KPI line.
 */
import type { AlarmRule } from '../../lambdas/core/catalog/index.js';
import { type DashboardsInput, deployedThreshold } from './input.js';
import { Axis, type Annotation } from './model.js';
import { alarmLine, kpi } from './series.js';

/** Enough for any threshold; drops float noise such as 0.999 * 100 = 99.89999999999999. */
const SIGNIFICANT_DIGITS = 12;

export interface ThresholdLines {
  readonly kpi?: { readonly value: number; readonly label: string };
  readonly alarm?: {
    readonly rule: Pick<AlarmRule, 'id' | 'title'>;
    /** Multiplies the alarm's threshold into the widget's unit (e.g. 1000 for ALB seconds shown as ms). */
    readonly scale?: number;
  };
  readonly axis?: Axis;
}

export function thresholdLines(input: DashboardsInput, instance: string, lines: ThresholdLines): Annotation[] {
  const axis = lines.axis ?? Axis.Left;
  const out: Annotation[] = [];
  if (lines.kpi) out.push(kpi(lines.kpi.value, lines.kpi.label, axis));
  if (lines.alarm) {
    const threshold = deployedThreshold(input, lines.alarm.rule, instance);
    const value = threshold === undefined ? undefined : Number((threshold * (lines.alarm.scale ?? 1)).toPrecision(SIGNIFICANT_DIGITS));
    if (value !== undefined && value !== lines.kpi?.value) out.push(alarmLine(value, `Alarm: ${lines.alarm.rule.title}`, axis));
  }
  return out;
}
