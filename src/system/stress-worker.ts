/**
 * One stress process (`node stress-worker.js '<spec json>'`), kept separate from faultline's own
 * process so it can be placed in a cgroup, killed by pid, and OOM-killed without harm.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statfsSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createExclusive, identifyFile, removeIdentified } from './private-files.js';
import { parseStressSpec, type StressReport, type StressSpec } from './stress-spec.js';
import { formatBytes } from './units.js';

const SLICE_MS = 100;

function report(value: StressReport) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

const THREAD_SCHEDSTAT = '/proc/thread-self/schedstat';

/**
 * A clock of the milliseconds of CPU the calling thread has run, from the kernel's per-thread
 * schedstat, or undefined without one. It reads into one buffer and parses the digits in place:
 * the busy loop reads it thousands of times a second, and garbage would bring the collector's
 * helper threads, which a busy machine leaves waiting, into the loop.
 */
function threadCpuClock(): (() => number) | undefined {
  if (!existsSync(THREAD_SCHEDSTAT)) return undefined;
  const fd = openSync(THREAD_SCHEDSTAT, 'r');
  const buffer = Buffer.alloc(64);
  return () => {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    let nanoseconds = 0;
    for (let index = 0; index < length && buffer[index]! >= 0x30; index += 1)
      nanoseconds = nanoseconds * 10 + buffer[index]! - 0x30;
    return nanoseconds / 1e6;
  };
}

/**
 * Each slice burns percent% of SLICE_MS of the thread's own CPU time, then sleeps the rest. On a
 * busy machine the time spent waiting for a CPU stretches the burn instead of eating into it, so
 * the worker still sleeps 40 ms for every 60 ms it burns at 60%, as on an idle one.
 */
function burnSlices(percent: number, until: number, clock: () => number) {
  const busy = (SLICE_MS * percent) / 100;
  const rest = SLICE_MS - busy;
  const shared = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < until) {
    const sliceStart = clock();
    while (clock() - sliceStart < busy && Date.now() < until) {
      for (let step = 0; step < 1000; step += 1) Math.sqrt(Math.random());
    }
    if (rest > 0) Atomics.wait(shared, 0, 0, rest);
  }
}

async function cpu(spec: Extract<StressSpec, { kind: 'cpu' }>) {
  const until = Date.now() + spec.seconds * 1000;
  const workers = Array.from(
    { length: spec.workers },
    () => new Worker(new URL(import.meta.url), { workerData: { percent: spec.percent, until } }),
  );
  // 'online' comes as a worker starts, before it has loaded its modules (seconds on a busy
  // machine): full strength is when each worker says it is burning.
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const clock = existsSync(THREAD_SCHEDSTAT) ? '' : ` (of wall-clock time: no ${THREAD_SCHEDSTAT})`;
  report({
    type: 'ready',
    detail: `${spec.workers} CPU workers at ${spec.percent}%${clock} for ${spec.seconds} s`,
  });
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  report({ type: 'done', detail: `burned CPU for ${spec.seconds} s` });
}

async function memory(spec: Extract<StressSpec, { kind: 'memory' }>) {
  const chunk = 16 * 1024 * 1024;
  const held: Buffer[] = [];
  const started = Date.now();
  let allocated = 0;
  while (allocated < spec.bytes) {
    const size = Math.min(chunk, spec.bytes - allocated);
    held.push(Buffer.allocUnsafeSlow(size).fill(0xa5));
    allocated += size;
    report({
      type: 'progress',
      detail: `touched ${formatBytes(allocated)}`,
      rssBytes: process.memoryUsage.rss(),
    });
    const due = started + (spec.rampSeconds * 1000 * allocated) / spec.bytes;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  }
  report({
    type: 'ready',
    detail: `holding ${formatBytes(allocated)} of touched memory for ${spec.seconds} s`,
  });
  await new Promise((resolve) => setTimeout(resolve, spec.seconds * 1000));
  report({
    type: 'done',
    detail: `held ${formatBytes(held.reduce((sum, buffer) => sum + buffer.length, 0))}`,
  });
}

async function disk(spec: Extract<StressSpec, { kind: 'disk' }>) {
  // A new name, created exclusively: nothing planted under it (a symlink, a file) is written through.
  const file = join(spec.path, `faultline-fill-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = createExclusive(file);
  const identity = identifyFile(file);
  process.once('exit', () => removeIdentified(identity));
  const block = Buffer.alloc(1024 * 1024, 0xa5);
  let written = 0;
  let full = false;
  try {
    while (written < spec.bytes) {
      written += writeSync(fd, block, 0, Math.min(block.length, spec.bytes - written));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    full = true;
  } finally {
    closeSync(fd);
  }
  const stats = statfsSync(spec.path);
  const free = stats.bavail * stats.bsize;
  report({
    type: 'ready',
    detail: `${file} holds ${formatBytes(written)}${full ? ' (the file system is full)' : ''}; ${formatBytes(free)} left`,
    file: identity,
  });
  await new Promise((resolve) => setTimeout(resolve, spec.seconds * 1000));
  report({ type: 'done', detail: `removed ${file}`, bytes: written });
}

async function io(spec: Extract<StressSpec, { kind: 'io' }>) {
  // Files are made in a private directory (mode 0700), each created exclusively, so no other
  // user can put a symlink where the next file goes.
  const directory = mkdtempSync(join(spec.path, 'faultline-io-'));
  const file = join(directory, 'block');
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  const block = Buffer.alloc(spec.blockBytes, 0x5a);
  const until = Date.now() + spec.seconds * 1000;
  report({
    type: 'ready',
    detail: `writing ${formatBytes(spec.blockBytes)} blocks to ${file} for ${spec.seconds} s`,
  });
  let bytes = 0;
  const started = Date.now();
  while (Date.now() < until) {
    const fd = createExclusive(file);
    writeSync(fd, block);
    if (spec.fsync) fsyncSync(fd);
    closeSync(fd);
    unlinkSync(file);
    bytes += block.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const bytesPerSecond = Math.round(bytes / ((Date.now() - started) / 1000));
  report({
    type: 'done',
    detail: `wrote ${formatBytes(bytes)} (${formatBytes(bytesPerSecond)}/s)`,
    bytes,
    bytesPerSecond,
  });
}

if (!isMainThread) {
  const { percent, until } = workerData as { percent: number; until: number };
  parentPort!.postMessage('burning');
  burnSlices(percent, until, threadCpuClock() ?? Date.now);
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
  const spec = parseStressSpec(JSON.parse(process.argv[2] ?? '{}'));
  const run = { cpu, memory, disk, io }[spec.kind] as (spec: StressSpec) => Promise<void>;
  run(spec).then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`stress ${spec.kind} failed: ${error.message}\n`);
      process.exit(1);
    },
  );
}
