/**
 * CloudWatch's "M out of N" over consecutive local runs. evaluateAlarmRules judges one
 * period; a deployed alarm is in ALARM only while datapointsToAlarm of its last
 * evaluationPeriods periods breach, so one bad minute does not raise a 3-of-3 rule and one
 * good minute clears it. Locally each run is one period; periods before the session's
 * first run were not observed and count as not breaching.
 */
import { type AlarmEvaluation, AlarmState } from './evaluate-rules.js';

/** `2 of the last 3 runs breaching, ALARM at 3 of 3`, for rules that look at more than one period. */
export function windowText(e: AlarmEvaluation): string | undefined {
  if (!e.window || e.evaluationPeriods === 1) return undefined;
  return `${e.window.breaching} of the last ${e.window.runs} runs breaching, ALARM at ${e.datapointsToAlarm} of ${e.evaluationPeriods}`;
}

/** `runs`: each run's evaluations, oldest first; the result is the last run's, windowed. */
export function applyEvaluationWindow(runs: readonly (readonly AlarmEvaluation[])[]): AlarmEvaluation[] {
  return (runs.at(-1) ?? []).map((e) => {
    // Not evaluable locally, or missing data that keeps the state: nothing to count.
    if (e.state === AlarmState.InsufficientData) return e;
    const window = runs.slice(-e.evaluationPeriods);
    const breaching = window.filter((run) => run.some((r) => r.alarmName === e.alarmName && r.state === AlarmState.Alarm)).length;
    const windowed = { ...e, state: breaching >= e.datapointsToAlarm ? AlarmState.Alarm : AlarmState.Ok, window: { breaching, runs: window.length } };
    const text = windowText(windowed);
    return text === undefined ? windowed : { ...windowed, reason: `${e.reason}; ${text}` };
  });
}
