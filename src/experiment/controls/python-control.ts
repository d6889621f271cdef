import { spawn } from 'node:child_process';
import type { JsonObject } from '../../model/experiment.js';
import { InterruptExecution } from '../errors.js';
import { LIFECYCLE_HOOKS } from './declaration.js';
import { ControlFailed, InvalidControl } from './errors.js';
import type { ControlModule, HookCall, HookOutcome } from './module.js';

/**
 * The Python side of a control: imports the module and calls one hook by name with the
 * arguments chaoslib 1.45 gives (the control's `arguments` by name, `context`, and `state`,
 * `experiment`, `configuration`, `secrets`, `settings`, `extensions` only where the hook names
 * them). It hands back the configuration and secrets, which a hook may change in place. When
 * chaoslib is not installed, a stand-in `chaoslib.exceptions` lets modules import
 * InterruptExecution and friends unchanged.
 */
const wrapper = String.raw`
import importlib, inspect, json, os, sys, traceback, types
request = json.load(sys.stdin)
out = os.fdopen(3, "w")
def emit(reply):
    out.write(json.dumps(reply, default=str)); out.flush(); os._exit(0)
try:
    import chaoslib.exceptions
except ImportError:
    class ChaosException(Exception): pass
    stand_in = types.ModuleType("chaoslib.exceptions")
    for name in ("InvalidActivity", "InvalidExperiment", "InvalidControl", "ActivityFailed", "InterruptExecution", "ExperimentExitedException"):
        setattr(stand_in, name, type(name, (ChaosException,), {}))
    stand_in.ChaosException = ChaosException
    package = sys.modules.setdefault("chaoslib", types.ModuleType("chaoslib"))
    package.exceptions = stand_in
    sys.modules["chaoslib.exceptions"] = stand_in
try:
    module = importlib.import_module(request["module"])
except BaseException as error:
    emit({"unloadable": "%s: %s" % (type(error).__name__, error)})
if request["action"] == "inspect":
    emit({"hooks": [name for name in request["hooks"] if callable(getattr(module, name, None))]})
func = getattr(module, request["hook"], None)
if not callable(func):
    emit({"absent": True})
given = request.get("given", {})
try:
    if request["action"] == "validate":
        func(request["control"])
    else:
        args = dict(request["arguments"])
        parameters = inspect.signature(func).parameters
        for name in ("secrets", "configuration", "state", "experiment", "extensions", "settings"):
            if name in parameters and name in given:
                args[name] = given[name]
        if "context" in given:
            args["context"] = given["context"]
        func(**args)
except SystemExit as error:
    emit({"interrupt": "the control exited (SystemExit %s)" % error.code})
except BaseException as error:
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    if type(error).__name__ == "InterruptExecution":
        emit({"interrupt": str(error), "traceback": lines})
    emit({"failed": "%s: %s" % (type(error).__name__, error), "traceback": lines})
emit({"configuration": given.get("configuration"), "secrets": given.get("secrets")})
`;

interface PythonControlRequest {
  action: 'inspect' | 'validate' | 'call';
  module: string;
  hook?: string;
  hooks?: string[];
  control?: JsonObject;
  arguments?: JsonObject;
  given?: Record<string, unknown>;
}

type PythonControlReply = {
  unloadable?: string;
  hooks?: string[];
  absent?: boolean;
  interrupt?: string;
  failed?: string;
  traceback?: string[];
  configuration?: Record<string, unknown>;
  secrets?: Record<string, Record<string, unknown>>;
};

const python = () => process.env.FAULTLINE_PYTHON ?? 'python3';

/**
 * Every Python control call goes through here: one request in, one JSON reply out on fd 3.
 * When the run gets its one Python interpreter (providers/python.ts), this body becomes a call
 * into it, so hooks share module state with activities.
 */
export function callPythonControl(
  request: PythonControlRequest,
  options: { cwd: string; signal?: AbortSignal },
): Promise<PythonControlReply> {
  return new Promise((resolve, reject) => {
    const child = spawn(python(), ['-c', wrapper], {
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
    });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk));
    const onAbort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new InvalidControl(
              `${python()} is not installed, and control module '${request.module}' is a Python module: install python3 (Debian package python3), or write the control as a JavaScript module`,
            )
          : error,
      ),
    );
    child.once('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) {
        const stderr = Buffer.concat(errors).toString('utf8').trim().split('\n').at(-1) ?? '';
        return reject(new Error(`python exited with status ${code}: ${stderr}`));
      }
      resolve(JSON.parse(text) as PythonControlReply);
    });
    child.stdin!.end(JSON.stringify(request));
  });
}

/** Imports the module once to learn its hooks; a module that cannot be imported cannot be used. */
export async function loadPythonControl(name: string, module: string, cwd: string): Promise<ControlModule> {
  const hooks = [...LIFECYCLE_HOOKS, 'validate_control'];
  const reply = await callPythonControl({ action: 'inspect', module, hooks }, { cwd });
  if (reply.unloadable !== undefined) {
    throw new InvalidControl(
      `Control '${name}' could not be loaded: Python module '${module}' failed to import (${reply.unloadable}). Install it where ${python()} finds it, or fix the module path`,
    );
  }
  const present = new Set(reply.hooks ?? []);
  return {
    kind: 'python',
    has: (hook) => present.has(hook),
    async validate(control) {
      if (!present.has('validate_control')) return;
      const result = await callPythonControl(
        { action: 'validate', module, hook: 'validate_control', control },
        { cwd },
      );
      const refusal = result.failed ?? result.interrupt ?? result.unloadable;
      if (refusal !== undefined) {
        throw new InvalidControl(`Control '${name}' was refused by its validate_control: ${refusal}`);
      }
    },
    async call(call: HookCall): Promise<HookOutcome> {
      const given: Record<string, unknown> = {
        configuration: call.configuration,
        secrets: call.secrets,
        experiment: call.experiment,
        extensions: call.experiment.extensions ?? null,
        settings: call.settings,
      };
      if (call.hook !== 'configure_control' && call.hook !== 'cleanup_control') {
        given.context = call.context;
        given.state = call.state ?? null;
      }
      if (call.hook === 'cleanup_control') {
        for (const key of Object.keys(given)) delete given[key];
      }
      const reply = await callPythonControl(
        {
          action: 'call',
          module,
          hook: call.hook,
          arguments: call.hook === 'cleanup_control' ? {} : call.arguments,
          given,
        },
        { cwd, signal: call.signal },
      );
      if (reply.unloadable !== undefined) throw new ControlFailed(reply.unloadable, []);
      if (reply.interrupt !== undefined) throw new InterruptExecution(reply.interrupt);
      if (reply.failed !== undefined) throw new ControlFailed(reply.failed, reply.traceback ?? []);
      return {
        ...(reply.configuration ? { configuration: reply.configuration } : {}),
        ...(reply.secrets ? { secrets: reply.secrets } : {}),
      };
    },
  };
}
