/** Why a collector produced nothing, in words an operator can act on. */
export const FailureReason = {
  Timeout: 'timeout',
  Error: 'error',
  ConnectionLost: 'connection-lost',
  MissingRequirement: 'missing-requirement',
  RunBudgetExhausted: 'run-budget-exhausted',
} as const;
export type FailureReason = (typeof FailureReason)[keyof typeof FailureReason];

/** SQLSTATEs that get their own explanation. */
export const SqlState = {
  QueryCanceled: '57014',
  ReadOnlySqlTransaction: '25006',
  LockNotAvailable: '55P03',
  InsufficientPrivilege: '42501',
} as const;

export class CollectorTimeoutError extends Error {
  override readonly name = 'CollectorTimeoutError';
  constructor(readonly collector: string, readonly timeoutMs: number) {
    super(`collector ${collector} timed out after ${timeoutMs} ms`);
  }
}

export class MissingRequirementError extends Error {
  override readonly name = 'MissingRequirementError';
}

export interface CollectorFailure {
  readonly reason: FailureReason;
  readonly message: string;
  readonly code?: string;
}

/** SQLSTATE class 08 (connection exception) and 57P0x (server shutting down or terminating us). */
const CONNECTION_GONE = /^(08|57P0)/;

/** The server's SQLSTATE of an error, if the server raised it (undefined for a socket or client error). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether the server raised the error (a failed statement), as opposed to the connection failing. */
export const hasSqlState = (error: unknown): boolean => sqlState(error) !== undefined;

export function describeFailure(
  error: unknown,
  context: { readonly timeoutMs: number; readonly statementTimeoutMs?: number; readonly connectionLost: boolean },
): CollectorFailure {
  const message = error instanceof Error ? error.message : String(error);
  const code = sqlState(error);
  const withCode = code === undefined ? {} : { code };
  if (error instanceof CollectorTimeoutError || code === SqlState.QueryCanceled) {
    // The server cancelled one statement (statement_timeout), or our timer ended the collector.
    const after = error instanceof CollectorTimeoutError ? context.timeoutMs : context.statementTimeoutMs ?? context.timeoutMs;
    return { reason: FailureReason.Timeout, message: `timed out after ${after} ms (${message})`, ...withCode };
  }
  if (error instanceof MissingRequirementError) return { reason: FailureReason.MissingRequirement, message };
  if (context.connectionLost || (code !== undefined && CONNECTION_GONE.test(code))) return { reason: FailureReason.ConnectionLost, message: `connection to the database lost: ${message}`, ...withCode };
  if (code === SqlState.ReadOnlySqlTransaction) {
    return { reason: FailureReason.Error, message: `refused: the production connection is read-only (${message})`, ...withCode };
  }
  if (code === SqlState.LockNotAvailable) {
    return { reason: FailureReason.Error, message: `gave up waiting for a lock (lock_timeout): ${message}`, ...withCode };
  }
  if (code === SqlState.InsufficientPrivilege) {
    return { reason: FailureReason.Error, message: `permission denied; grant pg_monitor or SELECT on the source: ${message}`, ...withCode };
  }
  return { reason: FailureReason.Error, message, ...withCode };
}
