/**
 * A small CloudWatch metric-math evaluator for one period: numbers, input identifiers,
 * + - * /, unary minus, parentheses and FILL(x, value). A missing input makes the result
 * missing (CloudWatch emits no data point), unless FILL supplies a value; so does a
 * division by zero.
 */
export type MathValue = number | undefined;

type Node =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'identifier'; readonly name: string }
  | { readonly kind: 'negate'; readonly operand: Node }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/'; readonly left: Node; readonly right: Node }
  | { readonly kind: 'fill'; readonly series: Node; readonly fillWith: Node };

type Token = { readonly type: 'number'; readonly value: number } | { readonly type: 'name'; readonly value: string } | { readonly type: 'symbol'; readonly value: string };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/(),]))/y;

export class MetricMathError extends Error {
  override readonly name = 'MetricMathError';
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expression);
    if (!m) throw new MetricMathError(`unexpected character at ${at} in "${expression}"`);
    if (m[1] !== undefined) tokens.push({ type: 'number', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ type: 'name', value: m[2] });
    else tokens.push({ type: 'symbol', value: m[3]! });
  }
  return tokens;
}

/** Recursive descent over: expr = term (+|- term)*; term = unary (*|/ unary)*; unary = -unary | primary. */
export function parseMetricMath(expression: string): Node {
  const tokens = tokenize(expression);
  let i = 0;
  const peek = () => tokens[i];
  const isSymbol = (s: string) => peek()?.type === 'symbol' && peek()?.value === s;
  const expect = (s: string) => {
    if (!isSymbol(s)) throw new MetricMathError(`expected "${s}" in "${expression}"`);
    i += 1;
  };

  function primary(): Node {
    const t = peek();
    if (!t) throw new MetricMathError(`unexpected end of "${expression}"`);
    i += 1;
    if (t.type === 'number') return { kind: 'number', value: t.value };
    if (t.type === 'name') {
      if (!isSymbol('(')) return { kind: 'identifier', name: t.value };
      if (t.value.toUpperCase() !== 'FILL') throw new MetricMathError(`unsupported function ${t.value} in "${expression}"`);
      expect('(');
      const series = expr();
      expect(',');
      const fillWith = expr();
      expect(')');
      return { kind: 'fill', series, fillWith };
    }
    if (t.value === '(') {
      const inner = expr();
      expect(')');
      return inner;
    }
    throw new MetricMathError(`unexpected "${t.value}" in "${expression}"`);
  }
  function unary(): Node {
    if (isSymbol('-')) {
      i += 1;
      return { kind: 'negate', operand: unary() };
    }
    return primary();
  }
  function term(): Node {
    let left = unary();
    while (isSymbol('*') || isSymbol('/')) {
      const op = peek()!.value as '*' | '/';
      i += 1;
      left = { kind: 'binary', op, left, right: unary() };
    }
    return left;
  }
  function expr(): Node {
    let left = term();
    while (isSymbol('+') || isSymbol('-')) {
      const op = peek()!.value as '+' | '-';
      i += 1;
      left = { kind: 'binary', op, left, right: term() };
    }
    return left;
  }

  const tree = expr();
  if (i < tokens.length) throw new MetricMathError(`unexpected "${String(tokens[i]?.value)}" in "${expression}"`);
  return tree;
}

function evaluateNode(node: Node, inputs: Readonly<Record<string, MathValue>>): MathValue {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'identifier':
      if (!(node.name in inputs)) throw new MetricMathError(`unknown input ${node.name}`);
      return inputs[node.name];
    case 'negate': {
      const v = evaluateNode(node.operand, inputs);
      return v === undefined ? undefined : -v;
    }
    case 'fill':
      return evaluateNode(node.series, inputs) ?? evaluateNode(node.fillWith, inputs);
    case 'binary': {
      const l = evaluateNode(node.left, inputs);
      const r = evaluateNode(node.right, inputs);
      if (l === undefined || r === undefined) return undefined;
      if (node.op === '+') return l + r;
      if (node.op === '-') return l - r;
      if (node.op === '*') return l * r;
      return r === 0 ? undefined : l / r;
    }
  }
}

/** Evaluates `expression` with the inputs' values for one period (undefined = no data point). */
export function evaluateMetricMath(expression: string, inputs: Readonly<Record<string, MathValue>>): MathValue {
  return evaluateNode(parseMetricMath(expression), inputs);
}
