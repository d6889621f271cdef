/**
 * Chaos Toolkit's regex tolerance is Python's `re.search(pattern, value)`. This translates a
 * Python pattern into a JavaScript RegExp (unicode sets mode) that matches the same strings:
 * `$` also before a final newline, `.` everything but `\n`, `\d`/`\w`/`\s`/`\b` over Unicode
 * as Python's str patterns, `\A`/`\Z`, `(?P<name>...)`, `(?i)` and the other inline flags,
 * `{,n}`, `\x`/`\u`/`\U`/octal escapes, literal `{`. What JavaScript cannot express (scoped
 * `(?i:...)`, atomic groups, possessive quantifiers, conditionals, `\N{...}`) is refused with
 * the reason, never matched differently.
 */
export class PythonRegexError extends Error {}

/** Regex text, and whether a quantifier may follow it: an atom may; an anchor or a group's opening not. */
interface Piece {
  text: string;
  repeatable: boolean;
}

interface Flags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
  verbose: boolean;
  ascii: boolean;
}

/** Class bodies (for the v flag) of Python's \d, \w and \s, Unicode and ASCII. */
const CLASSES: Record<'d' | 'w' | 's', { unicode: string; ascii: string }> = {
  d: { unicode: '\\p{Nd}', ascii: '0-9' },
  w: { unicode: '\\p{L}\\p{N}_', ascii: 'A-Za-z0-9_' },
  s: {
    unicode: '\\t-\\r\\x1C-\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000',
    ascii: '\\t-\\r\\x20',
  },
};

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
const SYNTAX = new Set('^$\\.*+?()[]{}|/');
const VERBOSE_SPACE = new Set(' \t\n\r\v\f');

export function pythonRegex(pattern: string): RegExp {
  const translator = new Translator(pattern);
  const source = translator.translate();
  try {
    return new RegExp(source, translator.ignoreCase ? 'iv' : 'v');
  } catch (error) {
    throw new PythonRegexError((error as Error).message);
  }
}

class Translator {
  private readonly chars: string[];
  private position = 0;
  private flags: Flags = { ignoreCase: false, multiline: false, dotAll: false, verbose: false, ascii: false };
  private readonly open: Array<{ at: number; flags: Flags }> = [];

  constructor(pattern: string) {
    this.chars = Array.from(pattern);
  }

  get ignoreCase(): boolean {
    return this.flags.ignoreCase;
  }

