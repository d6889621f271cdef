import { closeMatches } from '../model/python-close-matches.js';
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
 * click 8.1 shows one in chaos 1.19, on stderr with exit 2:
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
 * click 8.1's words for an option its parser does not know, as typed up to any `=`: a short one
 * (`-xyz` is read as `-x`, `-y`, `-z`) is named alone; a long one gets Python's difflib's close
 * matches among `longs`, `Did you mean --x?` for one, `(Possible options: --x, --y)` for more.
 */
export function noSuchOption(name: string, longs: readonly string[]): string {
  if (!name.startsWith('--')) return `No such option: ${name.slice(0, 2)}`;
  const near = closeMatches(name, longs).sort();
  if (near.length === 0) return `No such option: ${name}`;
  if (near.length === 1) return `No such option: ${name} Did you mean ${near[0]}?`;
  return `No such option: ${name} (Possible options: ${near.join(', ')})`;
}
