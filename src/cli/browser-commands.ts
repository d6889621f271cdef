import { Command, InvalidArgumentError, Option } from 'commander';
import { browserScript } from '../browser/bundle.js';
import { createBrowserProxy } from '../browser/proxy.js';
import { explainFault, type FaultSpec } from '../model/fault.js';
import { parseFault } from '../model/fault-schema.js';
import { example, UsageError } from './context.js';
import { integer } from './integer-option.js';
import { listenControl } from './listen.js';
import { allowedHostList } from './server-limits.js';

interface FaultFlags {
  delay?: number;
  error?: boolean;
  status?: number;
  abort?: boolean;
  every?: number;
  first?: number;
  probability?: number;
  seed?: number;
  url?: string;
  method?: string[];
}

const probability = (value: string) => {
  const number = Number(value);
  if (value.trim() === '' || !(number >= 0 && number <= 1))
    throw new InvalidArgumentError('--probability takes a number from 0 to 1.');
  return number;
};

function withFaultFlags(command: Command): Command {
  return command
    .option('--delay <ms>', 'delay each matching request', integer('--delay', 0, 3_600_000))
    .option('--error', 'fail matching requests as network errors')
    .option('--status <code>', 'answer matching requests with this status', integer('--status', 200, 599))
    .option('--abort', 'abort matching requests')
    .option('--every <n>', 'only every Nth matching request', integer('--every', 1, 1_000_000))
    .option('--first <n>', 'only the first N matching requests', integer('--first', 1, 1_000_000))
    .option('--probability <p>', 'only this fraction of matching requests', probability)
    .option('--seed <n>', 'seed for --probability, to replay a run', integer('--seed', 0, 2 ** 31 - 1))
    .option('--url <regex>', 'only requests whose URL matches')
    .option('--method <method...>', 'only these HTTP methods (GET POST, or GET,POST)');
}

/**
 * The fault model words these for its own fields (nullify, slowBody, received {...}); on the
 * command line they name the flags.
 */
function refuseEffectCount(flags: FaultFlags): void {
  const answers = (['error', 'status', 'abort'] as const).filter(
    (flag) => flags[flag] !== undefined && flags[flag] !== false,
  );
  if (answers.length === 0 && flags.delay === undefined)
    throw new UsageError('a fault needs something to do: pass one of --delay, --error, --status or --abort');
  if (answers.length > 1)
    throw new UsageError(
      `${answers.map((flag) => `--${flag}`).join(' and ')} are ${answers.length === 2 ? 'two' : 'three'} answers to one request: give at most one of --error, --status and --abort (--delay can go with any of them)`,
    );
}

function faultFrom(flags: FaultFlags): FaultSpec {
  refuseEffectCount(flags);
  if (flags.seed !== undefined && flags.probability === undefined)
    throw new UsageError(
      `--seed ${flags.seed} repeats the draws of --probability, and there is no --probability; give both, or drop --seed`,
    );
  const fault = {
    ...(flags.delay !== undefined ? { delay: flags.delay } : {}),
    ...(flags.error ? { error: 'network error (faultline)' } : {}),
    ...(flags.status !== undefined ? { status: flags.status } : {}),
    ...(flags.abort ? { abort: true } : {}),
    ...(flags.every !== undefined ? { everyNth: flags.every } : {}),
    ...(flags.first !== undefined ? { firstN: flags.first } : {}),
    ...(flags.probability !== undefined ? { probability: flags.probability } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.url !== undefined ? { url: flags.url } : {}),
    ...(flags.method
      ? { httpMethods: flags.method.flatMap((method) => method.toUpperCase().split(',')) }
      : {}),
  };
  try {
    return parseFault(fault, 'the fault flags');
  } catch (error) {
    throw new UsageError(flagMessage((error as Error).message));
  }
}

/** The fault model's field names, as the flags that set them. */
const flagOfField: Record<string, string> = {
  delay: '--delay',
  error: '--error',
  status: '--status',
  abort: '--abort',
  everyNth: '--every',
  firstN: '--first',
  probability: '--probability',
  seed: '--seed',
  url: '--url',
  httpMethods: '--method',
};

