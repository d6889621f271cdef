import { networkInterfaces } from 'node:os';
import { type Command, Option } from 'commander';
import type { LedgerAccess } from '../model/halt.js';
import { generateToken, tokenProblem } from '../server/token.js';
import { UsageError } from './context.js';
import { isLoopback } from '../net/loopback.js';

export { isLoopback };

/** Who may drive the server: its token, --insecure, and the ledger POST /halt undoes. */
export interface AccessOptions {
  token?: string;
  insecure?: boolean;
  ledgerDir?: string;
}

export function addAccessOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--token <value>',
        'every request must carry this token (Bearer, http://:TOKEN@host, or /t/TOKEN); "generate" makes one and prints it. Required off loopback',
      ).env('FAULTLINE_TOKEN'),
    )
    .addOption(
      new Option(
        '--insecure',
        'serve a non-loopback address without a token: anyone who reaches the port controls the proxies and can halt',
      ),
    )
    .addOption(
      new Option(
        '--ledger-dir <dir>',
        'the ledger POST /halt undoes and GET /ledger lists (default that of "faultline rollback")',
      ).env('FAULTLINE_LEDGER_DIR'),
    );
}

/**
 * The token the server requires, or undefined when it requires none: on loopback, as Toxiproxy
 * is, or off it with --insecure. Off loopback without either, it refuses to start.
 */
export function resolveToken(
  host: string,
  options: AccessOptions,
  say: (line: string) => void,
): string | undefined {
  if (options.insecure && options.token !== undefined)
    throw new UsageError(
      '--insecure and --token (or FAULTLINE_TOKEN) contradict each other; give --token to require a token, or --insecure to serve without one',
    );
  if (options.insecure && isLoopback(host))
    say(`--insecure changes nothing on the loopback address ${host}, which needs no token`);
  // Checked here rather than by commander, whose message would repeat the value.
  const problem =
    options.token === undefined || options.token === 'generate' ? undefined : tokenProblem(options.token);
  if (problem) throw new UsageError(`--token (or FAULTLINE_TOKEN): ${problem}`);
  if (options.token === undefined) {
    if (isLoopback(host) || options.insecure) return undefined;
    throw new UsageError(
      `--host ${host} is not a loopback address: whoever reaches it could create proxies, add toxics and halt runs. Require a token with --token VALUE (16+ characters from A-Z a-z 0-9 . _ ~ -), FAULTLINE_TOKEN=VALUE, or --token generate (prints one at start); or pass --insecure to serve it without one, knowingly`,
    );
  }
  if (options.token === 'generate') return generateToken();
  if (onCommandLine(options.token))
    say(
      '--token VALUE is visible to every local user (ps, /proc/PID/cmdline); set FAULTLINE_TOKEN=VALUE in the environment instead, or use --token generate',
    );
  return options.token;
}

/** Whether the token was written on the command line, rather than read from FAULTLINE_TOKEN. */
function onCommandLine(token: string): boolean {
  return process.argv.some((argument) => argument === token || argument === `--token=${token}`);
}

/**
 * Whether a ledger entry's server is this one (its port, and an address of this machine it
 * listens on): only then does the ledger undo send this server's token with it.
 */
export function isThisServer(server: string, host: string, port: number): boolean {
  if (!URL.canParse(server)) return false;
  const url = new URL(server);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (Number(url.port || 80) !== port) return false;
  if (isLoopback(hostname) || hostname === host) return true;
  if (host !== '0.0.0.0' && host !== '::') return false;
  return Object.values(networkInterfaces()).some((addresses) =>
    addresses?.some((address) => address.address === hostname),
  );
}

/** The ledger, loaded at the first halt or listing: the server's start-up never loads the runner. */
export function lazyLedger(
  directory: string | undefined,
  tokenFor: (server: string) => string | undefined,
): LedgerAccess {
  const module = () => import('../experiment/ledger-halt.js');
  return {
    list: async () => (await module()).listLeftFaults(directory),
    halt: async ({ spare, reason }) =>
      (await module()).haltLedgers(directory, {
        spare,
        tokenFor,
        ...(reason === undefined ? {} : { reason }),
      }),
  };
}
