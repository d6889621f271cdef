import { describeValue, FaultlineError } from './errors.js';

/**
 * Proxy and toxic names: letters, digits and `_ . : -`. That covers what Toxiproxy's clients and
 * users write (`shopify_test_redis_master`, `zeebe-proxy`, Testcontainers' `redis:6379`) and
 * keeps out what a terminal or a URL would read as something else: escape sequences, spaces,
 * `/`, `?`, `%` and quotes.
 */
export const NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/;
export const NAME_CHARACTERS = 'letters, digits, "_", ".", ":" and "-"';

/** Names that Toxiproxy took are refused here: the hint says why. */
const TOXIPROXY_NAMES =
  ' (Toxiproxy 2.12 takes any name, but one with "/" can never be addressed, and a space or an escape sequence prints as something else)';

/** The server's default limit on name length (--max-name-length). */
export const DEFAULT_MAX_NAME_LENGTH = 255;

/** Checks the character set, and the length when a limit is given (the server knows its own). */
export function checkName(name: string, what: string, maxLength?: number): string {
  if (maxLength !== undefined && name.length > maxLength) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `name too long`, {
      hint: `the ${what} is ${name.length} characters long (starting ${describeValue(name.slice(0, 40))}); the limit is ${maxLength} (server option --max-name-length)`,
    });
  }
  if (!NAME_PATTERN.test(name)) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', `invalid name`, {
      hint: `the ${what} ${describeValue(name)} may contain only ${NAME_CHARACTERS}${TOXIPROXY_NAMES}`,
    });
  }
  return name;
}
