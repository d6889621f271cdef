import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Json } from '../../model/experiment.js';
import { ActivityFailed, InterruptExecution, InvalidActivity } from '../errors.js';
import { exitStatus, type ProcessOutput } from '../process-output.js';
import { pyStr } from '../python-values.js';
import { hasPlaceholder, substitute, substituteForShell } from '../substitute.js';
import { hasValues, type ProviderImplementation } from './provider.js';

/** shutil.which: a name is looked up in PATH; a path with a slash must be an executable file. */
export function which(path: string): string | undefined {
  const executable = (candidate: string) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  };
  if (path.includes('/')) return executable(path) ? path : undefined;
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((directory) => join(directory || '.', path))
    .find(executable);
}

/** Runs `path` with `arguments` (a string goes through the shell; a list does not). */
export const processProvider: ProviderImplementation = {
  async validate(provider, activity, context) {
    if (!provider.path) throw new InvalidActivity('a process activity must have a path');
    if (!which(String(provider.path))) {
      throw new InvalidActivity(
        `path '${provider.path}' cannot be found, in activity '${activity.name}' (a bare name is looked up in PATH; write ./${String(provider.path).replace(/^\.\//, '')} or an absolute path for a file of the working directory)`,
      );
    }
    if (provider.timeout !== undefined && (typeof provider.timeout !== 'number' || !(provider.timeout > 0))) {
      throw new InvalidActivity(
        `process activity '${activity.name}' has timeout ${JSON.stringify(provider.timeout)}: it must be a number of seconds above 0, written as a number (chaos run neither converts nor substitutes it, and fails on a string)`,
      );
    }
    if (typeof provider.arguments === 'string' && hasPlaceholder(provider.arguments)) {
      context.warn(
        `activity '${activity.name}': its string arguments run through /bin/sh and contain a substitution (${provider.arguments}); faultline quotes each substituted value as one word, but a list of arguments runs without a shell: prefer a list`,
      );
    }
  },

  async run(provider, _activity, context) {
    const raw = String(provider.path);
    const path = which(raw.replace(/^~(?=$|\/)/, homedir()));
    if (!path) throw new ActivityFailed(`path '${raw}' cannot be found`);
    const substituted =
      typeof provider.arguments === 'string'
        ? substituteForShell(provider.arguments, context.scope)
        : substitute(provider.arguments, context.scope);
    let args = (hasValues(context) ? substituted : provider.arguments) as Json | undefined;
    if (args && typeof args === 'object' && !Array.isArray(args)) {
      context.warn('process arguments given as an object are deprecated; use a list');
      args = Object.entries(args).flat();
    }
    const [command, argv, shell] =
      typeof args === 'string'
        ? [`${path} ${args}`, [], true]
        : [
            path,
            (Array.isArray(args) ? args : []).filter((item) => item !== null && item !== '').map(pyStr),
            false,
          ];
    const timeout = typeof provider.timeout === 'number' ? provider.timeout * 1000 : undefined;
    return execute(command, argv, shell, timeout, context.signal);
  },
};

function execute(
  command: string,
  argv: string[],
  shell: boolean,
  timeout: number | undefined,
  signal: AbortSignal,
) {
  return new Promise<ProcessOutput>((resolve, reject) => {
    // A group of its own: a timeout or an interruption ends the shell and whatever it started.
    const child = spawn(command, argv, { shell, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // The group is already gone.
      }
    };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
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
