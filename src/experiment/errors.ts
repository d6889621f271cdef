/** The experiment is not valid: reported before anything runs (Chaos Toolkit's InvalidExperiment/InvalidActivity). */
export class InvalidExperiment extends Error {
  override readonly name: string = 'InvalidExperiment';
}

export class InvalidActivity extends InvalidExperiment {
  override readonly name = 'InvalidActivity';
}

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
