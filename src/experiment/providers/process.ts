import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import type { Writable } from 'node:stream';
import { isObject, type Json } from '../../model/experiment.js';
import { ActivityFailed, InterruptExecution, InvalidActivity } from '../errors.js';
import { exitStatus, type ProcessOutput } from '../process-output.js';
import { pyStr } from '../python-values.js';
import { placeholderNames, substitute, substituteForShell } from '../substitute.js';
import { ACTIVITY_MARK_VARIABLE, newActivityMark } from '../../system/activity-processes.js';
import { isExecutableImage, which } from '../../system/executable.js';
import { identify, shortCommand } from '../../system/processes.js';
import { hasValues, type ProviderContext, type ProviderImplementation } from './provider.js';

/** What to do about a process path chaos's validation (shutil.which) does not find, by its kind. */
function notFoundHint(path: string): string {
  if (path.startsWith('~'))
    return "validation does not expand ~, as chaos's does not though its run does: write the absolute path";
  if (path.startsWith('/'))
    return 'no executable file is there: check the path and that the file has its execute bit, chmod +x';
  if (path.includes('/')) {
    return `a relative path is read from the working directory ${process.cwd()}, not from the experiment's folder, and must name an executable file: run from the folder it is relative to, or write an absolute path`;
  }
  return `a bare name is looked up in PATH; write ./${path} or an absolute path for a file of the working directory`;
}

/** Runs `path` with `arguments` (a string goes through the shell; a list does not). */
export const processProvider: ProviderImplementation = {
  async validate(provider, activity, context) {
    if (!provider.path) throw new InvalidActivity('a process activity must have a path');
    if (!which(String(provider.path))) {
      throw new InvalidActivity(
        `path '${provider.path}' cannot be found, in activity '${activity.name}' (${notFoundHint(String(provider.path))})`,
      );
    }
    if (provider.timeout !== undefined && (typeof provider.timeout !== 'number' || !(provider.timeout > 0))) {
      throw new InvalidActivity(
        `process activity '${activity.name}' has timeout ${JSON.stringify(provider.timeout)}: it must be a number of seconds above 0, written as a number (chaos run neither converts nor substitutes it, and fails on a string)`,
      );
    }
    // Said of what the file holds, not at run time: a probe tolerance's arguments get `value`
    // added to them, an object even where the file gave none; an object is all a tolerance can have.
    if (isObject(provider.arguments) && !context.tolerance) {
      context.warn(
        `activity '${activity.name}': process arguments given as an object are deprecated; use a list`,
      );
    }
    // Only names the experiment declares are substituted; `$HOME` or a `<proxy>_PORT` is the shell's.
    const declared = (name: string) =>
      Object.hasOwn(context.configuration, name) || Object.hasOwn(context.scope, name);
    if (typeof provider.arguments === 'string' && placeholderNames(provider.arguments).some(declared)) {
      context.warn(
        `activity '${activity.name}': its string arguments run through /bin/sh and contain a substitution (${provider.arguments}); faultline quotes each substituted value as one word, but a list of arguments runs without a shell: prefer a list`,
      );
    }
  },

  async run(provider, activity, context) {
    const raw = String(provider.path);
    const path = which(raw.replace(/^~(?=$|\/)/, homedir()));
    if (!path) throw new ActivityFailed(`path '${raw}' cannot be found`);
    const substituted =
      typeof provider.arguments === 'string'
        ? substituteForShell(provider.arguments, context.scope)
        : substitute(provider.arguments, context.scope);
    let args = (hasValues(context) ? substituted : provider.arguments) as Json | undefined;
    if (args && typeof args === 'object' && !Array.isArray(args)) args = Object.entries(args).flat();
    // A string goes through /bin/sh -c, as Node's `shell: true` and Python's `shell=True` run it.
    const command =
      typeof args === 'string'
        ? ['/bin/sh', '-c', `${path} ${args}`]
        : [
            path,
            ...(Array.isArray(args) ? args : []).filter((item) => item !== null && item !== '').map(pyStr),
          ];
    // The gate's `exec` would read any other file as a shell script; chaos run's subprocess refuses it.
    if (typeof args !== 'string' && !isExecutableImage(path))
      throw new ActivityFailed(`[Errno 8] Exec format error: '${path}'`);
    const timeout = typeof provider.timeout === 'number' ? provider.timeout * 1000 : undefined;
    // The ledger names the program alone: its arguments may hold substituted secrets.
    return execute(
      command,
      `process activity '${String(activity.name)}' (${shortCommand(path)})`,
      timeout,
      context,
    );
  },
};

/**
 * The shell that becomes the activity's program (exec keeps its pid and start time) once a line
 * comes on descriptor 3, which it closes first: until the ledger records it, it runs nothing, and
 * a runner killed before then leaves a shell that reads end-of-file and exits.
 */
const GATE = 'read -r go <&3 && exec 3<&- && exec "$@"';

function execute(command: string[], what: string, timeout: number | undefined, context: ProviderContext) {
  const { signal, ledger } = context;
  return new Promise<ProcessOutput>((resolve, reject) => {
    // A group of its own: a timeout or an interruption ends the shell and whatever it started.
    // The mark in its environment, inherited by all it starts, names them to a later recovery.
    const mark = newActivityMark();
    const child = spawn('/bin/sh', ['-c', GATE, 'faultline-activity', ...command], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, [ACTIVITY_MARK_VARIABLE]: mark },
    });
    const gate = child.stdio[3] as Writable;
    gate.on('error', () => undefined); // the shell is gone: 'close' says how
    let seq = 0;
    if (child.pid !== undefined) {
      const identity = identify(child.pid);
      try {
        if (!identity) throw new Error(`pid ${child.pid} was gone from /proc`);
        seq = ledger.record({
          description: `${what}, pid ${identity.pid}`,
          undo: { kind: 'stop-activity', process: identity, mark },
        });
      } catch (error) {
        gate.destroy();
        return reject(
          new ActivityFailed(
            `${what} was not started, as it could not be recorded: ${(error as Error).message}`,
          ),
        );
      }
      gate.end('go\n');
    }
    const killGroup = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // The group is already gone.
      }
    };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup('SIGKILL');
          }, timeout);
    let escalation: NodeJS.Timeout | undefined;
    const onAbort = () => {
      killGroup('SIGTERM');
      escalation = setTimeout(() => killGroup('SIGKILL'), 3000);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      reject(new ActivityFailed(`${error.name}: ${error.message}`));
    });
    child.once('close', (code, signalName) => {
      ledger.settle(seq);
      clearTimeout(timer);
      clearTimeout(escalation);
      signal.removeEventListener('abort', onAbort);
      if (timedOut) return reject(new ActivityFailed('process activity took too long to complete'));
      // Killed by the interruption: the activity has no output (null), as in chaoslib's journal.
      if (signal.aborted) return reject(new InterruptExecution(String(signal.reason)));
      resolve({
        status: exitStatus(code, signalName),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}
