/** The experiment is not valid: reported before anything runs (Chaos Toolkit's InvalidExperiment/InvalidActivity). */
export class InvalidExperiment extends Error {
  override readonly name: string = 'InvalidExperiment';
}

export class InvalidActivity extends InvalidExperiment {
  override readonly name = 'InvalidActivity';
}

/**
 * Every error validation found, in the order of the checks; one error alone is thrown as it is,
 * so a file with one mistake gets chaos's own exception and message.
 */
export class ValidationErrors extends InvalidExperiment {
  override readonly name = 'ValidationErrors';

  private constructor(readonly errors: readonly InvalidExperiment[]) {
    super(
      `the experiment is not valid, ${errors.length} errors: ${errors.map((error) => error.message).join('; ')}`,
    );
  }

  static of(errors: readonly InvalidExperiment[]): InvalidExperiment {
    return errors.length === 1 ? errors[0]! : new ValidationErrors(errors);
  }
}

/** Each error in what validation threw, to be said one per line. */
export const validationErrorsOf = (error: unknown): readonly Error[] =>
  error instanceof ValidationErrors ? error.errors : [error as Error];

/** An activity failed; recorded in its run entry, the experiment goes on (ActivityFailed). */
export class ActivityFailed extends Error {
  override readonly name = 'ActivityFailed';
}

/**
 * An error chaoslib does not handle as ActivityFailed (a Python module or function missing at
 * run time): the run stops with status "aborted", the remaining activities are not run.
 */
export class ActivityAborted extends Error {
  override readonly name = 'ActivityAborted';
}

/** Stops the run: status "interrupted" (SIGINT, SIGTERM, --max-duration). */
export class InterruptExecution extends Error {
  override readonly name = 'InterruptExecution';
}

/** A tolerance that cannot be applied to the probe's output (regex on a number...): the run is aborted. */
export class ToleranceUncheckable extends Error {
  override readonly name = 'ToleranceUncheckable';
}
