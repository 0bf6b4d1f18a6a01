/**
 * Every collector statement runs inside a READ ONLY transaction the runtime opened, so it
 * cannot write even if someone changed the session defaults. The one way out would be to
 * end that transaction: statements that do are refused before they reach the server.
 */
const LEADING_COMMENTS_AND_SPACE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
const TRANSACTION_CONTROL = /^(?:BEGIN|START|COMMIT|END|ROLLBACK|ABORT|PREPARE|SAVEPOINT|RELEASE)\b/i;

export class RefusedStatementError extends Error {
  override readonly name = 'RefusedStatementError';
}

export function assertCollectorStatement(text: string): void {
  const statement = text.replace(LEADING_COMMENTS_AND_SPACE, '');
  const keyword = TRANSACTION_CONTROL.exec(statement)?.[0];
  if (keyword) {
    throw new RefusedStatementError(`collector statements may not control the transaction (${keyword.toUpperCase()}): the runtime owns it`);
  }
}
