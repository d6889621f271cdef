import { CommanderError } from 'commander';
import { FaultlineApiError } from '../client/errors.js';
import { isFaultlineError } from '../model/errors.js';
import { BadInput } from '../system/bad-input.js';
import { MissingCapability } from '../system/capability.js';
import { ClickUsageError, clickErrorText } from './click-usage-error.js';
import { serverNamedByEnvironment, UsageError } from './context.js';
import { safe, safeLines } from './terminal-text.js';

/**
 * The one exit-status rule: 0 done; 2 bad input, refused before anything was attempted (a flag,
 * an argument, a file); 1 something was attempted and failed (the server refused it or could not
 * be reached, a load run had failures, a capability is missing); 130 interrupted (143 by SIGTERM).
 */
export const EXIT = { done: 0, failed: 1, badInput: 2, interrupted: 130, terminated: 128 + 15 } as const;

export interface Failure {
  status: number;
  /** What goes to stderr: `faultline: MESSAGE`, then the server's hint on its own line. */
  text: string;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof CommanderError) {
    // commander has already printed its message (through the faultline: prefix). Help asked for
    // (--help, `help`) exits 0; help shown because a command is missing has exitCode 1 from
    // commander, and is a usage error like an unknown command.
    const asked = error.code === 'commander.help' && error.exitCode === 0;
    const done = ['commander.helpDisplayed', 'commander.version'].includes(error.code) || asked;
    return { status: done ? EXIT.done : EXIT.badInput, text: '' };
  }
  if (error instanceof FaultlineApiError) {
    // Everything in it may come from the server, so nothing in it may reach the terminal raw.
    const hint = 'hint' in error && typeof error.hint === 'string' && error.hint ? error.hint : undefined;
    return {
      status: EXIT.failed,
      text: `faultline: ${safe(error.reason)}\n${hint === undefined ? '' : `${safe(hint)}\n`}${environmentNote(error)}`,
    };
  }
  // chaos's command line (run, validate, its global options): click's usage, hint and Error: line.
  if (error instanceof ClickUsageError)
    return { status: EXIT.badInput, text: clickErrorText(error, safeLines) };
  const badInput =
    error instanceof UsageError ||
    error instanceof BadInput ||
    (isFaultlineError(error) && isInputProblem(error));
  const known = badInput || error instanceof MissingCapability || isFaultlineError(error);
  const message =
    known || !process.env.FAULTLINE_DEBUG
      ? ((error as Error)?.message ?? String(error))
      : ((error as Error)?.stack ?? String(error));
  return { status: badInput ? EXIT.badInput : EXIT.failed, text: `faultline: ${safeLines(message)}\n` };
}

/**
 * A server that cannot be reached at a URL no flag gave: a FAULTLINE_URL or TOXIPROXY_URL left
 * set in the shell is the likely cause, and the message says which one named it.
 */
function environmentNote(error: FaultlineApiError): string {
  const named = serverNamedByEnvironment();
  if (error.code !== 'FAULTLINE_ERR_UNREACHABLE' || named === undefined) return '';
  // A command that says it itself (ca) is not told twice.
  if (error.hint?.includes(named.name)) return '';
  return `${named.name}=${safe(named.url)} in the environment named this server; unset it, or give --host, to reach another\n`;
}

/**
 * The API answers a listen failure with 500, as Toxiproxy does; on the command line the address
 * and port are what the user gave, so they are bad input like any other 4xx.
 */
const localInputCodes = new Set<string>([
  'FAULTLINE_ERR_ADDRESS_IN_USE',
  'FAULTLINE_ERR_INVALID_LISTEN',
  'FAULTLINE_ERR_ADDRESS_UNAVAILABLE',
  'FAULTLINE_ERR_PERMISSION',
]);

function isInputProblem(error: { status: number; code: string }): boolean {
  return (error.status >= 400 && error.status < 500) || localInputCodes.has(error.code);
}
