/**
 * The one place a catalog alarm rule becomes a CloudWatch alarm. A threshold rule becomes
 * a metric alarm, an expression rule a metric-math alarm, an anomaly rule an anomaly
 * detector plus an alarm on its ANOMALY_DETECTION_BAND. Every alarm notifies its
 * severity's topic on ALARM and on OK (PagerDuty resolves incidents on OK).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AlarmRule, Comparison, MissingData } from '../../lambdas/core/catalog/index.js';
import { type PlannedAlarm, type ResolvedQuery, SINGLE_QUERY } from '../../lambdas/core/routing/build-routing-table.js';

const comparisonOperator: Record<Comparison, cloudwatch.ComparisonOperator> = {
  '>': cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  '>=': cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  '<': cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  '<=': cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};

const treatMissingData: Record<MissingData, cloudwatch.TreatMissingData> = {
  breaching: cloudwatch.TreatMissingData.BREACHING,
  notBreaching: cloudwatch.TreatMissingData.NOT_BREACHING,
  ignore: cloudwatch.TreatMissingData.IGNORE,
  missing: cloudwatch.TreatMissingData.MISSING,
};

/** CloudWatch's limit on an alarm description. */
const MAX_DESCRIPTION_LENGTH = 1024;

export function alarmDescription(rule: AlarmRule): string {
  const text = `${rule.title} (${rule.severity}, notifies ${rule.channels.join(' + ')}). Runbook: ${rule.runbook}`;
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…`;
}

function metricOf(resolved: ResolvedQuery, rule: AlarmRule): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: resolved.query.metric.namespace,
    metricName: resolved.query.metric.name,
    dimensionsMap: { ...resolved.dimensions },
    statistic: resolved.query.statistic,
    period: Duration.seconds(rule.periodSeconds),
  });
}

function singleQuery(planned: PlannedAlarm): ResolvedQuery {
  const query = planned.queries[SINGLE_QUERY];
  if (!query) throw new Error(`${planned.alarmName}: no resolved query`);
  return query;
}

/** Creates the alarm (and, for anomaly rules, its detector) under `scope`, with actions to `topic`. */
export function createAlarm(scope: Construct, planned: PlannedAlarm, topic: sns.ITopic): cloudwatch.Alarm {
  const { rule, alarmName } = planned;
  const common = {
    alarmName,
    alarmDescription: alarmDescription(rule),
    evaluationPeriods: rule.evaluationPeriods,
    datapointsToAlarm: rule.datapointsToAlarm,
    treatMissingData: treatMissingData[rule.missingData],
  };
  const condition = rule.condition;
  let alarm: cloudwatch.Alarm;
  switch (condition.kind) {
    case 'threshold':
      alarm = new cloudwatch.Alarm(scope, alarmName, {
        ...common,
        metric: metricOf(singleQuery(planned), rule),
        comparisonOperator: comparisonOperator[condition.comparison],
        threshold: condition.threshold,
      });
      break;
    case 'expression':
      alarm = new cloudwatch.Alarm(scope, alarmName, {
        ...common,
        metric: new cloudwatch.MathExpression({
          expression: condition.expression,
          label: condition.label,
          period: Duration.seconds(rule.periodSeconds),
          usingMetrics: Object.fromEntries(
            Object.entries(planned.queries).map(([id, resolved]) => [id, metricOf(resolved, rule)]),
          ),
        }),
        comparisonOperator: comparisonOperator[condition.comparison],
        threshold: condition.threshold,
      });
      break;
    case 'anomaly': {
      const resolved = singleQuery(planned);
      // Declared explicitly so the model is part of the stack (and removed with it).
      const detector = new cloudwatch.CfnAnomalyDetector(scope, `${alarmName}-model`, {
        singleMetricAnomalyDetector: {
          namespace: resolved.query.metric.namespace,
          metricName: resolved.query.metric.name,
          dimensions: Object.entries(resolved.dimensions).map(([name, value]) => ({ name, value })),
          stat: resolved.query.statistic,
        },
      });
      alarm = new cloudwatch.AnomalyDetectionAlarm(scope, alarmName, {
        ...common,
        metric: metricOf(resolved, rule),
        stdDevs: condition.bandWidth,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      });
      alarm.node.addDependency(detector);
      break;
    }
  }
  const action = new cwActions.SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}
