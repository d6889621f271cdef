import {
  type Activity,
  type ActivityOrRef,
  type DryMode,
  type Experiment,
  type HypothesisStrategy,
  isObject,
  type JsonObject,
  type RollbackStrategy,
  type RunStatus,
} from '../model/experiment.js';
import { type ActivityEnvironment, runActivity, sleep } from './activity.js';
import { loadConfiguration, loadSecrets, noVars, type Vars } from './configuration.js';
import type { RunLog } from './console.js';
import { createControlDispatcher } from './controls/dispatcher.js';
import type { ControlRecord } from './controls/record.js';
import { maskedLog } from './masked-log.js';
import { createSecretMask, type SecretMask } from './secret-mask.js';
import { ActivityAborted, ActivityFailed, InterruptExecution } from './errors.js';
import {
  type ExitSignal,
  exitReason,
  chaosInterruptionLines,
  failInterruptedBackground,
  listenForExitSignals,
} from './exit-signals.js';
import { resolve, runHypothesis } from './hypothesis.js';
import {
  createJournal,
  inDeclaredOrder,
  type Journal,
  type RunEntry,
  secondsBetween,
  timestamp,
} from './journal.js';
import type { Ledger } from './ledger.js';
import { providerFor } from './providers/index.js';
import { createPythonRuntime, type PythonRuntime } from './python/interpreter.js';
import type { ProviderContext } from './providers/provider.js';
import { scopeOf, substitute } from './substitute.js';
import { resolveVaultSecrets } from './vault.js';
import { pyFloat } from './python-values.js';

export interface RunOptions {
  log: RunLog;
  ledger: Ledger;
  baseDirectory: string;
  vars?: Vars;
  dry?: DryMode;
  hypothesisStrategy?: HypothesisStrategy;
  rollbackStrategy?: RollbackStrategy;
  /** Seconds between hypothesis checks during the method (default 1). */
  hypothesisFrequency?: number;
  failFast?: boolean;
  /** Seconds; past this the run is interrupted and rolled back (unless the strategy is "never"). */
  maxDuration?: number;
  /** Called when --max-duration interrupts the run, so the caller can stop what the run started. */
  onTimeLimit?: () => void;
  /** A failed action in the method fails the run (status "failed") and stops the method. */
  failOnActionError?: boolean;
  /** Receives the run's secret values, so the caller can hide them in its own output too. */
  mask?: SecretMask;
  /** Global controls (the settings file's `controls`), each with its `name`. */
  globalControls?: JsonObject[];
  /** The settings file, handed to controls whose hooks take `settings`. */
  settings?: JsonObject;
  /**
   * The Python interpreter the run uses (and stops when it ends): the one the loader hooks ran
   * in, so their module globals carry over as in chaos run's one process. Default: a new one.
   */
  python?: PythonRuntime;
  /** The loader hooks called while the file was read (loadExperimentWithControls), for the journal. */
  loaderControls?: ControlRecord[];
}

export interface RunningExperiment {
  /**
   * Interrupts the current phase: the method (then rollbacks follow the strategy), or the
   * rollbacks. With `playRollbacks` (a halt), rollbacks play whatever the strategy but "never",
   * as after --max-duration, and rollbacks already playing go on.
   */
  interrupt(reason: string, options?: { playRollbacks?: boolean }): void;
  readonly journal: Promise<Journal>;
  /** Processes the run keeps for itself while it lasts (its Python interpreter), never to be stopped with the rest. */
  ownProcesses(): number[];
}

const BEFORE: HypothesisStrategy[] = ['default', 'before-method-only', 'continuously', 'continously'];
const DURING: HypothesisStrategy[] = ['during-method-only', 'continuously', 'continously'];
const AFTER: HypothesisStrategy[] = ['default', 'after-method-only', 'continuously', 'continously'];

