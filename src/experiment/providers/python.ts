import { spawn } from 'node:child_process';
import type { Activity, Provider } from '../../model/experiment.js';
import { ActivityFailed, InvalidActivity } from '../errors.js';
import { substitute } from '../substitute.js';
import { argumentsOf, hasValues, type ProviderContext, type ProviderImplementation } from './provider.js';

/**
 * Runs `module.func(**arguments)` in python3, so experiments that use the standard library or
 * installed extensions still run. Configuration and the merged secrets of `provider.secrets`
 * are passed when the function takes them, as chaoslib does. The result comes back as JSON on
 * file descriptor 3, so whatever the function prints does not get in the way.
 */
const bootstrap = `
import importlib, inspect, json, os, sys
request = json.load(sys.stdin)
out = os.fdopen(3, "w")
def emit(result):
    out.write(json.dumps(result, default=str)); out.flush(); sys.exit(0)
try:
    module = importlib.import_module(request["module"])
except ImportError:
    emit({"invalid": "could not find Python module '%s' in activity '%s'" % (request["module"], request["activity"])})
func = getattr(module, request["func"], None)
if func is None or inspect.isclass(func) or not callable(func):
    emit({"invalid": "The python module '%s' does not expose a function called '%s' in %s '%s'" % (request["module"], request["func"], request["type"], request["activity"])})
args = dict(request["arguments"])
try:
    signature = inspect.signature(func)
except (TypeError, ValueError):
    signature = None
if signature is not None:
    if "configuration" in signature.parameters:
        args["configuration"] = request["configuration"]
    if "secrets" in signature.parameters and request["secrets"] is not None:
        args["secrets"] = request["secrets"]
    if request["validate"]:
        params = signature.parameters
        takes_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
        for name, p in params.items():
            if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name not in args and name not in ("configuration", "secrets"):
                emit({"invalid": "required argument '%s' is missing from activity '%s'" % (name, request["func"])})
        for name in args:
            if name not in params and not takes_any:
                emit({"invalid": "argument '%s' is not part of the function signature in activity '%s'" % (name, request["func"])})
if request["validate"]:
    emit({"valid": True})
try:
    emit({"output": func(**args)})
except Exception as error:
    emit({"failed": "%s: %s" % (type(error).__name__, error)})
`;

const python = () => process.env.FAULTLINE_PYTHON ?? 'python3';

function call(
  provider: Provider,
  activity: Activity,
  context: Omit<ProviderContext, 'ledger'>,
  validate: boolean,
) {
  const scopes = Array.isArray(provider.secrets) ? provider.secrets.map(String) : undefined;
  const request = {
    module: provider.module,
    func: provider.func,
    activity: activity.name,
    type: activity.type,
    validate,
    arguments: hasValues(context) ? substitute(argumentsOf(provider), context.scope) : argumentsOf(provider),
    configuration: context.configuration,
    secrets: scopes ? Object.assign({}, ...scopes.map((scope) => context.secrets[scope] ?? {})) : null,
  };
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const child = spawn(python(), ['-c', bootstrap], {
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
      cwd: context.baseDirectory,
    });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk));
    const onAbort = () => child.kill('SIGTERM');
    context.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new InvalidActivity(
              `${python()} is not installed, and activity '${activity.name}' uses the python provider (module ${provider.module}): install python3 (Debian package python3) with the modules it needs, or rewrite the activity with the javascript provider`,
            )
          : error,
      ),
    );
    child.once('close', (code) => {
      context.signal?.removeEventListener('abort', onAbort);
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) {
        const stderr = Buffer.concat(errors).toString('utf8').trim().split('\n').at(-1) ?? '';
        return reject(new ActivityFailed(`python exited with status ${code}: ${stderr}`));
      }
      resolve(JSON.parse(text) as Record<string, unknown>);
    });
    child.stdin!.end(JSON.stringify(request));
  });
}

export const pythonProvider: ProviderImplementation = {
  async validate(provider, activity, context) {
    if (!provider.module) throw new InvalidActivity('a Python activity must have a module path');
    if (!provider.func) throw new InvalidActivity('a Python activity must have a function name');
    const result = await call(provider, activity, { ...context, signal: new AbortController().signal }, true);
    if (typeof result.invalid === 'string') throw new InvalidActivity(result.invalid);
  },

  async run(provider, activity, context) {
    let result: Record<string, unknown>;
    try {
      result = await call(provider, activity, context, false);
    } catch (error) {
      if (error instanceof InvalidActivity) throw new ActivityFailed(error.message);
      throw error;
    }
    if (typeof result.invalid === 'string') throw new ActivityFailed(result.invalid);
    if (typeof result.failed === 'string') throw new ActivityFailed(result.failed);
    return result.output;
  },
};
