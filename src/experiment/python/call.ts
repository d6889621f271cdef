import type { BigInteger } from '../big-integers.js';
import type { Configuration } from '../configuration.js';
import { ActivityFailed, InterruptExecution, InvalidActivity } from '../errors.js';
import type { PythonReply, PythonRuntime } from './interpreter.js';

/** One call of a Python function, as chaoslib makes it. */
export interface PythonCall {
  module: string;
  func: string;
  /** Keyword arguments, already substituted. */
  arguments: Record<string, unknown>;
  /** Passed as `configuration=` when the function's signature names it (chaoslib's rule). */
  configuration?: Configuration | null;
  /** Passed as `secrets=` when the signature names it: for activities, the merged scopes of `provider.secrets`. */
  secrets?: Record<string, unknown> | null;
  /** Names the caller in errors: the activity or control name. */
  label?: string;
  /** probe or action: used in chaoslib's error messages. */
  kind?: string;
  signal?: AbortSignal;
  /** Runs in a thread of the interpreter instead of its main thread (see PythonRequest). */
  background?: boolean;
}

export interface PythonResult {
  /** The function's return value (JSON; anything else as its str()). */
  output: unknown;
  /** The integers beyond 2^53 in `output`, rounded on the way from Python (none: empty). */
  bigIntegers: BigInteger[];
}

/**
 * The one way faultline calls Python: `module.func(**arguments)` in the run's interpreter.
 * Resolves with the return value. An exception in the function rejects with ActivityFailed
 * ("Class: message", the Python traceback in `traceback`); a module or function that cannot
 * be found with InvalidActivity; sys.exit() in the function with InterruptExecution.
 */
export async function callPython(runtime: PythonRuntime, call: PythonCall): Promise<PythonResult> {
  const reply = await runtime.request(
    {
      op: 'call',
      module: call.module,
      func: call.func,
      activity: call.label ?? call.func,
      type: call.kind ?? 'activity',
      arguments: call.arguments,
      configuration: call.configuration ?? null,
      secrets: call.secrets ?? null,
      ...(call.background ? { background: true } : {}),
    },
    call.signal,
  );
  throwIfFailed(reply);
  return { output: reply.output, bigIntegers: reply.bigIntegers ?? [] };
}

/** chaoslib's validate_python_activity: the module imports, the name is a function or builtin, the arguments bind. */
export async function validatePythonCall(
  runtime: PythonRuntime,
  call: Pick<PythonCall, 'module' | 'func' | 'arguments' | 'label' | 'kind'>,
): Promise<void> {
  const reply = await runtime.request({
    op: 'validate',
    module: call.module,
    func: call.func,
    activity: call.label ?? call.func,
    type: call.kind ?? 'activity',
    arguments: call.arguments,
  });
  throwIfFailed(reply);
}

/**
 * An exception raised by the Python function: `exception` is its qualified class (e.g.
 * chaoslib.exceptions.InterruptExecution); `traceback` is Python's own.
 */
export class PythonFailed extends ActivityFailed {
  constructor(
    message: string,
    readonly traceback: string[],
    readonly exception: string,
  ) {
    super(message);
  }
}

function throwIfFailed(reply: PythonReply): void {
  if (typeof reply.invalid === 'string') throw new InvalidActivity(reply.invalid);
  if ('exit' in reply) throw new InterruptExecution(`SystemExit(${String(reply.exit)}) raised in Python`);
  if (typeof reply.failed === 'string')
    throw new PythonFailed(reply.failed, reply.traceback ?? [], reply.exception ?? 'builtins.Exception');
}
