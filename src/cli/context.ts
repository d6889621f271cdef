import { type Command, Option } from 'commander';
import { createClient, DEFAULT_URL, type FaultlineClient, normalizeUrl } from '../client/index.js';
import { queryOrFragmentIn } from '../client/options-check.js';
import type { AttributeSpec } from '../model/toxics/definition.js';
import { definitionOf, toxicTypes } from '../model/toxics/index.js';
import { safe } from './terminal-text.js';
import { decimalNumber } from '../model/decimal-number.js';

const clientCommands = new WeakSet<Command>();

/** `-h, --host URL` (the control API) on a command that talks to a server, as toxiproxy-cli has it. */
export function withServerUrl(command: Command): Command {
  clientCommands.add(command);
  return command.addOption(hostOption());
}

/** Both variables the URL is read from are named: commander's `.env()` can show only one. */
export const hostOption = () =>
  new Option(
    '-h, --host <url>',
    'control API of the server (env: FAULTLINE_URL, else TOXIPROXY_URL; default http://127.0.0.1:8474)',
  );

/** Whether a command talks to a server through the client, so the global --host applies to it. */
export const isClientCommand = (command: Command) => clientCommands.has(command);

/**
 * The server URL: -h/--host before or after the command (the same URL if both), then
 * FAULTLINE_URL, then TOXIPROXY_URL (what toxiproxy-cli reads), then the default.
 */
export function clientFor(command: Command): FaultlineClient {
  return createClient({ url: serverUrlFor(command).url });
}

/**
 * The server URL as clientFor finds it, checked; `explicit` when --host named it (then a server
 * that cannot be reached is a failure, while one only the environment names may not be running).
 */
export function serverUrlFor(command: Command): { url: string; explicit: boolean } {
  const own = command.opts<{ host?: string }>().host;
  let program = command;
  while (program.parent) program = program.parent;
  const global =
    program.getOptionValueSource('host') === 'cli' ? program.opts<{ host?: string }>().host : undefined;
  if (own !== undefined && global !== undefined && own !== global) {
    throw new UsageError(
      `--host is given twice with different URLs ("${global}" before the command, "${own}" after it); give it once`,
    );
  }
  const flag = own ?? global;
  const { url, from } = flag === undefined ? serverUrlFromEnvironment() : { url: flag, from: '--host' };
  if (!URL.canParse(normalizeUrl(url))) {
    throw new UsageError(
      `${from} ${JSON.stringify(url)} is not a URL; give the control API as http://HOST:PORT (or HOST:PORT)`,
    );
  }
  // Another scheme failed at the first request, reported as a server that cannot be reached.
  const { protocol } = new URL(normalizeUrl(url));
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(
      `${from} ${JSON.stringify(url)} is a ${protocol.slice(0, -1)} URL; the control API is served over http (or https): give it as http://HOST:PORT (or HOST:PORT)`,
    );
  }
  const extra = queryOrFragmentIn(url);
  if (extra !== undefined) {
    throw new UsageError(
      `${from} ${JSON.stringify(url)} has a ${extra}, which the control API's address takes none of; give it as http://HOST:PORT (a token as http://:TOKEN@HOST:PORT or in FAULTLINE_TOKEN)`,
    );
  }
  if (flag === undefined && from !== 'the default')
    urlFromEnvironment = { name: from, url: normalizeUrl(url) };
  return { url: normalizeUrl(url), explicit: flag !== undefined };
}

/** The variable that named the server this command calls, when no --host did (see failure.ts). */
let urlFromEnvironment: { name: string; url: string } | undefined;

export const serverNamedByEnvironment = (): { name: string; url: string } | undefined => urlFromEnvironment;

/**
 * FAULTLINE_URL, then TOXIPROXY_URL, then the default, with the name of the one read. A variable
 * set to the empty string counts as unset, as in most tools (`FAULTLINE_URL= faultline list`).
 */
export function serverUrlFromEnvironment(): { url: string; from: string } {
  for (const name of ['FAULTLINE_URL', 'TOXIPROXY_URL']) {
    const value = process.env[name];
    if (value !== undefined && value !== '') return { url: value, from: name };
  }
  return { url: DEFAULT_URL, from: 'the default' };
}

