import { tmpdir } from 'node:os';
import { callPython } from '../src/experiment/python/call.js';
import { createPythonRuntime } from '../src/experiment/python/interpreter.js';
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
  ];
}
