/**
 * A run's time budget. Collectors may start until `collectUntil`; publishing and closing
 * connections must be done by `publishUntil`, which is the Lambda's own end minus a
 * safety margin (so a slow run reports its metrics rather than being killed mid-publish).
 */
export const LAMBDA_SAFETY_MARGIN_MS = 2_000;
/** Kept free after the last collector for publishing, heartbeat included. */
export const PUBLISH_RESERVE_MS = 5_000;

export interface RunDeadlines {
  readonly collectUntil: number;
  readonly publishUntil: number;
}

export function invocationDeadline(nowMs: number, remainingTimeMs: number): number {
  return nowMs + remainingTimeMs - LAMBDA_SAFETY_MARGIN_MS;
}

/**
 * @param hardDeadline epoch ms by which the run must have published (undefined locally:
 *   only the budget applies).
 */
export function runDeadlines(startMs: number, budgetMs: number, hardDeadline: number | undefined): RunDeadlines {
  const publishUntil = hardDeadline ?? startMs + budgetMs + PUBLISH_RESERVE_MS;
  return { collectUntil: Math.min(startMs + budgetMs, publishUntil - PUBLISH_RESERVE_MS), publishUntil };
}
