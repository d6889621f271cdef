import { InvalidExperiment } from '../errors.js';

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
  ) {
    super(message);
  }
}
