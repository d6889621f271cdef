import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import { basename } from 'node:path';
import { RE2JS } from 're2js';
import { ancestorsOf } from './ancestors.js';
import { readTrusted } from './private-files.js';
import { tcpSocketRows } from '../net/tcp-sockets.js';

export interface ProcessInfo {
  pid: number;
  command: string;
}

export type ProcessSelector = { pid: number } | { port: number } | { match: string } | { pidfile: string };

export interface SelectorFields {
  pid?: unknown;
  port?: unknown;
  match?: unknown;
  pidfile?: unknown;
}

/** Exactly one of pid, port, match or pidfile, checked; the error names what was given. */
export function selectorFrom(fields: SelectorFields): ProcessSelector {
  const given = (['pid', 'port', 'match', 'pidfile'] as const).filter((key) => fields[key] !== undefined);
  if (given.length !== 1) {
    throw new Error(
      `choose the processes with exactly one of pid, port, match or pidfile (given: ${given.join(', ') || 'none'})`,
    );
  }
  const key = given[0]!;
  const value = fields[key];
  if (key === 'match' || key === 'pidfile') {
    if (typeof value !== 'string' || value === '') throw new Error(`${key} must be a non-empty string`);
    if (key === 'match') checkPattern(value);
    return key === 'match' ? { match: value } : { pidfile: value };
  }
  const number = Number(value);
  const max = key === 'port' ? 65535 : 2 ** 22;
  if (!Number.isInteger(number) || number < 1 || number > max)
    throw new Error(`${key} must be a whole number from 1 to ${max}, not ${JSON.stringify(value)}`);
  return key === 'port' ? { port: number } : { pid: number };
}

/** What a selector chose, and the faultline supervisors and ancestors it matched but left out. */
export interface Targets {
  found: ProcessInfo[];
  supervisors: ProcessInfo[];
  /** Processes above faultline's parent (a test runner, `npm`, a login shell) a match or port chose. */
  ancestors: ProcessInfo[];
}

/**
 * The processes a selector names. A `faultline supervise … -- CMD` process shares its command line
 * with what it supervises, so a match or port selector leaves supervisors out unless
 * `includeSupervisors`. They also leave out the processes that run faultline (its parent's parent
 * and above: a test runner whose command line happens to match). A pid or pidfile names its process
 * exactly and is taken as given, for the selector's guard to refuse.
 */
export function findTargets(
  selector: ProcessSelector,
  options: { includeSupervisors?: boolean } = {},
): Targets {
  const all = findProcesses(selector);
  if ('pid' in selector || 'pidfile' in selector) return { found: all, supervisors: [], ancestors: [] };
  const above = ancestorsOf();
  const ancestors = all.filter((info) => above.includes(info.pid));
  const candidates = all.filter((info) => !ancestors.includes(info));
  if (options.includeSupervisors) return { found: candidates, supervisors: [], ancestors };
  const supervisors = candidates.filter((info) => isSupervisor(info.pid));
  return { found: candidates.filter((info) => !supervisors.includes(info)), supervisors, ancestors };
}

/** Whether a process is `faultline supervise` (run as `faultline …`, or `node …/cli/main.cjs …` or `main.js`). */
export function isSupervisor(pid: number): boolean {
  const argv = argvOf(pid) ?? [];
  return argv.slice(0, 3).some((arg, index) => {
    const name = basename(arg);
    const isFaultline = name === 'faultline' || /\/cli\/main\.c?js$/.test(arg);
    return isFaultline && argv[index + 1] === 'supervise';
  });
}

/**
 * The processes a selector names, read from /proc; never this process itself. A pattern or a port
 * also leaves out the process that started this one: a shell running `faultline … --match X` has X
 * on its own command line. A pid or pidfile names its process exactly, so the parent stays in, for
 * the selector's guard (protectedReason) to refuse.
 */