/**
 * Runs an experiment with chaoslib's semantics (docs/experiments.md): gate hypothesis, method,
 * hypothesis after, rollbacks by strategy, statuses and the journal. Validation is the caller's.
 */
export function startExperiment(experiment: Experiment, options: RunOptions): RunningExperiment {
  const method = new AbortController();
  const rollbacks = new AbortController();
  let phase: 'method' | 'rollbacks' = 'method';
  let forceRollbacks = false;
  // The method's background activities: every interruption but SIGUSR1 stops them (chaoslib waits for them then).
  const background = new AbortController();
  let ungraceful = false;
  const interrupt = (reason: string, graceful = false) => {
    if (phase === 'rollbacks') return rollbacks.abort(reason);
    method.abort(reason);
    if (!graceful) background.abort(reason);
  };
  const onExitSignal = (signal: ExitSignal) => {
    if (signal === 'SIGUSR2') ungraceful = true;
    interrupt(exitReason(signal), signal === 'SIGUSR1');
  };
  const stopSignals = listenForExitSignals(onExitSignal);
  const mask = options.mask ?? createSecretMask();
  const python =
    options.python ??
    createPythonRuntime({
      moduleDirectory: options.baseDirectory,
      output: (text) => options.log.output?.(mask.text(text)),
    });
  // exit_gracefully()/exit_ungracefully() in a foreground Python call: SystemExit there, and this.
  const stopPythonExits = python.onExitSignal(onExitSignal);
  const stopListening = () => {
    stopSignals();
    stopPythonExits();
  };
  const journal = execute(experiment, { ...options, mask }, method.signal, rollbacks.signal, python, {
    enterRollbacks: () => {
      phase = 'rollbacks';
    },
    maxDurationReached: () => {
      forceRollbacks = true;
      interrupt(`the run took longer than --max-duration ${options.maxDuration}s`);
      options.onTimeLimit?.();
    },
    forced: () => forceRollbacks,
    rollbacksDisabled: () => ungraceful,
    backgroundSignal: background.signal,
    interruptMethod: (reason) => {
      if (phase !== 'method') return false;
      method.abort(reason);
      return true;
    },
  }).finally(stopListening);
  return {
    interrupt: (reason, how) => {
      if (how?.playRollbacks) {
        if (phase === 'rollbacks') return;
        forceRollbacks = true;
      }
      interrupt(reason);
    },
    journal,
    ownProcesses: () => (python.pid === undefined ? [] : [python.pid]),
  };
}

interface PhaseHooks {
  enterRollbacks(): void;
  maxDurationReached(): void;
  forced(): boolean;
  /** exit_ungracefully() (SIGUSR2): no rollback plays, whatever the strategy. */
  rollbacksDisabled(): boolean;
  backgroundSignal: AbortSignal;
  /** Interrupts the method (not the rollbacks), as exit_gracefully() does; false past the method. */
  interruptMethod(reason: string): boolean;
}

async function execute(
  experiment: Experiment,
  options: RunOptions,
  methodSignal: AbortSignal,
  rollbackSignal: AbortSignal,
  python: PythonRuntime,
  hooks: PhaseHooks,
): Promise<Journal> {
  const mask = options.mask ?? createSecretMask();
  mask.addSecrets(experiment.secrets);
  mask.addSecrets(options.vars?.secrets);
  const log = maskedLog(options.log, mask);
  const vars = options.vars ?? noVars();
  const configuration = loadConfiguration(
    experiment.configuration as JsonObject | undefined,
    vars.configuration,
    (message) => log.warning(message),
  );
  const secrets = loadSecrets(experiment.secrets as JsonObject | undefined, vars.secrets);
  await resolveVaultSecrets(
    experiment.secrets as JsonObject | undefined,
    vars.secrets,
    configuration,
    secrets,
    (message) => log.warning(message),
  );
  mask.addSecrets(secrets);
  const context: ProviderContext = {
    configuration,
    secrets,
    scope: scopeOf(configuration, secrets),
    signal: methodSignal,
    baseDirectory: options.baseDirectory,
    ledger: options.ledger,
    warn: (message) => log.warning(message),
    python,
  };
  try {
    return mask.json(
      await runWithContext(
        experiment,
        { ...options, mask },
        context,
        log,
        methodSignal,
        rollbackSignal,
        hooks,
      ),
    );
  } finally {
    await context.python!.close();
  }
}

