import { SHARE_ENV, Worker } from 'node:worker_threads';
import { ActivityFailed, InvalidActivity } from '../errors.js';
import type { WorkerReply, WorkerRequest } from './javascript-worker.js';

/** Milliseconds an interrupted JavaScript activity gets to honour its signal before its thread ends. */
const INTERRUPT_GRACE_MS = 2000;

type Call = Omit<Extract<WorkerRequest, { kind: 'call' | 'check' | 'hook' }>, 'id'>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A worker thread for JavaScript activities, so modules keep their state from one activity to
 * the next as they would in-process. A timeout, or an interruption the function ignores,
 * terminates the thread (the next activity gets a new one, with fresh modules). While no call is
 * running the thread does not keep the process alive.
 */
export interface ScriptHost {
  run(call: Call, options: { signal: AbortSignal; timeoutMs?: number; activity: string }): Promise<unknown>;
  close(): Promise<void>;
}

export function createScriptHost(): ScriptHost {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const refresh = () => {
    if (!worker) return;
    if (pending.size > 0) worker.ref();
    else worker.unref();
  };
  const settle = (id: number, outcome: { value: unknown } | { error: Error }) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    refresh();
    if ('error' in outcome) entry.reject(outcome.error);
    else entry.resolve(outcome.value);
  };
  const stop = (why: string) => {
    const ending = worker;
    worker = undefined;
    for (const id of [...pending.keys()]) settle(id, { error: new ActivityFailed(why) });
    return ending?.terminate().then(() => undefined);
  };
  const start = () => {
    // One environment for both threads: `<proxy>_PORT` written by create_proxy, or .env var files,
    // reach activities, as they would in-process.
    const created = new Worker(new URL('./javascript-worker.js', import.meta.url), { env: SHARE_ENV });
    created.on('message', (reply: WorkerReply) => {
      if (reply.ok) settle(reply.id, { value: reply.value });
      else settle(reply.id, { error: Object.assign(new Error(reply.message), reply) });
    });
    created.on('error', (error) => {
      if (worker === created) void stop(`the JavaScript activities' thread crashed: ${error.message}`);
    });
    created.on('exit', () => {
      if (worker === created) void stop('the JavaScript activities thread ended');
    });
    return created;
  };

  return {
    run(call, { signal, timeoutMs, activity }) {
      worker ??= start();
      const current = worker;
      const id = nextId++;
      return new Promise<unknown>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        let grace: NodeJS.Timeout | undefined;
        const onAbort = () => {
          current.postMessage({ id, kind: 'abort', reason: String(signal.reason) } satisfies WorkerRequest);
          grace = setTimeout(() => {
            if (worker === current) void stop(`interrupted: activity '${activity}' did not stop in time`);
          }, INTERRUPT_GRACE_MS);
        };
        const cleanup = () => {
          clearTimeout(timer);
          clearTimeout(grace);
          signal.removeEventListener('abort', onAbort);
        };
        pending.set(id, {
          resolve: (value) => {
            cleanup();
            resolve(value);
          },
          reject: (error) => {
            cleanup();
            reject(error);
          },
        });
        refresh();
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            settle(id, { error: new ActivityFailed('javascript activity took too long to complete') });
            if (worker === current) {
              void stop(`the JavaScript thread was ended because activity '${activity}' took too long`);
            }
          }, timeoutMs);
        }
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        current.postMessage({ ...call, id } satisfies WorkerRequest);
      });
    },
    async close() {
      await stop('the run ended');
    },
  };
}

let shared: ScriptHost | undefined;

/** The process's thread for JavaScript activities, started on first use. */
export function sharedScriptHost(): ScriptHost {
  shared ??= createScriptHost();
  return shared;
}

/** Turns a worker's refusal to load a module or find a function into chaoslib-style messages. */
export function invalidFrom(
  error: Error & { invalid?: boolean; name?: string },
  module: string,
  func: string,
  activity: { name: string; type: string },
): Error {
  if (!error.invalid) return error;
  if (error.name === 'load') {
    return new InvalidActivity(
      `could not load JavaScript module '${module}' in activity '${activity.name}': ${error.message}`,
    );
  }
  return new InvalidActivity(
    `The JavaScript module '${module}' does not export a function called '${func}' in ${activity.type} '${activity.name}'`,
  );
}
