/**
 * The doctor's checklist as text: one line per check with its status, what was found, and
 * the fix under every failure and warning; a closing line with the verdict. Every line
 * passes through the log redactor: a registered password can never be printed.
 */
import { redact } from '../../core/log/redact.js';
import { CheckStatus, type CheckResult, healthy } from './check.js';
import type { DoctorReport } from './run-doctor.js';

export const STATUS_LABEL: Readonly<Record<CheckStatus, string>> = {
  [CheckStatus.Pass]: 'ok',
  [CheckStatus.Warn]: 'WARN',
  [CheckStatus.Fail]: 'FAIL',
  [CheckStatus.Skip]: 'skip',
};
const LABEL_WIDTH = Math.max(...Object.values(STATUS_LABEL).map((l) => l.length)) + 2;

export const DoctorExit = { Healthy: 0, RequiredFailed: 1, Usage: 2 } as const;

export function doctorExitCode(results: readonly CheckResult[]): number {
  return healthy(results) ? DoctorExit.Healthy : DoctorExit.RequiredFailed;
}

function count(results: readonly CheckResult[], status: CheckStatus): number {
  return results.filter((r) => r.status === status).length;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatChecklist(report: DoctorReport): string {
  const titleWidth = Math.max(...report.results.map((r) => r.title.length));
  const lines = [`tenantwatch doctor: ${report.database} (target ${report.target})`, ''];
  for (const r of report.results) {
    lines.push(`  ${`[${STATUS_LABEL[r.status]}]`.padEnd(LABEL_WIDTH)} ${r.title.padEnd(titleWidth)}  ${r.detail}`);
    if (r.fix && (r.status === CheckStatus.Fail || r.status === CheckStatus.Warn)) lines.push(`  ${' '.repeat(LABEL_WIDTH)} ${' '.repeat(titleWidth)}  fix: ${r.fix}`);
  }
  const failed = count(report.results, CheckStatus.Fail);
  const warned = count(report.results, CheckStatus.Warn);
  lines.push('');
  lines.push(failed === 0
    ? `Ready: every required check passed${warned ? ` (${plural(warned, 'warning')})` : ''}.`
    : `Not ready: ${plural(failed, 'required check')} failed${warned ? `, ${plural(warned, 'warning')}` : ''}.`);
  return lines.map(redact).join('\n') + '\n';
}
