import {
  type Activity,
  type ActivityOrRef,
  type Experiment,
  isRef,
  type Json,
  type JsonObject,
} from '../model/experiment.js';
import { type ActivityEnvironment, isDry, runActivity } from './activity.js';
import { ActivityFailed, ToleranceUncheckable } from './errors.js';
import type { RunEntry, SteadyState } from './journal.js';
import { describeExit, isProcessOutput } from './process-output.js';
import { pyTruthy } from './python-values.js';
import { providerFor } from './providers/index.js';
import { withinTolerance } from './tolerance.js';
import { findActivity } from './validate.js';

export interface HypothesisResult {
  state: SteadyState;
  /** A probe failed to run (not merely out of tolerance): the run's status becomes "failed". */
  errored: boolean;
}

/** Resolves a `ref` to the activity it names; a missing one is an error that aborts the run. */
export function resolve(activity: ActivityOrRef, experiment: Experiment): Activity {
  if (!isRef(activity)) return activity;
  const found = findActivity(experiment, activity.ref);
  if (!found) throw new ActivityFailed(`could not find referenced activity '${activity.ref}'`);
  return found;
}

/**
 * Runs the probes in order and checks each tolerance; stops at the first probe that fails or
 * misses its tolerance, as chaoslib does. In dry probe runs tolerances are not checked.
 */
export async function runHypothesis(
  hypothesis: JsonObject,
  experiment: Experiment,
  environment: ActivityEnvironment,
): Promise<HypothesisResult> {
  const { controls } = environment;
  if (!controls) return checkProbes(hypothesis, experiment, environment);
  let state: HypothesisResult['state'] | null = null;
  try {
    await controls.before('hypothesis', hypothesis);
    const result = await checkProbes(hypothesis, experiment, environment);
    state = result.state;
    return result;
  } finally {
    await controls.after('hypothesis', hypothesis, state);
  }
}

async function checkProbes(
  hypothesis: JsonObject,
  experiment: Experiment,
  environment: ActivityEnvironment,
): Promise<HypothesisResult> {
  const { log } = environment;
  log.info(`Steady state hypothesis: ${hypothesis.title}`);
  const probes: RunEntry[] = [];
  for (const item of (hypothesis.probes as ActivityOrRef[] | undefined) ?? []) {
    const probe = resolve(item, experiment);
    const entry = await runActivity(probe, environment);
    probes.push(entry);
    if (entry.status === 'failed') {
      entry.tolerance_met = false;
      log.warning('Probe terminated unexpectedly, so its tolerance could not be validated');
      log.critical(
        `Steady state probe '${probe.name}' is not in the given tolerance so failing this experiment`,
      );
      return { state: { steady_state_met: false, probes }, errored: true };
    }
    // chaoslib checks the tolerance written in the hypothesis: a ref's own, not the named activity's;
    // none at all (only without validation) is its within_tolerance(None), a miss.
    entry.tolerance_met =
      isDry(probe, environment.dry) ||
      (await checkTolerance(
        probe,
        entry.output,
        environment,
        'tolerance' in item ? (item.tolerance as Json) : null,
      ));
    if (!entry.tolerance_met) {
      const returned = isProcessOutput(entry.output) ? ` (it returned ${describeExit(entry.output)})` : '';
      log.critical(
        `Steady state probe '${probe.name}' is not in the given tolerance so failing this experiment${returned}`,
      );
      return { state: { steady_state_met: false, probes }, errored: false };
    }
  }
  log.info('Steady state hypothesis is met!');
  return { state: { steady_state_met: true, probes }, errored: false };
}

/** Whether a probe's output is within its tolerance; one that cannot be checked aborts the run. */
export async function checkTolerance(
  probe: Activity,
  output: unknown,
  environment: ActivityEnvironment,
  tolerance: Json | undefined = probe.tolerance as Json | undefined,
): Promise<boolean> {
  const { context } = environment;
  try {
    return await withinTolerance(
      tolerance as Json,
      output,
      context.scope,
      async (definition, value) => {
        // chaoslib sets `value` in the tolerance's own arguments, and its journal.experiment, a
        // shallow copy, shows the last value checked: so does faultline's.
        const own = (definition.provider as JsonObject).arguments;
        if (typeof own === 'object' && own !== null && !Array.isArray(own)) own.value = value as Json;
        const activity = structuredClone(definition) as unknown as Activity;
        const provider = activity.provider as JsonObject;
        provider.arguments = {
          ...((provider.arguments as JsonObject | undefined) ?? {}),
          value: value as Json,
        };
        try {
          // chaoslib: `if rtn: return True`, Python's truth, so an empty list or dict is a miss.
          return pyTruthy(await providerFor(activity.provider)!.run(activity.provider, activity, context));
        } catch (error) {
          if (!(error instanceof ActivityFailed)) throw error;
          // chaoslib returns False and says why only in a DEBUG traceback: the reader is told.
          environment.log.warning(
            `The tolerance probe '${String(definition.name)}' of probe '${probe.name}' failed, so the tolerance is not met (chaos run counts it so too): ${error.message}`,
          );
          return false;
        }
      },
      (message) => environment.log.warning(`probe '${probe.name}': ${message}`),
    );
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // chaos run crashes here (exit 1); faultline aborts the run, so rollbacks and the journal still happen.
    throw new ToleranceUncheckable(
      `the tolerance of probe '${probe.name}' cannot be checked: ${error.message}`,
    );
  }
}
