import { pyEquals, pyLessOrEqual } from './python-values.js';

/**
 * JSONPath in the dialect of Python's jsonpath2, which Chaos Toolkit's jsonpath tolerance uses and
 * which no JavaScript library follows: a filter `[?(...)]` tests the current node itself (not
 * its children), and equality is a single `=`. Supported: `$`, `.name`, `['name']`, `[n]`,
 * `[*]`, `.*`, `..` (recursive descent), unions `[a,b]`, slices `[start:end]`, and filters with
 * `@` paths, `= != < <= > >=`, `and`, `or`, `not`, parentheses and JSON literals.
 */
export class JsonPathError extends Error {}

type Step = (node: unknown) => unknown[];
type Expression = (node: unknown) => unknown[] | boolean;

/**
 * `onBigInteger` hears each integer literal of a filter beyond 2^53, as written: jsonpath2 keeps it
 * exact, and here it is rounded (`@.id = 12345678901234567891` compares with 12345678901234567000).
 */
export function compileJsonPath(
  path: string,
  onBigInteger: (literal: string) => void = () => undefined,
): (value: unknown) => unknown[] {
  const parser = new Parser(path, onBigInteger);
  parser.expect('$');
  const steps = parser.steps(() => parser.done());
  return (value) => steps.reduce<unknown[]>((nodes, step) => nodes.flatMap(step), [value]);
}

