import { findActivity } from '../validate.js';
import {
  type Activity,
  type Experiment,
  isObject,
  type Json,
  type JsonObject,
} from '../../model/experiment.js';
import { runActivity, sleep } from '../activity.js';
import { InterruptExecution } from '../errors.js';
import { checkTolerance } from '../hypothesis.js';
import { type RunEntry, secondsBetween, timestamp } from '../journal.js';
import { InvalidControl } from './errors.js';
import type { HookCall } from './module.js';
import type { NativeControl, NativeRun } from './native.js';

/**
 * chaosaddons.controls.safeguards, natively. Its `probes` run as the addon runs them: a probe
 * with neither `background` nor `frequency` before the experiment (the run waits for them all),
 * a `background` one once as soon as possible, a `frequency` one every N seconds until the
 * experiment ends. The first probe out of its tolerance interrupts the run at once (as
 * exit_gracefully() does: status "interrupted", rollbacks per the strategy), or after the
 * current activity with `interrupt_after_activity: true`. Each probe run is in the journal's
 * `controls`, and the one that ended the run is marked `triggered`. Two differences from the
 * addon: a frequency probe is judged as soon as it returns, not one period later; and a
 * safeguard never interrupts rollbacks once they play.
 */
export const safeguardsControl: NativeControl = {
  async validate(control, checkProbe) {
    const name = String(control.name);
    const args =
      isObject(control.provider) && isObject(control.provider.arguments) ? control.provider.arguments : {};
    const probes = args.probes;
    if (!Array.isArray(probes) || probes.length === 0) {
      throw new InvalidControl(
        `Control '${name}' (safeguards) needs a non-empty list of probes in provider.arguments.probes, received ${JSON.stringify(probes ?? null)}`,
      );
    }
    for (const [index, probe] of probes.entries()) {
      const where = `safeguard probe ${index} of control '${name}'`;
      if (!isObject(probe))
        throw new InvalidControl(`${where} must be a probe object, received ${JSON.stringify(probe)}`);
      if (!('ref' in probe) && probe.type !== 'probe') {
        throw new InvalidControl(
          `${where} ('${String(probe.name)}') must have type 'probe', received ${JSON.stringify(probe.type ?? null)}`,
        );
      }
      if (!('tolerance' in probe)) {
        throw new InvalidControl(
          `${where} ('${String(probe.name)}') must have a tolerance: it decides when the run is interrupted`,
        );
      }
      const frequency = probe.frequency;
      if (frequency !== undefined && !(typeof frequency === 'number' && frequency > 0)) {
        throw new InvalidControl(
          `${where} ('${String(probe.name)}') frequency must be a number of seconds above 0, received ${JSON.stringify(frequency)}`,
        );
      }
      await checkProbe(probe, where);
    }
    const after = args.interrupt_after_activity;
    if (after !== undefined && after !== null && typeof after !== 'boolean') {
      throw new InvalidControl(
        `Control '${name}' interrupt_after_activity must be true or false, received ${JSON.stringify(after)}`,
      );
    }
  },

  create(run) {
    const guards = new Map<string, Guard>();
    const guardOf = (call: HookCall) => {
      const name = String(call.control.name);
      let guard = guards.get(name);
      if (!guard) {
        guard = new Guard(name, call.arguments, run);
        guards.set(name, guard);
      }
      return guard;
    };
    return {
      kind: 'native',
      has: (hook) =>
        ['before_experiment_control', 'after_activity_control', 'after_experiment_control'].includes(hook),
      async validate() {},
      async call(call) {
        const guard = guardOf(call);
        if (call.hook === 'before_experiment_control') await guard.start(call.experiment!);
        else if (call.hook === 'after_activity_control') guard.checkAfterActivity(call.context as JsonObject);
        else if (call.hook === 'after_experiment_control') {
          run.finished.set = true;
          await guard.stop();
        }
        return { changes: {} };
      },
      async stop() {
        run.finished.set = true;
        await Promise.all([...guards.values()].map((guard) => guard.stop()));
      },
    };
  },
};

class Guard {
  private readonly stopper = new AbortController();
  private readonly running: Promise<void>[] = [];
  private triggered = false;
  private readonly probes: JsonObject[];
  private readonly afterActivity: boolean;

  constructor(
    private readonly name: string,
    args: JsonObject,
    private readonly run: NativeRun,
  ) {
    this.probes = (Array.isArray(args.probes) ? args.probes : []).filter(isObject);
    this.afterActivity = args.interrupt_after_activity === true;
  }

