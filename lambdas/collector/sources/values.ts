/**
 * A source's cell as a metric value. pg returns bigint and numeric as strings and float8
 * as numbers; NULL means "nothing to publish". Anything CloudWatch would reject, or that
 * cannot be a count, duration or percentage (negative), is refused with a reason: the
 * engine drops it and reports a CollectorErrors entry for the source.
 */
import { invalidValueReason } from '../publishers/validate.js';

export type CellValue =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'invalid'; readonly reason: string };

const NUMERIC_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const NONE: CellValue = { kind: 'none' };
const SHOWN_CHARACTERS = 40;

function describe(raw: unknown): string {
  const text = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}...` : text;
}

export function cellValue(raw: unknown): CellValue {
  if (raw === null || raw === undefined) return NONE;
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && NUMERIC_TEXT.test(raw.trim())) value = Number(raw);
  else return { kind: 'invalid', reason: `not a number: ${describe(raw)}` };
  const rejected = invalidValueReason(value);
  if (rejected) return { kind: 'invalid', reason: `${rejected}: ${describe(raw)}` };
  if (value < 0) return { kind: 'invalid', reason: `negative: ${describe(raw)}` };
  return { kind: 'value', value };
}

/** A distribution cell: one value, or an array whose elements are each one observation. */
export function cellValues(raw: unknown): CellValue[] {
  return Array.isArray(raw) ? raw.map(cellValue) : [cellValue(raw)];
}