class Parser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly onBigInteger: (literal: string) => void,
  ) {}

  done(): boolean {
    this.skipSpace();
    return this.position >= this.text.length;
  }

  expect(token: string): void {
    this.skipSpace();
    if (!this.text.startsWith(token, this.position)) throw this.error(`expected "${token}"`);
    this.position += token.length;
  }

  /** Steps until `stop` says the path is over. */
  steps(stop: () => boolean): Step[] {
    const steps: Step[] = [];
    while (!stop()) steps.push(this.step());
    return steps;
  }

  private step(): Step {
    this.skipSpace();
    if (this.text.startsWith('..', this.position)) {
      this.position += 2;
      const next = this.peek() === '[' ? this.bracket() : this.member();
      return (node) => descendants(node).flatMap(next);
    }
    if (this.peek() === '.') {
      this.position += 1;
      return this.member();
    }
    if (this.peek() === '[') return this.bracket();
    throw this.error('expected ".", ".." or "["');
  }

  private member(): Step {
    if (this.peek() === '*') {
      this.position += 1;
      return children;
    }
    const name = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.position))?.[0];
    if (!name) throw this.error('expected a member name');
    this.position += name.length;
    return (node) => child(node, name);
  }

  private bracket(): Step {
    this.expect('[');
    this.skipSpace();
    if (this.text.startsWith('?(', this.position)) {
      this.position += 2;
      const test = this.expression();
      this.expect(')');
      this.expect(']');
      return (node) => (truthy(test(node)) ? [node] : []);
    }
    if (this.peek() === '*') {
      this.position += 1;
      this.expect(']');
      return children;
    }
    const selectors: Step[] = [];
    do {
      this.skipSpace();
      selectors.push(this.selector());
      this.skipSpace();
    } while (this.peek() === ',' && ++this.position);
    this.expect(']');
    return (node) => selectors.flatMap((selector) => selector(node));
  }

  private selector(): Step {
    const quoted = this.stringLiteral();
    if (quoted !== undefined) return (node) => child(node, quoted);
    const slice = /^(-?\d*)\s*:\s*(-?\d*)/.exec(this.text.slice(this.position));
    if (slice) {
      this.position += slice[0].length;
      const [start, end] = [slice[1], slice[2]].map((bound) => (bound === '' ? undefined : Number(bound)));
      return (node) => (Array.isArray(node) ? node.slice(start, end) : []);
    }
    const index = /^-?\d+/.exec(this.text.slice(this.position))?.[0];
    if (index === undefined) throw this.error('expected an index, a quoted name, a slice or "*"');
    this.position += index.length;
    return (node) => {
      if (!Array.isArray(node)) return [];
      const at = Number(index) < 0 ? node.length + Number(index) : Number(index);
      return at >= 0 && at < node.length ? [node[at]] : [];
    };
  }

  private expression(): Expression {
    let left = this.conjunction();
    while (this.keyword('or')) {
      const [a, b] = [left, this.conjunction()];
      left = (node) => truthy(a(node)) || truthy(b(node));
    }
    return left;
  }

  private conjunction(): Expression {
    let left = this.unary();
    while (this.keyword('and')) {
      const [a, b] = [left, this.unary()];
      left = (node) => truthy(a(node)) && truthy(b(node));
    }
    return left;
  }

  private unary(): Expression {
    if (this.keyword('not')) {
      const inner = this.unary();
      return (node) => !truthy(inner(node));
    }
    this.skipSpace();
    if (this.peek() === '(') {
      this.position += 1;
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Expression {
    const left = this.operand();
    this.skipSpace();
    const operator = /^(!=|<=|>=|=|<|>)/.exec(this.text.slice(this.position))?.[0];
    if (!operator) return left;
    if (this.text.startsWith('==', this.position))
      throw this.error('"==" is not jsonpath2 syntax; use a single "="');
    this.position += operator.length;
    const right = this.operand();
    return (node) => {
      const as = values(left(node));
      const bs = values(right(node));
      return as.some((a) => bs.some((b) => compare(operator, a, b)));
    };
  }

  private operand(): Expression {
    this.skipSpace();
    if (this.peek() === '@' || this.peek() === '$') {
      const fromRoot = this.peek() === '$';
      this.position += 1;
      const steps = this.steps(() => {
        this.skipSpace();
        return !['.', '['].includes(this.peek());
      });
      if (fromRoot) throw this.error('"$" inside a filter is not supported; use "@"');
      return (node) => steps.reduce<unknown[]>((nodes, step) => nodes.flatMap(step), [node]);
    }
    const literal = this.literal();
    return () => [literal];
  }

  private literal(): unknown {
    const quoted = this.stringLiteral();
    if (quoted !== undefined) return quoted;
    const match = /^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)/.exec(this.text.slice(this.position));
    if (!match) throw this.error('expected a value');
    this.position += match[0].length;
    if (/^-?\d+$/.test(match[0]) && !Number.isSafeInteger(Number(match[0]))) this.onBigInteger(match[0]);
    return JSON.parse(match[0]);
  }

  private stringLiteral(): string | undefined {
    const quote = this.peek();
    if (quote !== '"' && quote !== "'") return undefined;
    const end = this.text.indexOf(quote, this.position + 1);
    if (end < 0) throw this.error('unterminated string');
    const value = this.text.slice(this.position + 1, end);
    this.position = end + 1;
    return value;
  }

  private keyword(word: string): boolean {
    this.skipSpace();
    const match = new RegExp(`^${word}\\b`).exec(this.text.slice(this.position));
    if (match) this.position += word.length;
    return match !== null;
  }

  private peek(): string {
    return this.text[this.position] ?? '';
  }

  private skipSpace(): void {
    while (/\s/.test(this.peek())) this.position += 1;
  }

  private error(message: string): JsonPathError {
    return new JsonPathError(`${message} at position ${this.position} of "${this.text}"`);
  }
}

function child(node: unknown, name: string): unknown[] {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, name)
    ? [(node as Record<string, unknown>)[name]]
    : [];
}

function children(node: unknown): unknown[] {
  if (Array.isArray(node)) return node;
  return typeof node === 'object' && node !== null ? Object.values(node) : [];
}

function descendants(node: unknown): unknown[] {
  return [node, ...children(node).flatMap(descendants)];
}

function values(result: unknown[] | boolean): unknown[] {
  return Array.isArray(result) ? result : [result];
}

function truthy(result: unknown[] | boolean): boolean {
  return Array.isArray(result) ? result.length > 0 : result;
}

function compare(operator: string, a: unknown, b: unknown): boolean {
  try {
    switch (operator) {
      case '=':
        return pyEquals(a, b);
      case '!=':
        return !pyEquals(a, b);
      case '<=':
        return pyLessOrEqual(a, b);
      case '>=':
        return pyLessOrEqual(b, a);
      case '<':
        return pyLessOrEqual(a, b) && !pyEquals(a, b);
      default:
        return pyLessOrEqual(b, a) && !pyEquals(a, b);
    }
  } catch {
    return false;
  }
}
