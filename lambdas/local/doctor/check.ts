/**
 * One line of the doctor's checklist. A required prerequisite that is missing is a
 * `fail` (the exit code says so); a recommendation that is not followed is a `warn`
 * (reported, never fatal); `skip` means the check could not run (e.g. no state URL given).
 * Every fail and warn carries the fix, in words an operator can paste or act on.
 */
export const CheckStatus = { Pass: 'pass', Warn: 'warn', Fail: 'fail', Skip: 'skip' } as const;
export type CheckStatus = (typeof CheckStatus)[keyof typeof CheckStatus];

export interface CheckResult {
  /** Stable identifier (tests and scripts match on it), e.g. `pg-stat-statements-created`. */
  readonly id: string;
  /** What is checked, as the checklist shows it. */
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** What to do about a fail or warn. */
  readonly fix?: string;
}

export const pass = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: CheckStatus.Pass, detail });
export const warn = (id: string, title: string, detail: string, fix: string): CheckResult => ({ id, title, status: CheckStatus.Warn, detail, fix });
export const fail = (id: string, title: string, detail: string, fix: string): CheckResult => ({ id, title, status: CheckStatus.Fail, detail, fix });
export const skip = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: CheckStatus.Skip, detail });

/** True when no required prerequisite is missing (warnings do not count). */
export function healthy(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.status !== CheckStatus.Fail);
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
export const sqlStateOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};