export function findProcesses(selector: ProcessSelector): ProcessInfo[] {
  let pids: number[];
  if ('pid' in selector) pids = commandOf(selector.pid) === undefined ? [] : [selector.pid];
  else if ('pidfile' in selector) pids = [pidFromFile(selector.pidfile)];
  else if ('port' in selector) pids = listeningOn(selector.port);
  else {
    const pattern = matchPattern(selector.match);
    pids = allPids().filter((pid) => pattern.test(commandOf(pid) ?? ''));
  }
  const exact = 'pid' in selector || 'pidfile' in selector;
  return pids
    .filter((pid) => pid !== process.pid && (exact || pid !== process.ppid))
    .map((pid) => ({ pid, command: commandOf(pid) ?? '' }))
    .filter((info) => info.command !== '');
}

/** "kill", "KILL", "SIGKILL" and "9" all name SIGKILL; a number no signal has is kept as it is. */
export function signalName(name: string): string {
  const trimmed = name.trim();
  if (/^\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    return Object.entries(os.constants.signals).find(([, value]) => value === number)?.[0] ?? trimmed;
  }
  const upper = trimmed.toUpperCase();
  return upper.startsWith('SIG') ? upper : `SIG${upper}`;
}

export function signalNumber(name: string): number {
  const number = os.constants.signals[signalName(name) as keyof typeof os.constants.signals];
  if (number === undefined)
    throw new Error(
      `unknown signal "${name}"; give a name or its number, for example SIGTERM, SIGKILL (9), SIGSTOP, SIGCONT`,
    );
  return number;
}

/** The signals that stop a process until SIGCONT, as SIGSTOP does (the last three can be caught). */
export const STOP_SIGNALS: readonly string[] = ['SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'];

const COMMAND_SHOWN = 60;

/**
 * A --match is a regular expression, tested against the command line of every process, which
 * other users write: it compiles with RE2JS, so matching takes time linear in the command line and
 * no command line made for the pattern can freeze faultline (as root) the way `(a|a)+$` does in a
 * backtracking engine. One RE2 cannot run is refused, saying how to write it.
 */
function checkPattern(pattern: string): void {
  matchPattern(pattern);
}

function matchPattern(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(
      `match ${JSON.stringify(pattern)} is not a regular expression faultline can run (${(error as Error).message}); it is RE2 syntax, which matches in linear time and has no lookahead, lookbehind or backreferences; escape the characters ( ) [ ] { } * + ? . \\ | ^ $ with a backslash to match them as they are, e.g. "node srv\\.mjs \\(8001\\)"`,
    );
  }
}

/** Control characters, which would break the line or reach the terminal as escape sequences. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** A command line cut for one line of output; "…" says where it was cut, "?" a control character (as ps shows it). */
export function shortCommand(command: string): string {
  const shown = command.replace(CONTROL, '?');
  return shown.length > COMMAND_SHOWN ? `${shown.slice(0, COMMAND_SHOWN - 1)}…` : shown;
}

/** A pidfile that is not there: a kill loop reads it as "nothing to kill this round". */
export class MissingPidfile extends Error {
  override name = 'MissingPidfile';
}

/**
 * The pid a pidfile holds. The file must be yours (or root's) and writable by no one else:
 * otherwise another user could point a signal at any process.
 */
function pidFromFile(path: string): number {
  let text: string;
  try {
    text = readTrusted(path, 'pidfile', { rootToo: true }).trim();
  } catch (error) {
    if ((error as Error).name === 'UnsafeFile') throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file; check the path, or whether the program (or its supervisor) has written it yet'
        : (error as Error).message;
    const message = `cannot read pidfile ${path}: ${why}; nothing was touched`;
    throw code === 'ENOENT' ? new MissingPidfile(message) : new Error(message);
  }
  const pid = Number(text);
  if (!/^\d+$/.test(text) || pid < 1)
    throw new Error(`pidfile ${path} holds "${text.slice(0, 40)}", not a pid`);
  return pid;
}

/** A pid plus its start time, so a later signal never reaches a different process that reused the pid. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

export function identify(pid: number): ProcessIdentity | undefined {
  const startTime = startTimeOf(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

/** The state letter of /proc/PID/stat (R, S, D, T stopped, t traced, Z ...), if the process exists. */
export function processState(pid: number): string | undefined {
  return statFieldsAfterCommand(pid)?.[0];
}

