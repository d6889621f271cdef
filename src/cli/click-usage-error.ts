import { closeMatches } from '../model/python-close-matches.js';
import { pyStringRepr } from '../model/python-string-repr.js';
import { UsageError } from './context.js';

/** What click shows above a usage error: the command's usage line and its path, for "Try … --help". */
export interface ClickFrame {
  /** `faultline run [OPTIONS] SOURCE`, printed after `Usage: `. */
  usage: string;
  /** `faultline run`, printed in `Try 'faultline run --help' for help.` */
  path: string;
}

/**
 * A usage error of chaos's command line (run, validate and chaos's global options), shown as
 * click shows one in chaos 1.19, on stderr with exit 2:
 *
 *     Usage: faultline run [OPTIONS] SOURCE
 *     Try 'faultline run --help' for help.
 *
 *     Error: Missing argument 'SOURCE'.
 *
 * Without a frame, the `Error:` line alone: click raises an option missing its value (`Option
 * '--var' requires an argument.`) without its context, so chaos prints no usage above it.
 */
export class ClickUsageError extends UsageError {
  constructor(
    message: string,
    readonly frame?: ClickFrame,
  ) {
    super(message);
  }
}

/** The text click writes to stderr for `error`, its message made safe by `safe`. */
export function clickErrorText(error: ClickUsageError, safe: (text: string) => string): string {
  const frame = error.frame;
  const above = frame ? `Usage: ${frame.usage}\nTry '${frame.path} --help' for help.\n\n` : '';
  return `${above}Error: ${safe(error.message)}\n`;
}

/**
 * click's words (8.2 on, as a chaos 1.19 installed today gets) for an option its parser does not
 * know, as typed up to any `=`: a short one (`-xyz` is read as `-x`, `-y`, `-z`) is named alone; a
 * long one gets Python's difflib's close matches among `longs`, each in Python's repr: `Did you
 * mean '--x'?` for one, `(Did you mean one of: '--x', '--y'?)` for more.
 */
export function noSuchOption(name: string, longs: readonly string[]): string {
  const named = name.startsWith('--') ? name : name.slice(0, 2);
  const unknown = `No such option ${pyStringRepr(named)}.`;
  const near = name.startsWith('--') ? closeMatches(name, longs).sort() : [];
  if (near.length === 0) return unknown;
  const listed = near.map(pyStringRepr).join(', ');
  return near.length === 1
    ? `${unknown} Did you mean ${listed}?`
    : `${unknown} (Did you mean one of: ${listed}?)`;
}
