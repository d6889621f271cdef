import os from 'node:os';
import type { DryMode, JsonObject, RunStatus } from '../model/experiment.js';
import { faultlineVersion } from '../version.js';
import type { ControlRecord } from './controls/record.js';

/** One activity's record, keys in chaoslib's order. `status` is absent when it was interrupted. */
export interface RunEntry {
  activity: JsonObject;
  output: unknown;
  start: string;
  status?: 'succeeded' | 'failed';
  exception?: string[];
  end?: string;
  duration?: number;
  tolerance_met?: boolean;
}

export interface SteadyState {
  steady_state_met: boolean;
  probes: RunEntry[];
}

/** journal.json, keys in chaoslib's order; faultline adds its own version at the end. */
export interface Journal {
  'chaoslib-version': string;
  platform: string;
  node: string;
  experiment: JsonObject;
  start: string;
  status: RunStatus | null;
  deviated: boolean;
  steady_states: { before: SteadyState | null; after: SteadyState | null; during: SteadyState[] };
  run: RunEntry[];
  rollbacks: RunEntry[];
  end: string | null;
  duration: number;
  'faultline-version': string;
  /** Each control hook called and each safeguard probe run; only when the run has controls. */
  controls?: ControlRecord[];
  /**
   * Why the run was interrupted (a signal, exit_gracefully(), a control, a safeguard, the time
   * limit); only when it was. chaoslib logs the reason; faultline also keeps it here.
   */
  interruption?: string;
  /**
   * The faults this run injected that neither its rollbacks nor anything else took back, as the
   * ledger describes them; only when there are any. chaos run has no ledger.
   */
  faults_left?: string[];
  /**
   * The faults a halt interrupted this run for, which its rollbacks had not taken back, undone by
   * the run after them as the halt would (`undone: …` or `already gone: …`); only after a halt.
   */
  faults_undone_for_halt?: string[];
  /**
   * The faults a halt interrupted this run for that someone had made again under their name (a
   * proxy re-created by hand with another upstream, a toxic with another latency): not the run's,
   * so left in place, each with what differs; only after a halt, and only when there are any.
   */
  faults_left_alone_for_halt?: string[];
}

/** The chaoslib behaviour faultline follows; reporting tools pick their template from it. */
export const CHAOSLIB_COMPATIBILITY = '1.45.0';

export function createJournal(experiment: JsonObject, dry: DryMode | undefined): Journal {
  return {
    'chaoslib-version': CHAOSLIB_COMPATIBILITY,
    platform: platformName(),
    node: os.hostname(),
    experiment: { ...experiment, dry: dry ?? null },
    start: timestamp(),
    status: null,
    deviated: false,
    steady_states: { before: null, after: null, during: [] },
    run: [],
    rollbacks: [],
    end: null,
    duration: 0,
    'faultline-version': faultlineVersion,
  };
}

/**
 * Records run entries in the order their activities are declared, as chaoslib lists them: a
 * background activity records itself when it starts (after its pause), maybe after later ones.
 */
export function inDeclaredOrder(entries: RunEntry[]): (position: number) => (entry: RunEntry) => void {
  const positions: number[] = [];
  return (position) => (entry) => {
    let at = positions.length;
    while (at > 0 && positions[at - 1]! > position) at -= 1;
    positions.splice(at, 0, position);
    entries.splice(at, 0, entry);
  };
}

/** Python's datetime.now(UTC).isoformat(): microseconds and "+00:00". */
export function timestamp(epochMs = performance.timeOrigin + performance.now()): string {
  const whole = Math.floor(epochMs);
  const micros = Math.floor((epochMs - whole) * 1000);
  const iso = new Date(whole).toISOString();
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}+00:00`;
}

/**
 * Python's timedelta.total_seconds() between two timestamp()s: the whole microseconds divided
 * once by 10**6, so the journal holds 0.001393 where adding milliseconds and microseconds as
 * floats gave 0.0013930000000000001.
 */
export function secondsBetween(start: string, end: string): number {
  const micros = (at: string) => Date.parse(at.slice(0, 23) + 'Z') * 1000 + Number(at.slice(23, 26));
  return (micros(end) - micros(start)) / 1e6;
}

/** Like Python's platform.platform(): "Linux-6.8.0-x86_64-with-glibc2.36". */
function platformName(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const glibc = report?.header?.glibcVersionRuntime;
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch as string] ?? process.arch;
  return `${os.type()}-${os.release()}-${arch}${glibc ? `-with-glibc${glibc}` : ''}`;
}