/**
 * Whether a process is stopped, or about to be: state T or t (a tracer's stop may hide a pause),
 * D (a stop signal waits for the uninterruptible sleep to end), or a stop signal pending.
 */
export function isStoppedOrStopping(pid: number): boolean {
  const state = processState(pid);
  if (state !== 'R' && state !== 'S' && state !== 'I') return true;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  // Bits 18 to 21 of the pending masks: SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU (19 to 22).
  return [...status.matchAll(/^(?:ShdPnd|SigPnd):\s+([0-9a-f]+)$/gm)].some(
    (match) => (BigInt(`0x${match[1]}`) & 0x3c0000n) !== 0n,
  );
}

/** A zombie (ended, not yet reaped by its parent) is not running: it holds no fault and does nothing. */
export function isStillRunning(identity: ProcessIdentity): boolean {
  const fields = statFieldsAfterCommand(identity.pid);
  return fields !== undefined && fields[0] !== 'Z' && fields[19] === identity.startTime;
}

/** The parent's pid (field 4 of /proc/PID/stat), if the process exists. */
export function parentPid(pid: number): number | undefined {
  const parent = statFieldsAfterCommand(pid)?.[1];
  return parent === undefined ? undefined : Number(parent);
}

/** Field 22 of /proc/PID/stat, in clock ticks since boot. */
function startTimeOf(pid: number): string | undefined {
  return statFieldsAfterCommand(pid)?.[19];
}

/**
 * The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses),
 * from field 3 (the state) on; undefined when the process is gone.
 */
function statFieldsAfterCommand(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * Refuses, before any is signalled, processes the kernel would not let this one signal (another
 * user's, for a user who is not root); process.kill's bare "kill EPERM" named neither.
 */
export function refuseUnsignallable(found: readonly ProcessInfo[], signal: string): void {
  for (const info of found) {
    try {
      process.kill(info.pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') continue; // exited since: nothing to refuse
      throw new Error(
        `cannot send ${signal} to ${info.pid} (${shortCommand(info.command)}): it is another user's process, and only root or its owner may signal it (EPERM); nothing was signalled`,
      );
    }
  }
}

/** Sends a signal; false when the process has exited since it was found. */
export function signalIfAlive(pid: number, signal: string | number): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Signals a process only if it is still the one identified; says whether it was. */
export function signalIdentified(identity: ProcessIdentity, signal: NodeJS.Signals | number): boolean {
  if (!isStillRunning(identity)) return false;
  try {
    process.kill(identity.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** How a process ended, as the shell reports it: 128 + n for signal n (143 = SIGTERM). */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal} (exit status ${128 + (os.constants.signals[signal] ?? 0)})`;
  if (code !== null && code > 128 && code < 128 + 65) {
    const name = Object.entries(os.constants.signals).find(([, number]) => number === code - 128)?.[0];
    return `exited with ${code}${name ? ` (128 + ${code - 128}: ${name}, by convention)` : ''}`;
  }
  return `exited with ${code}`;
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string | undefined {
  return argvOf(pid)?.join(' ');
}

/**
 * Why no process was found on `port` when one does listen there: without root, the fds of another
 * user's processes cannot be read, so the socket is seen and its process is not. Empty otherwise.
 */
export function unseenListener(port: number): string {
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return '';
  const owner = tcpSocketRows().find(
    (row) => row.state === '0A' && row.localPort === port && row.uid !== uid,
  );
  if (owner === undefined) return '';
  return `port ${port} is held by a listening socket of uid ${owner.uid}, whose process only root can see: run faultline as root (sudo)`;
}

/** Processes holding a listening TCP socket on `port` (IPv4 or IPv6), from /proc/net and fds. */
function listeningOn(port: number): number[] {
  const inodes = new Set(
    tcpSocketRows()
      .filter((row) => row.state === '0A' && row.localPort === port)
      .map((row) => row.inode),
  );
  if (inodes.size === 0) return [];
  return allPids().filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
          return link.startsWith('socket:[') && inodes.has(link.slice(8, -1));
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}
