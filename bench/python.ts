import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../src/experiment/console.js';
import { noLedger } from '../src/experiment/ledger.js';
import { callPython } from '../src/experiment/python/call.js';
import { createPythonRuntime } from '../src/experiment/python/interpreter.js';
import { startExperiment } from '../src/experiment/run.js';
import type { Experiment } from '../src/model/experiment.js';
import { median } from './measure.js';

/**
 * 50 Python probes (os.getpid) through the run's one interpreter, against one interpreter
 * process per call (how faultline ran Python activities before). Bounded: 3 rounds of 50 each.
 */
const PROBES = 50;
const ROUNDS = 3;
const probe = { module: 'os', func: 'getpid', arguments: {} };

async function oneInterpreter(): Promise<number> {
  const started = performance.now();
  const runtime = createPythonRuntime({ cwd: tmpdir() });
  try {
    for (let i = 0; i < PROBES; i++) await callPython(runtime, probe);
  } finally {
    await runtime.close();
  }
  return performance.now() - started;
}

async function processPerCall(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < PROBES; i++) {
    const runtime = createPythonRuntime({ cwd: tmpdir() });
    try {
      await callPython(runtime, probe);
    } finally {
      await runtime.close();
    }
  }
  return performance.now() - started;
}

/**
 * A run of the same 50 probes, without controls and with a Python control whose
 * before_/after_activity_control change the activity and its run entry: what a hook costs,
 * its call over the pipe and the diff of what it changed included.
 */
const CONTROL = `
def before_activity_control(context, **kwargs):
    context["pauses"] = {"before": 0}


def after_activity_control(context, state, **kwargs):
    state["checked"] = True
`;

async function runOf50(directory: string, controlled: boolean): Promise<number> {
  const experiment = {
    title: 'bench',
    description: '50 Python probes',
    method: Array.from({ length: PROBES }, (_, index) => ({
      type: 'probe',
      name: `pid ${index}`,
      provider: { type: 'python', ...probe },
    })),
    ...(controlled
      ? { controls: [{ name: 'bench', provider: { type: 'python', module: 'bench_control' } }] }
      : {}),
  } as unknown as Experiment;
  const started = performance.now();
  const journal = await startExperiment(experiment, {
    log: silentLog,
    ledger: noLedger,
    baseDirectory: directory,
  }).journal;
  if (journal.status !== 'completed' || journal.run.length !== PROBES) {
    throw new Error(`the bench run ended ${journal.status} with ${journal.run.length} activities`);
  }
  return performance.now() - started;
}

async function benchHooks(): Promise<string[]> {
  const directory = await mkdtemp(join(tmpdir(), 'faultline-bench-python-'));
  try {
    await writeFile(join(directory, 'bench_control.py'), CONTROL);
    const plain: number[] = [];
    const controlled: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await runOf50(directory, false));
      controlled.push(await runOf50(directory, true));
    }
    const without = median(plain);
    const withHooks = median(controlled);
    return [
      `a run of ${PROBES} Python probes: without controls / with a Python control's 2 hooks per probe (median of ${ROUNDS})`,
      `${without.toFixed(0)} ms / ${withHooks.toFixed(0)} ms (${((withHooks - without) / (2 * PROBES)).toFixed(2)} ms per hook)`,
    ];
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export async function benchPython(): Promise<string[][]> {
  const shared: number[] = [];
  const separate: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    shared.push(await oneInterpreter());
    separate.push(await processPerCall());
  }
  const one = median(shared);
  const each = median(separate);
  return [
    [
      `${PROBES} Python probes: one interpreter per run / one process per call (median of ${ROUNDS})`,
      `${one.toFixed(0)} ms / ${each.toFixed(0)} ms (${(each / one).toFixed(1)}× faster)`,
    ],
    await benchHooks(),
  ];
}