async function runWithContext(
  experiment: Experiment,
  options: RunOptions,
  context: ProviderContext,
  log: RunLog,
  methodSignal: AbortSignal,
  rollbackSignal: AbortSignal,
  hooks: PhaseHooks,
): Promise<Journal> {
  const hypothesisStrategy = options.hypothesisStrategy ?? 'default';
  const rollbackStrategy = options.rollbackStrategy ?? 'default';
  await loadDynamicConfiguration(context);
  const title = substitute(experiment.title, context.scope);
  // chaoslib substitutes the title in the experiment itself: hooks and the journal see it so.
  experiment.title = title as string;
  const journal = createJournal(experiment, options.dry);
  const environment: ActivityEnvironment = { dry: options.dry, context, log };
  const controls = await createControlDispatcher({
    experiment,
    globals: options.globalControls ?? [],
    settings: options.settings ?? null,
    loaderControls: options.loaderControls ?? [],
    environment,
    python: context.python!,
    journal,
    interrupt: hooks.interruptMethod,
    addSecrets: (secrets) => options.mask?.addSecrets(secrets),
  });
  environment.controls = controls;
  await controls.configure();
  const timer =
    options.maxDuration === undefined
      ? undefined
      : setTimeout(hooks.maxDurationReached, options.maxDuration * 1000);

  log.info(`Running experiment: ${title}`);
  if (options.dry) log.warning(`Running experiment with dry ${options.dry}`);
  // chaoslib reads the old spelling "continously" as Strategy.CONTINUOUS and logs its value.
  log.info(
    `Steady-state strategy: ${hypothesisStrategy === 'continously' ? 'continuously' : hypothesisStrategy}`,
  );
  log.info(`Rollbacks strategy: ${rollbackStrategy}`);
  const hypothesis = experiment['steady-state-hypothesis'];
  const hasProbes = isObject(hypothesis) && Array.isArray(hypothesis.probes) && hypothesis.probes.length > 0;
  if (!hasProbes) log.info("No steady state hypothesis defined. That's ok, just exploring.");
  let status: RunStatus | undefined;
  try {
    await controls.before('experiment', experiment);
    let gatePassed = true;
    if (hasProbes && BEFORE.includes(hypothesisStrategy)) {
      const before = await runHypothesis(hypothesis, experiment, environment);
      journal.steady_states.before = before.state;
      if (!before.state.steady_state_met) {
        gatePassed = false;
        status = before.errored ? 'failed' : 'completed';
      }
    }
    if (gatePassed) {
      const continuous = hasProbes && DURING.includes(hypothesisStrategy);
      const loop = continuous
        ? checkContinuously(hypothesis, experiment, environment, journal, options, hooks.interruptMethod)
        : undefined;
      log.info("Playing your experiment's method now...");
      status = await runMethod(
        experiment,
        environment,
        journal,
        options,
        () => loop?.failed === true || loop?.error !== undefined,
        hooks.backgroundSignal,
      );
      await loop?.stop();
      // A foreground activity ends an interrupted method with InterruptExecution; a method of
      // background activities only ends when they settle, and is just as interrupted.
      if (methodSignal.aborted) throw new InterruptExecution(String(methodSignal.reason));
      if (loop?.error !== undefined) throw loop.error;
      if (loop?.failed) status = 'failed';
      if (hasProbes && AFTER.includes(hypothesisStrategy)) {
        const after = await runHypothesis(hypothesis, experiment, environment);
        journal.steady_states.after = after.state;
        if (!after.state.steady_state_met) {
          journal.deviated = true;
          status = after.errored ? 'failed' : 'completed';
        }
      }
    }
  } catch (error) {
    status = error instanceof InterruptExecution || methodSignal.aborted ? 'interrupted' : 'aborted';
    if (status === 'interrupted') {
      journal.interruption = String(methodSignal.reason ?? (error as Error).message);
      for (const line of chaosInterruptionLines(journal.interruption)) log.warning(line);
      log.critical(`Experiment interrupted: ${journal.interruption}`);
    } else log.error(`Experiment aborted: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  if (hooks.rollbacksDisabled()) failInterruptedBackground(journal.run);

  hooks.enterRollbacks();
  context.signal = rollbackSignal;
  status = await playRollbacks(
    experiment,
    environment,
    journal,
    status ?? 'completed',
    rollbackStrategy,
    hooks.forced(),
    hooks.rollbacksDisabled(),
  ).catch(async (error: unknown) => {
    // Safeguards running in the background must stop even when the run crashes.
    await controls.cleanup();
    throw error;
  });
  journal.status = status;
  if (status === 'interrupted')
    journal.interruption ??= String(rollbackSignal.reason ?? 'the rollbacks were interrupted');
  journal.end = timestamp();
  journal.duration = secondsBetween(journal.start, journal.end);
  try {
    await controls.after('experiment', experiment, journal);
  } catch (error) {
    if (!(error instanceof InterruptExecution)) throw error;
    // chaoslib catches it there ("Failed to close controls"): the run is over, its status stays.
    log.warning(
      `InterruptExecution in after_experiment_control comes after the run ended: the status stays '${journal.status}', as in chaos run (${error.message})`,
    );
  } finally {
    await controls.cleanup();
  }
  log.info(`Experiment ended with status: ${journal.deviated ? 'deviated' : journal.status}`);
  if (journal.deviated) log.info('The steady-state has deviated, a weakness may have been discovered');
  return journal;
}

/** Runs method activities in order (background ones alongside); 'failed' when --fail-on-action-error ends it. */
async function runMethod(
  experiment: Experiment,
  environment: ActivityEnvironment,
  journal: Journal,
  options: RunOptions,
  hypothesisFailed: () => boolean,
  backgroundSignal: AbortSignal,
): Promise<RunStatus | undefined> {
  const background: Promise<RunEntry>[] = [];
  const inBackground = {
    ...environment,
    context: { ...environment.context, signal: backgroundSignal, background: true },
  };
  const record = inDeclaredOrder(journal.run);
  // Set in the finally below, which every way out of the method passes through.
  let settled: PromiseSettledResult<RunEntry>[];
  let outcome: RunStatus | undefined;
  try {
    await environment.controls?.before('method', experiment);
    if (experiment.method.length === 0) environment.log.info("No declared activities, let's move on.");
    for (const [position, item] of experiment.method.entries()) {
      const activity = resolve(item, experiment);
      const running = runActivity(
        activity,
        activity.background === true ? inBackground : environment,
        record(position),
      );
      if (activity.background === true) {
        // Settled in the finally below; until then an interruption must not count as unhandled.
        running.catch(() => undefined);
        background.push(running);
        continue;
      }
      const entry = await running;
      if (options.failOnActionError && activity.type === 'action' && entry.status === 'failed') {
        environment.log.critical(
          `Action '${activity.name}' failed and --fail-on-action-error is set: the run fails`,
        );
        outcome = 'failed';
        break;
      }
      // The caller reads how the check ended: failed, or an error that aborts the run.
      if (hypothesisFailed()) break;
    }
  } finally {
    settled = await Promise.allSettled(background);
    await environment.controls?.after('method', experiment, journal.run);
  }
  // chaoslib collects the background results once the method is over: one that raised anything
  // but ActivityFailed raises again there, and the run is aborted.
  const broken = settled.find((result) => result.status === 'rejected');
  if (broken) throw broken.reason;
  // Only 'failed' is ever set above, so a failed background action can only fail the run too.
  if (options.failOnActionError) {
    for (const result of settled) {
      const entry = (result as PromiseFulfilledResult<RunEntry>).value;
      if (entry.status === 'failed' && (entry.activity as Activity).type === 'action') return 'failed';
    }
  }
  return outcome;
}

/** The hypothesis, checked every `frequency` seconds while the method runs. */
function checkContinuously(
  hypothesis: JsonObject,
  experiment: Experiment,
  environment: ActivityEnvironment,
  journal: Journal,
  options: RunOptions,
  interrupt: (reason: string) => void,
) {
  const stopper = new AbortController();
  const signal = AbortSignal.any([stopper.signal, environment.context.signal]);
  // The checks run beside the method (in a thread, as chaoslib's); the context stays the live one.
  const inThread = Object.create(environment.context, { background: { value: true } }) as ProviderContext;
  environment = { ...environment, context: inThread };
  const state: { failed: boolean; error?: Error } = { failed: false };
  const { log } = environment;
  const frequency = options.hypothesisFrequency ?? 1;
  log.info(`Executing the steady-state hypothesis continuously every ${pyFloat(frequency)} seconds`);
  let deviations = 0;
  const done = (async () => {
    try {
      while (!signal.aborted) {
        const result = await runHypothesis(hypothesis, experiment, environment);
        journal.steady_states.during.push(result.state);
        if (!result.state.steady_state_met) {
          deviations += 1;
          const probe = result.state.probes.at(-1)?.activity.name;
          log.warning(`Continuous steady state probe '${probe}' is not in the given tolerance`);
        }
        if (!result.state.steady_state_met && options.failFast) {
          state.failed = true;
          // chaoslib's failed_ratio: deviated checks over all checks so far, in percent.
          const ratio = ((deviations * 100) / journal.steady_states.during.length).toFixed(1);
          log.info(`Terminating immediately the experiment after ${ratio}% hypothesis deviated`);
          log.critical('Steady state hypothesis deviated during the method and --fail-fast is set');
          return;
        }
        await sleep(frequency * 1000, signal);
      }
    } finally {
      log.info('Continuous steady state hypothesis terminated');
    }
  })().catch((error: unknown) => {
    // As in chaoslib: a control's InterruptExecution in a check interrupts the run; any other
    // error aborts it once the activity in progress ends.
    if (error instanceof InterruptExecution) interrupt(error.message);
    else
      state.error = new Error(
        `the steady-state hypothesis check during the method failed: ${(error as Error).message}`,
      );
  });
  return {
    get failed() {
      return state.failed;
    },
    get error() {
      return state.error;
    },
    stop: async () => {
      stopper.abort();
      await done;
    },
  };
}

/** Chaos Toolkit's rollback strategies; --max-duration forces them unless the strategy is "never". */
async function playRollbacks(
  experiment: Experiment,
  environment: ActivityEnvironment,
  journal: Journal,
  status: RunStatus,
  strategy: RollbackStrategy,
  forced: boolean,
  disabled: boolean,
): Promise<RunStatus> {
  const { log } = environment;
  if (disabled) {
    log.warning('Received an exit signal (SIGUSR2): leaving without applying rollbacks.');
    return status;
  }
  const play =
    strategy === 'always' ||
    (strategy === 'default' && status !== 'failed' && status !== 'interrupted') ||
    (strategy === 'deviated' && journal.deviated) ||
    (forced && strategy !== 'never');
  const said = STRATEGY_SAYS[strategy];
  if (said && !forced) log.warning(journal.deviated ? said.deviated : said.otherwise);
  if (!play) {
    if (strategy !== 'never' && (experiment.rollbacks as ActivityOrRef[] | undefined)?.length) {
      log.warning(
        `Rollbacks were not played (strategy ${strategy}, status ${status}); --rollback-strategy always plays them`,
      );
    }
    return status;
  }
  log.info("Let's rollback...");
  const rollbacks = (experiment.rollbacks as ActivityOrRef[] | undefined) ?? [];
  const background: Promise<unknown>[] = [];
  let outcome = status;
  const record = inDeclaredOrder(journal.rollbacks);
  try {
    await environment.controls?.before('rollback', experiment);
    if (rollbacks.length === 0) log.info("No declared rollbacks, let's move on.");
    for (const [position, item] of rollbacks.entries()) {
      const activity = resolve(item, experiment);
      log.info(`Rollback: ${activity.name}`);
      const running = runActivity(activity, environment, record(position));
      if (activity.background === true) background.push(running);
      else await running;
    }
    await Promise.all(background);
  } catch (error) {
    await Promise.allSettled(background);
    if (error instanceof InterruptExecution) {
      log.critical('Rollbacks interrupted: the remaining ones were not played');
      outcome = 'interrupted';
    } else if (error instanceof ActivityAborted) {
      // chaoslib lets it out of the rollbacks and chaos run crashes (exit 1, no journal): a run
      // whose rollbacks could not all be played must not end completed, exit 0.
      log.error(
        `Rollbacks aborted: ${error.message}; the remaining rollbacks are not played and the run is aborted (chaos run crashes here, with no journal)`,
      );
      if (outcome === 'completed') outcome = 'aborted';
    } else if (!(error instanceof ActivityFailed)) throw error;
  }
  try {
    await environment.controls?.after('rollback', experiment, journal.rollbacks);
  } catch (error) {
    if (!(error instanceof InterruptExecution)) throw error;
    outcome = 'interrupted';
  }
  return outcome;
}

/** What chaoslib logs, as a warning, for the rollback strategies a user chose. */
const STRATEGY_SAYS: Partial<Record<RollbackStrategy, { deviated: string; otherwise: string }>> = {
  always: {
    deviated: 'Rollbacks were explicitly requested to be played',
    otherwise: 'Rollbacks were explicitly requested to be played',
  },
  never: {
    deviated: 'Rollbacks were explicitly requested to not be played',
    otherwise: 'Rollbacks were explicitly requested to not be played',
  },
  deviated: {
    deviated: 'Rollbacks will be played only because the experiment deviated',
    otherwise:
      'Rollbacks were explicitely requested to be played only if the experiment deviated. Since this is not the case, we will not play them.',
  },
};

/** Configuration values that are probes run at start, in order; a failure drops the key. */
async function loadDynamicConfiguration(context: ProviderContext): Promise<void> {
  // chaoslib's load_dynamic_configuration walks the configuration as loaded, --var and var files
  // applied: a var replaces a probe (which then does not run), and a var that is a probe runs.
  for (const [key, value] of Object.entries({ ...context.configuration })) {
    if (!isObject(value) || value.type !== 'probe' || !isObject(value.provider)) continue;
    const activity = substitute(value, context.scope) as unknown as Activity;
    try {
      const output = await providerFor(activity.provider)!.run(activity.provider, activity, context);
      const result =
        activity.provider.type === 'process'
          ? (output as { status: number; stdout: string }).status === 0
            ? (output as { stdout: string }).stdout.trim()
            : undefined
          : activity.provider.type === 'http'
            ? (output as { body: unknown }).body
            : output;
      if (result === undefined) {
        delete context.configuration[key];
        const { status, stderr } = output as { status: number; stderr: string };
        context.warn(
          `Some of the dynamic configuration failed to be loaded: ${key} (process exited with status ${status}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''})`,
        );
      } else context.configuration[key] = result;
    } catch (error) {
      delete context.configuration[key];
      context.warn(`Dynamic configuration ${key} could not be loaded: ${(error as Error).message}`);
    }
    context.scope = scopeOf(context.configuration, context.secrets);
  }
}
