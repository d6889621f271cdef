import { InterruptExecution, InvalidExperiment } from '../errors.js';
import type { HookChanges } from './module.js';

/** chaoslib's InvalidControl: a control declaration that cannot run; reported before anything runs. */
export class InvalidControl extends InvalidExperiment {
  override readonly name = 'InvalidControl';
}

/** A hook raised something other than InterruptExecution: chaoslib logs it and the run goes on. */
export class ControlFailed extends Error {
  override readonly name = 'ControlFailed';
  constructor(
    message: string,
    readonly traceback: string[],
    /** What the hook changed before it raised: in chaoslib's one process those changes stay. */
    readonly changes: HookChanges = {},
  ) {
    super(message);
  }
}

/** A hook raised InterruptExecution; what it changed before it raised stays changed. */
export class ControlInterrupted extends InterruptExecution {
  constructor(
    message: string,
    readonly changes: HookChanges = {},
  ) {
    super(message);
  }
}
