import type { JsonObject } from '../../model/experiment.js';
import type { ActivityEnvironment } from '../activity.js';
import type { RunLog } from '../console.js';
import type { ControlModule } from './module.js';
import type { ControlRecord } from './record.js';
import { safeguardsControl } from './safeguards.js';
import { synchronizationControl } from './synchronization.js';

/** What a native control may use of the run it is part of. */
export interface NativeRun {
  /** The run's activity environment: configuration, secrets, dry mode, log. */
  environment: ActivityEnvironment;
  /** Interrupts the run as exit_gracefully() does; false when the run is past its method. */
  interrupt(reason: string): boolean;
  record(record: ControlRecord): void;
  /** Marks the safeguard probe's latest record as the one that ended the run. */
  markTriggered(control: string, probe: string): void;
  log: RunLog;
  /** chaosaddons.controls.synchronization's experiment_finished event. */
  finished: { set: boolean };
}

/** Checks one safeguard probe as an activity of the experiment (validate.ts's rules). */
export type ProbeCheck = (probe: JsonObject, where: string) => Promise<void>;

export interface NativeControl {
  validate(control: JsonObject, checkProbe: ProbeCheck): Promise<void>;
  /** The module's state lives as long as one run, as a Python module's globals do in chaos run. */
  create(run: NativeRun): ControlModule & { stop(): Promise<void> };
}

const NATIVE: Record<string, NativeControl> = {
  'chaosaddons.controls.safeguards': safeguardsControl,
  'chaosaddons.controls.synchronization': synchronizationControl,
};

/** Python control modules faultline runs natively, with no Python package needed. */
export function nativeControl(provider: JsonObject): NativeControl | undefined {
  if (provider.type !== 'python' || typeof provider.module !== 'string') return undefined;
  return NATIVE[provider.module];
}