  /** Runs the pre-checks (and waits for them), then starts the background and repeating probes. */
  async start(experiment: JsonObject): Promise<void> {
    const now = this.probes.filter((probe) => !probe.frequency && probe.background !== true);
    for (const probe of this.probes) {
      if (probe.frequency) this.running.push(this.repeat(probe, experiment));
      else if (probe.background === true) this.running.push(this.once(probe, experiment));
    }
    const verdicts = await Promise.all(now.map((probe) => this.check(probe, experiment)));
    const failed = verdicts.findIndex((met) => !met);
    if (failed < 0) return;
    const probe = now[failed]!;
    // A pre-check runs inside before_experiment_control: raising there interrupts the run at once.
    if (!this.afterActivity && this.claim(probe)) throw new InterruptExecution(this.reason(probe));
    this.trigger(probe);
  }

  checkAfterActivity(activity: JsonObject): void {
    if (this.afterActivity && this.triggered && !this.run.finished.set) {
      throw new InterruptExecution(
        `Interrupting the experiment, after activity '${String(activity.name)}', now as per your safeguards decision`,
      );
    }
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await Promise.allSettled(this.running);
  }

  private async once(probe: JsonObject, experiment: JsonObject): Promise<void> {
    if (!(await this.check(probe, experiment))) this.trigger(probe);
  }

  private async repeat(probe: JsonObject, experiment: JsonObject): Promise<void> {
    while (!this.stopper.signal.aborted) {
      if (!(await this.check(probe, experiment))) return this.trigger(probe);
      await sleep(Number(probe.frequency) * 1000, this.stopper.signal);
    }
  }

  /** Runs the probe and records it; true when its output is within its tolerance. */
  private async check(declared: JsonObject, experiment: JsonObject): Promise<boolean> {
    if (this.stopper.signal.aborted || this.run.finished.set) return true;
    const probe = resolveRef(declared, experiment);
    const base = this.run.environment;
    const context = { ...base.context, signal: this.stopper.signal, background: true };
    // Safeguards run beside the activities: their own lines would bury the run's; failures still show.
    const log = { ...base.log, info: () => undefined, progress: () => () => undefined };
    const environment = { dry: base.dry, context, log };
    const started = timestamp();
    let entry: RunEntry;
    try {
      entry = await runActivity(probe as unknown as Activity, environment);
    } catch (error) {
      if (this.stopper.signal.aborted) return true;
      entry = {
        activity: { ...probe },
        output: null,
        start: started,
        status: 'failed',
        exception: [`${(error as Error).message}\n`],
      };
    }
    if (this.stopper.signal.aborted) return true;
    const met =
      entry.status === 'succeeded' &&
      // The addon checks the tolerance written in its probe list: a ref's own, not the named activity's.
      (await checkTolerance(
        probe as unknown as Activity,
        entry.output,
        environment,
        declared.tolerance as Json,
      ).catch(() => false));
    entry.tolerance_met = met;
    const end = entry.end ?? timestamp();
    this.run.record({
      control: this.name,
      provider: 'native',
      level: 'safeguard',
      hook: 'safeguard',
      target: String(probe.name),
      start: entry.start,
      end,
      duration: secondsBetween(entry.start, end),
      status: met ? 'succeeded' : 'failed',
      run: entry,
    });
    return met;
  }

  /** The first safeguard out of tolerance ends the run; later ones are only recorded. */
  private trigger(probe: JsonObject): void {
    if (!this.claim(probe)) return;
    if (this.afterActivity) {
      this.run.log.critical(
        `Safeguard '${String(probe.name)}' triggered the end of the experiment. But we will exit only after the current activity is completed`,
      );
      return;
    }
    const reason = this.reason(probe);
    this.run.log.critical(reason);
    if (!this.run.interrupt(reason)) {
      this.run.log.warning(
        `Safeguard '${String(probe.name)}' is out of tolerance while the rollbacks play: they are not interrupted`,
      );
    }
  }

  /** Marks this probe as the one that ends the run; false when one already did or the run is over. */
  private claim(probe: JsonObject): boolean {
    if (this.triggered || this.run.finished.set) return false;
    this.triggered = true;
    this.run.markTriggered(this.name, String(probe.name));
    return true;
  }

  private reason(probe: JsonObject): string {
    return `Safeguard '${String(probe.name)}' (control '${this.name}') triggered the end of the experiment`;
  }
}

function resolveRef(probe: JsonObject, experiment: JsonObject): JsonObject {
  if (typeof probe.ref !== 'string') return probe;
  const found = findActivity(experiment as Experiment, probe.ref);
  if (!found) throw new InterruptExecution(`could not find referenced activity '${probe.ref}'`);
  return found as JsonObject;
}
