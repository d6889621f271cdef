import { RE2JS } from 're2js';
import { FaultlineError } from './errors.js';

/**
 * A user's regular expression (a fault's url, header value or file path), compiled with RE2JS,
 * a port of RE2: matching takes time linear in the text, so no pattern can freeze the event
 * loop the way `^/(a+)+$` does in a backtracking engine. The price is RE2's syntax: no
 * lookahead, lookbehind or backreferences.
 */
export interface Pattern {
  readonly source: string;
  /** True when the pattern matches anywhere in `text` (as RegExp.prototype.test does). */
  test(text: string): boolean;
}

export const MAX_PATTERN_LENGTH = 1024;

export function compilePattern(source: string, where: string): Pattern {
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `${where}: the pattern is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`,
    );
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `${where}: invalid pattern "${source}": ${(error as Error).message}. Patterns use RE2 syntax ` +
        '(matching in linear time), which has no lookahead, lookbehind or backreferences',
    );
  }
  return { source, test: (text) => compiled.test(text) };
}