/** The example every command's --help ends with. */
export function example(text: string): string {
  return `\nExample:\n  ${text}\n`;
}

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A warning of the server's answer (see CallOptions.onWarning), on stderr, so scripts reading stdout keep their output. */
export function printServerWarning(text: string): void {
  process.stderr.write(`faultline: warning: ${safe(text)}\n`);
}

/** A terminal gets tables and colour; a pipe gets tab-separated lines, as toxiproxy-cli does. */
export const isTerminal = () => process.stdout.isTTY === true;

export function bold(text: string): string {
  return isTerminal() ? `\u001b[1m${text}\u001b[0m` : text;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [bold(line(header)), line(widths.map((width) => '='.repeat(width))), ...rows.map(line)].join('\n');
}

/**
 * Parses repeatable `-a key=value` flags; numbers are sent as numbers, as toxiproxy-cli does, and
 * a value that starts with { is JSON (header maps of the HTTP toxics).
 */
export function collectAttribute(value: string, previous: Record<string, unknown> = {}) {
  const equals = value.indexOf('=');
  if (equals <= 0) {
    throw new UsageError(`attribute ${JSON.stringify(value)} is not key=value; for example -a latency=100`);
  }
  const key = value.slice(0, equals);
  refuseCommaForm(value, key);
  const collected = parseAttribute(value, equals, previous);
  if (Object.hasOwn(previous, key) && JSON.stringify(previous[key]) !== JSON.stringify(collected[key])) {
    throw new UsageError(
      `attribute ${key} is given twice with different values (${JSON.stringify(previous[key])} and ${JSON.stringify(collected[key])}); give it once`,
    );
  }
  return collected;
}

/**
 * `-a latency=100,jitter=50` is the form toxiproxy-cli dropped in 2.1.0: sent as it is, it is
 * the text "100,jitter=50" for latency, which the server refuses without a word about the comma.
 * Text attributes (a body) may hold commas and equals signs, so they pass.
 */
function refuseCommaForm(value: string, key: string): void {
  if (textAttributes.has(key)) return;
  const parts = value.split(',');
  if (parts.length < 2 || !parts.every((part) => /^\s*[A-Za-z_]\w*=/.test(part))) return;
  const flags = parts.map((part) => `-a ${part.trim()}`).join(' ');
  throw new UsageError(
    `attribute ${JSON.stringify(value)} holds ${parts.length} attributes; give each its own -a: ${flags} (toxiproxy-cli dropped the comma form in 2.1.0)`,
  );
}

/** A text attribute, or a JSON one that takes a string and not an object (http_modify's body). */
function takesText(spec: AttributeSpec): boolean {
  if (spec.kind === 'text') return true;
  return spec.kind === 'json' && spec.check('text') === undefined && spec.check({}) !== undefined;
}

/** Attributes that are text in every toxic that has them (body, message): never a number or object. */
const textAttributes = (() => {
  const specs = toxicTypes.flatMap((type) => definitionOf(type).attributes);
  const names = new Set(specs.filter(takesText).map((spec) => spec.name));
  for (const spec of specs) if (!takesText(spec)) names.delete(spec.name);
  return names;
})();

function parseAttribute(value: string, equals: number, previous: Record<string, unknown>) {
  const raw = value.slice(equals + 1);
  const key = value.slice(0, equals);
  // null unsets an attribute whose unset value is null (-a body=null); "…" is a JSON string, so
  // -a 'body="null"' sends the text null.
  if (raw === 'null') return { ...previous, [key]: null };
  // -a 'body={"ok":true}' is the body a client gets, and -a message=404 a message.
  if (textAttributes.has(key) && !raw.startsWith('"')) return { ...previous, [key]: raw };
  if (raw.trimStart().startsWith('{') || raw.startsWith('"')) {
    try {
      return { ...previous, [value.slice(0, equals)]: JSON.parse(raw) as unknown };
    } catch (error) {
      throw new UsageError(
        `attribute ${JSON.stringify(value)}: the value is not JSON (${(error as Error).message})`,
      );
    }
  }
  return { ...previous, [value.slice(0, equals)]: decimalNumber(raw) ?? raw };
}

/** Bad flags or arguments: exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
