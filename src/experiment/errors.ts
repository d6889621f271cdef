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

/** Stops the run: status "interrupted" (SIGINT, SIGTERM, --max-duration). */
export class InterruptExecution extends Error {
  override readonly name = 'InterruptExecution';
}
