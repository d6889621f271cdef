import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { type Change, changesBetween } from '../controls/changes.js';

/**
 * The thread JavaScript activities run in. A timeout or an interruption terminates the thread,
 * which ends the function whatever it is doing (a loop, an open pool), and the runner's own
 * event loop never waits on what an activity left open.
 */
export type WorkerRequest =
  | {
      id: number;
      /** `hook`: a control hook; its reply carries what the hook changed in the objects it was handed. */
      kind: 'call' | 'check' | 'hook';
      path: string;
      func: string;
      args: Record<string, unknown>;
      /** null for a control's loader hooks, which run before there is a configuration. */
      configuration: Record<string, unknown> | null;
      secrets: Record<string, unknown> | null;
    }
  | { id: number; kind: 'abort'; reason: string };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | {
      id: number;
      ok: false;
      invalid: boolean;
      name: string;
      message: string;
      /** A hook's changes before it threw. */
      changes?: Record<string, Change[]>;
    };

/** What a control hook is handed by reference, as chaoslib hands it; its changes go back to the run. */
const SHARED = ['context', 'experiment', 'extensions', 'state', 'configuration', 'secrets'];

const modules = new Map<string, Promise<Record<string, unknown>>>();
const aborts = new Map<number, AbortController>();

function load(path: string): Promise<Record<string, unknown>> {
  let module = modules.get(path);
  if (!module) {
    module = /\.(ts|mts|cts|tsx)$/.test(path)
      ? import('tsx/esm/api').then(
          ({ tsImport }) =>
            tsImport(pathToFileURL(path).href, import.meta.url) as Promise<Record<string, unknown>>,
        )
      : (import(pathToFileURL(path).href) as Promise<Record<string, unknown>>);
    modules.set(path, module);
    module.catch(() => modules.delete(path));
  }
  return module;
}

async function exported(path: string, func: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = await load(path);
  } catch (error) {
    throw Object.assign(new Error((error as Error).message), { invalid: 'load' });
  }
  const found = module[func] ?? (module.default as Record<string, unknown> | undefined)?.[func];
  if (typeof found !== 'function') throw Object.assign(new Error('not a function'), { invalid: 'func' });
  return found;
}

async function handle(
  request: Extract<WorkerRequest, { kind: 'call' | 'check' | 'hook' }>,
): Promise<WorkerReply> {
  let changedBeforeThrowing: Record<string, Change[]> | undefined;
  try {
    const func = (await exported(request.path, request.func)) as (
      args: Record<string, unknown>,
      context: {
        configuration: Record<string, unknown> | null;
        secrets: Record<string, unknown> | null;
        signal: AbortSignal;
      },
    ) => unknown;
    if (request.kind === 'check') return { id: request.id, ok: true, value: null };
    const abort = new AbortController();
    aborts.set(request.id, abort);
    const shared = SHARED.filter((name) => name in request.args);
    const before = request.kind === 'hook' ? structuredClone(pick(request.args, shared)) : {};
    const changes = () =>
      Object.fromEntries(shared.map((name) => [name, changesBetween(before[name], request.args[name])]));
    try {
      const value = await func(request.args, {
        configuration: request.configuration,
        secrets: request.secrets,
        signal: abort.signal,
      });
      const output = value === undefined ? null : value;
      if (request.kind === 'hook') return { id: request.id, ok: true, value: { changes: changes() } };
      return { id: request.id, ok: true, value: output };
    } catch (error) {
      if (request.kind === 'hook') changedBeforeThrowing = changes();
      throw error;
    } finally {
      aborts.delete(request.id);
    }
  } catch (error) {
    const invalid = (error as { invalid?: string }).invalid;
    return {
      id: request.id,
      ok: false,
      invalid: invalid !== undefined,
      name: invalid ?? (error as Error)?.name ?? 'Error',
      message: (error as Error)?.message ?? String(error),
      ...(changedBeforeThrowing ? { changes: changedBeforeThrowing } : {}),
    };
  }
}

function pick(values: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((name) => [name, values[name]]));
}

parentPort!.on('message', (request: WorkerRequest) => {
  if (request.kind === 'abort') {
    aborts.get(request.id)?.abort(request.reason);
    return;
  }
  void handle(request).then((reply) => {
    try {
      parentPort!.postMessage(reply);
    } catch (error) {
      parentPort!.postMessage({
        id: request.id,
        ok: false,
        invalid: false,
        name: 'DataCloneError',
        message: `the function returned a value that cannot be recorded in the journal: ${(error as Error).message}`,
      } satisfies WorkerReply);
    }
  });
});