/**
 * "invalid httpMethods.0 in the fault flags: …" becomes "invalid --method: …"; an error about the
 * fault as a whole (no effect, two effects) says which flags give one.
 */
function flagMessage(message: string): string {
  const field = /^(?:invalid )?(\w+)(?:\.\d+)? in the fault flags: /.exec(message);
  const flag = field ? flagOfField[field[1]!] : undefined;
  if (field && flag) return `invalid ${flag}: ${message.slice(field[0].length)}`;
  return field?.[1] === 'value' ? `${message} (pass one of --delay, --error, --status or --abort)` : message;
}

export function browserScriptCommand(): Command {
  return withFaultFlags(
    new Command('browser-script').description(
      'print the browser fault script (patches fetch, XMLHttpRequest and WebSocket)',
    ),
  )
    .addHelpText('after', example("faultline browser-script --error --every 2 --url '/api/' > faults.js"))
    .action((flags: FaultFlags) => {
      process.stdout.write(`${browserScript([faultFrom(flags)])}\n`);
    });
}

/**
 * Every page gets the script afresh: what counts requests counts each page load's, and a seed
 * replays the same draws on each. Said when the proxy starts, so "the first 3" is not read as the
 * first 3 of the whole run.
 */
function perPage(fault: FaultSpec): string {
  const notes: string[] = [];
  if (fault.everyNth !== undefined || fault.firstN !== undefined)
    notes.push(
      '--every and --first count the requests of each page load: the script starts again on every page',
    );
  if (fault.seed !== undefined) notes.push('--seed replays the same draws on every page load');
  return notes.length ? ` (${notes.join('; ')})` : '';
}

export function browserProxyCommand(): Command {
  return withFaultFlags(
    new Command('browser-proxy')
      .description('serve an app through a proxy that injects the fault script into its pages')
      .requiredOption('--target <url>', 'the app, e.g. http://127.0.0.1:3000')
      .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
      .option('--port <port>', 'port to listen on', integer('--port', 0, 65535), 8480)
      .addOption(
        new Option(
          '--allowed-host <name>',
          'a host name the proxy answers to besides loopback names and IP addresses (repeatable; "*" for any): other Host headers are refused, as a page that re-binds its DNS name sends them',
        )
          .argParser(allowedHostList('myapp.test'))
          .default([], 'none'),
      ),
  )
    .addHelpText(
      'after',
      example('faultline browser-proxy --target http://127.0.0.1:3000 --delay 500 --url /api/'),
    )
    .action(
      async (flags: FaultFlags & { target: string; host: string; port: number; allowedHost: string[] }) => {
        const fault = faultFrom(flags);
        if (!URL.canParse(flags.target) || new URL(flags.target).protocol !== 'http:')
          throw new UsageError(
            `--target must be an http:// URL, e.g. http://127.0.0.1:3000, received "${flags.target}"`,
          );
        const { pathname, search, hash } = new URL(flags.target);
        if (pathname !== '/' || search !== '' || hash !== '')
          throw new UsageError(
            `--target takes the app's origin, e.g. http://127.0.0.1:3000, received "${flags.target}": the proxy forwards each request to its own path, so "${pathname}${search}${hash}" would be ignored; open the proxy at that path instead`,
          );
        const server = createBrowserProxy({
          target: flags.target,
          script: browserScript([fault]),
          allowedHosts: flags.allowedHost,
        });
        const url = await listenControl(server, flags.host, flags.port, {
          host: '--host',
          port: '--port',
          holder: 'another faultline browser-proxy',
        });
        // Handlers first: whoever reads the line below may signal at once.
        const stop = () => server.close(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.stderr.write(
          `faultline browser-proxy on ${url} -> ${flags.target}: ${explainFault(fault, 'requests')}${perPage(fault)}\n`,
        );
      },
    );
}
