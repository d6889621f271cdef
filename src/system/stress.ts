import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BadInput } from './bad-input.js';
import { fileURLToPath } from 'node:url';
import { type Cgroup, commandInCgroup } from './cgroups.js';
import type { FileIdentity } from './private-files.js';
import { describeExit, identify, type ProcessIdentity } from './processes.js';
import type { StressReport, StressSpec } from './stress-spec.js';

export interface RunningStress {
  identity: ProcessIdentity;
  /** The first report: what the stress process holds once it is at full strength. */
  ready: string;
  /** The file a disk stress created, identified so only that file is ever removed. */
  file?: FileIdentity;
  /** Settles when the process ends: its last report and how it ended. */
  finished: Promise<StressOutcome>;
  stop(): void;
}

export interface StressOutcome {
  exit: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  reports: StressReport[];
}

const workerPath = fileURLToPath(new URL('./stress-worker.js', import.meta.url));

/**
 * Starts a stress process (in a cgroup when given) and resolves once it is at full strength, or
 * once it ended first (an OOM kill while allocating, for instance).
 */
export async function startStress(
  spec: StressSpec,
  options: { cgroup?: Cgroup } = {},
): Promise<RunningStress> {
  if (
    (spec.kind === 'disk' || spec.kind === 'io') &&
    !(existsSync(spec.path) && statSync(spec.path).isDirectory())
  )
    throw new BadInput(
      `${spec.kind} stress path ${spec.path} is not a directory; give an existing directory to fill`,
    );
  const base = [process.execPath, workerPath, JSON.stringify(spec)];
  const [file, ...args] = options.cgroup ? commandInCgroup(options.cgroup, base) : base;
  const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const reports: StressReport[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const finished = new Promise<StressOutcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const exit = describeExit(code, signal) + (stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : '');
      resolve({ exit, code, signal, reports });
    });
  });
  const ready = new Promise<{ detail: string; file?: FileIdentity }>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const report = JSON.parse(line) as StressReport;
        reports.push(report);
        if (report.type === 'ready') resolve(report);
      } catch {
        // Not a report line; the worker writes only reports.
      }
    });
    void finished.then(
      (outcome) => resolve({ detail: `ended before full strength: ${outcome.exit}` }),
      () => undefined,
    );
  });
  const identity = identify(child.pid ?? -1);
  if (!identity) {
    const outcome = await finished;
    throw new Error(`the ${spec.kind} stress process ended at once: ${outcome.exit}`);
  }
  const first = await ready;
  return {
    identity,
    ready: first.detail,
    ...(first.file === undefined ? {} : { file: first.file }),
    finished,
    stop: () => child.kill('SIGTERM'),
  };
}
