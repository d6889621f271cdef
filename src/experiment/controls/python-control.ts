import {
  PythonNotInstalled,
  type PythonReply,
  type PythonRequest,
  type PythonRuntime,
} from '../python/interpreter.js';
import { LIFECYCLE_HOOKS } from './declaration.js';
import { ControlFailed, ControlInterrupted, InvalidControl } from './errors.js';
import type { ControlModule, HookCall, HookOutcome } from './module.js';
import { hookValues, sharedChanges } from './hook-values.js';

/**
 * A Python control module, run in the run's one Python interpreter (the one its Python
 * activities use, so both see the same module globals). A hook gets what chaoslib 1.45 gives:
 * the control's `arguments` by name, `context`, and `state`, `experiment`, `configuration`,
 * `secrets`, `settings`, `extensions` only where the hook names them. What it changes in place
 * in those objects comes back to the run (see changes.ts). When chaoslib is not installed, the
 * interpreter's stand-in `chaoslib.exceptions` lets modules import InterruptExecution unchanged.
 */
export async function loadPythonControl(
  name: string,
  module: string,
  python: PythonRuntime,
): Promise<ControlModule> {
  const request = async (
    fields: Pick<PythonRequest, 'op' | 'func'> & Partial<PythonRequest>,
    signal?: AbortSignal,
  ) => {
    try {
      return await python.request(
        { module, activity: name, type: 'control', arguments: {}, ...fields },
        signal,
      );
    } catch (error) {
      if (!(error instanceof PythonNotInstalled)) throw error;
      throw new InvalidControl(
        `${error.executable} is not installed, and control module '${module}' is a Python module: install python3 (Debian package python3), or write the control as a JavaScript module`,
      );
    }
  };
  const inspected = await request({
    op: 'control-hooks',
    func: '',
    hooks: [...LIFECYCLE_HOOKS, 'validate_control'],
  });
  if (inspected.invalid !== undefined) {
    throw new InvalidControl(
      `Control '${name}' could not be loaded: Python module '${module}' failed to import (${inspected.invalid}). Install it where ${python.executable} finds it, or fix the module path`,
    );
  }
  const present = new Set(inspected.functions ?? []);
  return {
    kind: 'python',
    has: (hook) => present.has(hook),
    async validate(control) {
      if (!present.has('validate_control')) return;
      const reply = await request({ op: 'control-validate', func: 'validate_control', control });
      const refusal = interruption(reply) ?? reply.failed ?? reply.invalid;
      if (refusal !== undefined) {
        throw new InvalidControl(`Control '${name}' was refused by its validate_control: ${refusal}`);
      }
    },
    async call(call: HookCall): Promise<HookOutcome> {
      const cleanup = call.hook === 'cleanup_control';
      const reply = await request(
        {
          op: 'control-call',
          func: call.hook,
          arguments: cleanup ? {} : call.arguments,
          given: cleanup ? {} : hookValues(call),
          ...(call.background ? { background: true } : {}),
        },
        call.signal,
      );
      const changes = sharedChanges(reply.changes ?? {});
      if (reply.invalid !== undefined) throw new ControlFailed(reply.invalid, [], changes);
      const interrupted = interruption(reply);
      if (interrupted !== undefined) throw new ControlInterrupted(interrupted, changes);
      if (reply.failed !== undefined) throw new ControlFailed(reply.failed, reply.traceback ?? [], changes);
      return { changes };
    },
  };
}

/** sys.exit() or an exception class named InterruptExecution (chaoslib's or any module's) stops the run. */
function interruption(reply: PythonReply): string | undefined {
  if ('exit' in reply)
    return `the control exited (SystemExit ${reply.exit === null ? 'None' : String(reply.exit)})`;
  if (reply.exception?.split('.').at(-1) === 'InterruptExecution') return reply.message ?? reply.failed;
  return undefined;
}