  translate(): string {
    let out = '';
    // Whether what came last may take a quantifier, and whether it already took one.
    let repeatable = false;
    let quantified = false;
    while (this.position < this.chars.length) {
      const at = this.position;
      const char = this.chars[this.position++]!;
      if (this.flags.verbose && VERBOSE_SPACE.has(char)) continue;
      if (this.flags.verbose && char === '#') {
        this.readWhile((next) => next !== '\n');
        continue;
      }
      // Python drops a (?#...) comment: a repeat after it applies to what came before.
      if (char === '(' && this.peek() === '?' && this.peek(1) === '#') {
        this.skipComment(at);
        continue;
      }
      // Global flags, such as (?i), while nothing is written yet (comments and verbose spaces aside).
      const global = /^\?([aiLmsux]+)\)/.exec(this.rest());
      if (char === '(' && out === '' && global) {
        this.flags = this.flagsFrom(global[1]!, this.flags, at + 2);
        this.position += global[0].length;
        continue;
      }
      const quantifier = this.quantifier(char);
      if (quantifier !== undefined) {
        if (!repeatable) throw this.error(quantified ? 'multiple repeat' : 'nothing to repeat', at);
        if (this.peek() === '+') throw this.unsupported('possessive quantifiers', at);
        out += quantifier + (this.peek() === '?' ? this.chars[this.position++] : '');
        repeatable = false;
        quantified = true;
        continue;
      }
      const piece = this.atom(char, at);
      out += piece.text;
      repeatable = piece.repeatable;
      quantified = false;
    }
    const unclosed = this.open.at(-1);
    if (unclosed) throw this.error('missing ), unterminated subpattern', unclosed.at);
    return out;
  }

  /** `*`, `+`, `?` or a `{m,n}` Python reads as a repeat (else undefined; `{` is then literal). */
  private quantifier(char: string): string | undefined {
    if (char === '*' || char === '+' || char === '?') return char;
    if (char !== '{') return undefined;
    const match = /^(\d*)(,(\d*))?\}/.exec(this.rest());
    if (!match || (match[1] === '' && match[2] === undefined)) return undefined;
    this.position += match[0].length;
    const low = match[1] || '0';
    if (match[2] === undefined) return `{${low}}`;
    if (match[3] !== '' && Number(match[3]) < Number(low)) {
      throw this.error('min repeat greater than max repeat', this.position - match[0].length);
    }
    return `{${low},${match[3]}}`;
  }

  private atom(char: string, at: number): Piece {
    switch (char) {
      case '(':
        return this.group(at);
      case ')': {
        const group = this.open.pop();
        if (!group) throw this.error('unbalanced parenthesis', at);
        this.flags = group.flags;
        return { text: ')', repeatable: true };
      }
      case '|':
        return { text: '|', repeatable: false };
      case '[':
        return { text: this.characterClass(at), repeatable: true };
      case '.':
        return { text: this.flags.dotAll ? '[\\s\\S]' : '[^\\n]', repeatable: true };
      case '^':
        return { text: this.flags.multiline ? '(?:^|(?<=\\n))' : '^', repeatable: false };
      case '$':
        return { text: this.flags.multiline ? '(?=\\n|$)' : '(?=\\n?$)', repeatable: false };
      case '\\':
        return this.escape(at);
      default:
        return { text: literal(char), repeatable: true };
    }
  }

  private group(at: number): Piece {
    const saved = { at, flags: this.flags };
    if (this.peek() !== '?') {
      this.open.push(saved);
      return { text: '(', repeatable: false };
    }
    this.position += 1;
    const kind = this.peek();
    if (kind === undefined) throw this.error('unexpected end of pattern', at + 2);
    if (kind === '=' || kind === '!') {
      this.position += 1;
      this.open.push(saved);
      return { text: `(?${kind}`, repeatable: false };
    }
    if (kind === '<' && (this.peek(1) === '=' || this.peek(1) === '!')) {
      this.position += 2;
      this.open.push(saved);
      return { text: `(?<${this.chars[this.position - 1]}`, repeatable: false };
    }
    if (kind === 'P' && this.peek(1) === '<') {
      this.position += 2;
      const name = this.readWhile((char) => char !== '>');
      if (this.chars[this.position++] !== '>') throw this.error('missing >, unterminated name', at + 4);
      if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(name))
        throw this.error(`bad character in group name '${name}'`, at + 4);
      this.open.push(saved);
      return { text: `(?<${name}>`, repeatable: false };
    }
    if (kind === 'P' && this.peek(1) === '=') {
      this.position += 2;
      const name = this.readWhile((char) => char !== ')');
      if (this.chars[this.position++] !== ')') throw this.error('missing ), unterminated name', at + 4);
      return { text: `\\k<${name}>`, repeatable: true };
    }
    if (kind === '>') throw this.unsupported('atomic groups (?>...)', at);
    if (kind === '(') throw this.unsupported('conditional groups (?(...)...)', at);
    const written = this.readWhile((char) => char !== ':' && char !== ')');
    if (/^[aiLmsux]*(-[imsx]+)?$/.test(written) && this.peek() === ':') {
      this.position += 1;
      const flags = this.scopedFlags(written, at);
      this.open.push(saved);
      this.flags = flags;
      return { text: '(?:', repeatable: false };
    }
    if (/^[aiLmsux]+$/.test(written) && this.peek() === ')') {
      throw this.error('global flags not at the start of the expression', at);
    }
    throw this.error(`unknown extension ?${written.slice(0, /^[<P]/.test(written) ? 2 : 1)}`, at + 1);
  }

  private skipComment(at: number): void {
    this.readWhile((char) => char !== ')');
    if (this.chars[this.position++] !== ')') throw this.error('missing ), unterminated comment', at);
  }

  private scopedFlags(written: string, at: number): Flags {
    const [on, off = ''] = written.split('-') as [string, string?];
    const flags = this.flagsFrom(on, this.flags, at + 2);
    for (const [index, letter] of Array.from(off).entries()) {
      if (on.includes(letter))
        throw this.error('bad inline flags: flag turned on and off', at + on.length + index + 4);
      if (letter === 'm') flags.multiline = false;
      if (letter === 's') flags.dotAll = false;
      if (letter === 'x') flags.verbose = false;
      if (letter === 'i') flags.ignoreCase = false;
    }
    if (flags.ignoreCase !== this.flags.ignoreCase) {
      throw this.unsupported(
        'case-insensitivity for part of a pattern ((?i:...) or (?-i:...)); use (?i) at the start',
        at,
      );
    }
    return flags;
  }

  /** `letters` start at `lettersAt`; Python places an error just after the letter at fault. */
  private flagsFrom(letters: string, base: Flags, lettersAt: number): Flags {
    const flags = { ...base };
    for (const [index, letter] of Array.from(letters).entries()) {
      if (letter === 'L')
        throw this.error("bad inline flags: cannot use 'L' flag with a str pattern", lettersAt + index + 1);
      if (letter === 'i') flags.ignoreCase = true;
      if (letter === 'm') flags.multiline = true;
      if (letter === 's') flags.dotAll = true;
      if (letter === 'x') flags.verbose = true;
      if (letter === 'a') flags.ascii = true;
    }
    return flags;
  }

  /** An escape outside a class. */
  private escape(at: number): Piece {
    const char = this.chars[this.position++];
    if (char === undefined) throw this.error('bad escape (end of pattern)', at);
    const shorthand = this.shorthand(char);
    if (shorthand !== undefined)
      return { text: shorthand.negated ? `[^${shorthand.body}]` : `[${shorthand.body}]`, repeatable: true };
    if (char === 'A') return { text: '^', repeatable: false };
    if (char === 'Z') return { text: '$', repeatable: false };
    if (char === 'b' || char === 'B') {
      const word = `[${this.shorthand('w')!.body}]`;
      const boundary = `(?<=${word})(?!${word})|(?<!${word})(?=${word})`;
      const inside = `(?<=${word})(?=${word})|(?<!${word})(?!${word})`;
      return { text: `(?:${char === 'b' ? boundary : inside})`, repeatable: false };
    }
    if (/[1-9]/.test(char)) {
      const digits = char + this.readWhile((next, index) => index < 2 && /\d/.test(next));
      if (digits.length === 3 && !/[89]/.test(digits))
        return { text: this.octal(digits, at), repeatable: true };
      const group = digits.slice(0, 2);
      this.position -= digits.length - group.length;
      // Grouped, so that a digit after it is not read by JavaScript as more of the number.
      return { text: `(?:\\${group})`, repeatable: true };
    }
    return { text: literal(this.escapedCharacter(char, at)), repeatable: true };
  }

  /** \d \D \w \W \s \S as a class body (for the v flag), Unicode or ASCII as the flags say. */
  private shorthand(char: string): { body: string; negated: boolean } | undefined {
    const lower = char.toLowerCase();
    if (lower !== 'd' && lower !== 'w' && lower !== 's') return undefined;
    const classes = CLASSES[lower];
    return { body: this.flags.ascii ? classes.ascii : classes.unicode, negated: char !== lower };
  }

  /** The character an escape stands for (both in and out of classes), or an error. */
  private escapedCharacter(char: string, at: number): string {
    const simple = SIMPLE_ESCAPES[char];
    if (simple !== undefined) return String.fromCodePoint(simple);
    if (char === '0')
      return String.fromCodePoint(
        this.octalValue('0' + this.readWhile((next, index) => index < 2 && /[0-7]/.test(next)), at),
      );
    const width = { x: 2, u: 4, U: 8 }[char];
    if (width !== undefined) {
      const hex = this.chars.slice(this.position, this.position + width).join('');
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex))
        throw this.error(`incomplete escape \\${char}${hex}`, at);
      this.position += width;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw this.error(`bad escape \\${char}${hex}`, at);
      return String.fromCodePoint(code);
    }
    if (char === 'N') throw this.unsupported('named characters \\N{...}', at);
    if (/[A-Za-z0-9]/.test(char)) throw this.error(`bad escape \\${char}`, at);
    return char;
  }

  private octal(digits: string, at: number): string {
    return literal(String.fromCodePoint(this.octalValue(digits, at)));
  }

  private octalValue(digits: string, at: number): number {
    const value = parseInt(digits, 8);
    if (value > 0o377) throw this.error(`octal escape value \\${digits} outside of range 0-0o377`, at);
    return value;
  }

  /** `[...]`, read as Python reads it, written with every literal escaped (v flag). */
  private characterClass(at: number): string {
    const negated = this.peek() === '^';
    if (negated) this.position += 1;
    const items: string[] = [];
    let first = true;
    for (;;) {
      const itemAt = this.position;
      const char = this.chars[this.position++];
      if (char === undefined) throw this.error('unterminated character set', at);
      if (char === ']' && !first) break;
      first = false;
      const low = this.classItem(char, itemAt);
      if (this.peek() !== '-' || this.peek(1) === ']' || this.peek(1) === undefined) {
        items.push(low.text);
        continue;
      }
      this.position += 1;
      const highAt = this.position;
      const high = this.classItem(this.chars[this.position++]!, highAt);
      if (low.code === undefined || high.code === undefined) {
        throw this.error(`bad character range ${this.chars.slice(itemAt, this.position).join('')}`, itemAt);
      }
      if (high.code < low.code) {
        throw this.error(`bad character range ${this.chars.slice(itemAt, this.position).join('')}`, itemAt);
      }
      items.push(`${low.text}-${high.text}`);
    }
    return `[${negated ? '^' : ''}${items.join('')}]`;
  }

  /** One class member: a character (with its code, for ranges) or a shorthand class. */
  private classItem(char: string, at: number): { text: string; code?: number } {
    if (char !== '\\') return { text: classLiteral(char), code: char.codePointAt(0)! };
    const escaped = this.chars[this.position++];
    if (escaped === undefined) throw this.error('bad escape (end of pattern)', at);
    const shorthand = this.shorthand(escaped);
    if (shorthand !== undefined) return { text: shorthand.negated ? `[^${shorthand.body}]` : shorthand.body };
    if (escaped === 'b') return { text: classLiteral('\b'), code: 8 };
    if (/[1-7]/.test(escaped)) {
      const digits = escaped + this.readWhile((next, index) => index < 2 && /[0-7]/.test(next));
      const value = this.octalValue(digits, at);
      return { text: classLiteral(String.fromCodePoint(value)), code: value };
    }
    const character = this.escapedCharacter(escaped, at);
    return { text: classLiteral(character), code: character.codePointAt(0)! };
  }

  private peek(ahead = 0): string | undefined {
    return this.chars[this.position + ahead];
  }

  /** The next characters, enough for any {m,n} or inline flags. */
  private rest(): string {
    return this.chars.slice(this.position, this.position + 24).join('');
  }

  private readWhile(keep: (char: string, index: number) => boolean): string {
    const rest = this.chars.slice(this.position);
    const end = rest.findIndex((char, index) => !keep(char, index));
    const count = end === -1 ? rest.length : end;
    this.position += count;
    return rest.slice(0, count).join('');
  }

  private error(message: string, at: number): PythonRegexError {
    return new PythonRegexError(`${message} at position ${at}`);
  }

  private unsupported(what: string, at: number): PythonRegexError {
    return new PythonRegexError(
      `${what} at position ${at}: Python's re has it, but JavaScript cannot match it the same way, so faultline refuses it rather than check something else`,
    );
  }
}

/** A character outside a class, as itself or escaped when it is regex syntax. */
function literal(char: string): string {
  if (SYNTAX.has(char)) return `\\${char}`;
  if (/[\p{L}\p{N}_ ]/u.test(char)) return char;
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}

/** A character inside a v-flag class: letters and digits as themselves, anything else escaped. */
function classLiteral(char: string): string {
  if (/[\p{L}\p{N}_]/u.test(char)) return char;
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}
