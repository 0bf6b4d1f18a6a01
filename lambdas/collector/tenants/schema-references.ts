/**
 * Which tenant schemas a statement's text names as qualifiers (`tenant_a.payslips`,
 * `"tenant b".f()`). A small SQL lexer, not a regex: string literals, comments and
 * dollar-quoted bodies are skipped, quoted identifiers are taken literally and unquoted
 * ones are folded to lower case, exactly as PostgreSQL resolves them. Unqualified names
 * (search_path tenancy) cannot be attributed: that limit is documented in the README.
 */

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;
const WHITESPACE = /\s/;

/** Index just past a `/* ... *\/` comment starting at i (PostgreSQL nests them). */
function skipBlockComment(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    if (text.startsWith('/*', i)) { depth += 1; i += 2; continue; }
    if (text.startsWith('*/', i)) { depth -= 1; i += 2; if (depth === 0) return i; continue; }
    i += 1;
  }
  return i;
}

/** Index just past a quoted run (`'...'` or `"..."`, the quote doubled inside); backslashes escape in E'' strings. */
function skipQuoted(text: string, i: number, quote: string, backslashEscapes: boolean): number {
  i += 1;
  while (i < text.length) {
    const ch = text[i];
    if (backslashEscapes && ch === '\\') { i += 2; continue; }
    if (ch === quote) {
      if (text[i + 1] === quote) { i += 2; continue; }
      return i + 1;
    }
    i += 1;
  }
  return i;
}

function skipSpaceAndComments(text: string, i: number): number {
  for (;;) {
    while (i < text.length && WHITESPACE.test(text[i]!)) i += 1;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      i = skipBlockComment(text, i);
    } else {
      return i;
    }
  }
}

const foldCase = (identifier: string): string => identifier.replace(/[A-Z]+/g, (s) => s.toLowerCase());

/** Every identifier used as a qualifier (followed by a dot), as PostgreSQL would resolve it. */
export function qualifiers(text: string): Set<string> {
  const found = new Set<string>();
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    let identifier: string | undefined;
    let next = i + 1;
    if (ch === '-' && text[i + 1] === '-') {
      next = skipSpaceAndComments(text, i);
    } else if (ch === '/' && text[i + 1] === '*') {
      next = skipBlockComment(text, i);
    } else if (ch === '\'') {
      const escaped = i > 0 && /[eE]/.test(text[i - 1]!) && !IDENT_PART.test(text[i - 2] ?? ' ');
      next = skipQuoted(text, i, '\'', escaped);
    } else if (ch === '"') {
      next = skipQuoted(text, i, '"', false);
      identifier = text.slice(i + 1, next - 1).replaceAll('""', '"');
    } else if (ch === '$') {
      const tag = DOLLAR_TAG.exec(text.slice(i, i + 64))?.[0];
      if (tag) {
        const end = text.indexOf(tag, i + tag.length);
        next = end < 0 ? text.length : end + tag.length;
      }
    } else if (IDENT_START.test(ch)) {
      while (next < text.length && IDENT_PART.test(text[next]!)) next += 1;
      identifier = foldCase(text.slice(i, next));
    }
    if (identifier !== undefined && text[skipSpaceAndComments(text, next)] === '.') found.add(identifier);
    i = next;
  }
  return found;
}

/** The tenant schemas a statement names, sorted. */
export function referencedTenantSchemas(text: string, tenantSchemas: ReadonlySet<string>): string[] {
  return [...qualifiers(text)].filter((q) => tenantSchemas.has(q)).sort();
}
