import type { RunLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import type { PythonReply, PythonRequest, PythonRuntime } from '../src/experiment/python/interpreter.js';
import { type RunOptions, startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import type { Experiment } from '../src/model/experiment.js';
import { fixtures } from './experiment-helpers.js';

/** A log that keeps every line with its level, so the runner's messages can be checked exactly. */
export function recordingLog(): RunLog & {
  lines: string[];
  output: (text: string) => void;
  printed: string[];
} {
  const lines: string[] = [];
  const printed: string[] = [];
  return {
    lines,
    printed,
    info: (message) => lines.push(`info: ${message}`),
    warning: (message) => lines.push(`warning: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
    critical: (message) => lines.push(`critical: ${message}`),
    progress: () => () => undefined,
    output: (text) => printed.push(text),
  };
}

/** A Python runtime that answers each request from a script and lets the test raise exit signals. */
export function scriptedPython(answer: (request: PythonRequest) => Omit<PythonReply, 'id'>, pid?: number) {
  const listeners = new Set<(signal: 'SIGUSR1' | 'SIGUSR2') => void>();
  const requests: PythonRequest[] = [];
  let closed = 0;
  const runtime: PythonRuntime = {
    executable: 'python3',
    pid,
    started: pid === undefined ? 0 : 1,
    request: async (request) => {
      requests.push(request);
      return { id: requests.length, ...answer(request) };
    },
    onExitSignal: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      closed += 1;
    },
  };
  return {
    runtime,
    requests,
    exit: (signal: 'SIGUSR1' | 'SIGUSR2') => listeners.forEach((listener) => listener(signal)),
    get closed() {
      return closed;
    },
    get listening() {
      return listeners.size;
    },
  };
}

/** A Python activity for scriptedPython: the module is never imported, the script answers. */
export const scriptedActivity = (
  type: 'probe' | 'action',
  name: string,
  func: string,
  extra: object = {},
) => ({
  type,
  name,
  provider: { type: 'python', module: 'faultline_scripted', func, arguments: {} },
  ...extra,
});

/** Validates the experiment, then adds activities validation would refuse, as a run with --no-validation. */
export async function prepared(
  value: Experiment,
  unvalidated: { method?: object[]; rollbacks?: object[]; probes?: object[] } = {},
): Promise<Experiment> {
  const valid = await validateExperiment(value, fixtures);
  valid.method.push(...((unvalidated.method ?? []) as never[]));
  if (unvalidated.rollbacks)
    valid.rollbacks = [...((valid.rollbacks ?? []) as object[]), ...unvalidated.rollbacks] as never;
  if (unvalidated.probes) {
    const hypothesis = valid['steady-state-hypothesis'] as { probes: object[] };
    hypothesis.probes.push(...unvalidated.probes);
  }
  return valid;
}

export function startRun(valid: Experiment, options: Partial<RunOptions> = {}) {
  const log = recordingLog();
  const running = startExperiment(valid, { log, ledger: noLedger, baseDirectory: fixtures, ...options });
  return { log, running };
}

/** Validates and runs in this process; the journal and every line logged. */
export async function runLogged(value: Experiment, options: Partial<RunOptions> = {}) {
  const { log, running } = startRun(await prepared(value), options);
  return { log, journal: await running.journal };
}

/** Calls `act` once the log has the line (bounded polling: the run under test writes it soon). */
export function whenLogged(log: { lines: string[] }, line: string, act: () => void): void {
  const started = Date.now();
  const polling = setInterval(() => {
    if (log.lines.includes(line) || Date.now() - started > 20_000) {
      clearInterval(polling);
      act();
    }
  }, 5);
}
