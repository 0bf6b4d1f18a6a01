/**
 * Dimension values that come from data (tenant names, flag keys) made publishable.
 * CloudWatch accepts 1 to 1,024 printable ASCII characters, not all whitespace; the
 * publisher drops anything else. Rather than lose a hostile or non-ASCII tenant's
 * metrics, map its name deterministically: the same name always gives the same value, and
 * two different names two different values (backslash is escaped too, so `zürich` and a
 * literal `z\u{fc}rich` stay apart), up to a 32-bit hash collision for names over 1,024.
 */
import { MAX_DIMENSION_VALUE_LENGTH } from '../publishers/validate.js';

/** Anything but printable ASCII, and the backslash that starts our escapes. */
const ESCAPED = /[^ -[\]-~]/gu;
export const BLANK_DIMENSION_VALUE = '(blank)';
/** `~` + 8 hex digits of a hash keeps truncated long names distinct. */
const HASH_SUFFIX_LENGTH = 9;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(text: string): string {
  let hash = FNV_OFFSET;
  for (const ch of text) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export function dimensionValue(raw: string): string {
  const ascii = raw.replace(ESCAPED, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
  if (ascii.trim().length === 0) return BLANK_DIMENSION_VALUE;
  if (ascii.length <= MAX_DIMENSION_VALUE_LENGTH) return ascii;
  return `${ascii.slice(0, MAX_DIMENSION_VALUE_LENGTH - HASH_SUFFIX_LENGTH)}~${fnv1a(raw)}`;
}
