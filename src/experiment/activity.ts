import type { Activity, DryMode, Json } from '../model/experiment.js';
import { isObject } from '../model/experiment.js';
import type { RunLog } from './console.js';
import type { ControlHooks } from './controls/hooks.js';
import { ActivityAborted, ActivityFailed, InterruptExecution } from './errors.js';
import { type RunEntry, secondsBetween, timestamp } from './journal.js';
import { providerFor } from './providers/index.js';
import { describeExit, isProcessOutput } from './process-output.js';
import { PythonFailed } from './python/call.js';
import { pyStr } from './python-values.js';
import type { ProviderContext } from './providers/provider.js';
import { type Scope, substitute } from './substitute.js';

export interface ActivityEnvironment {
  dry: DryMode | undefined;
  context: ProviderContext;
  log: RunLog;
  /** The run's controls; absent where chaoslib applies none (safeguard probes). */
  controls?: ControlHooks;
}

export function isDry(activity: Activity, dry: DryMode | undefined): boolean {
  return (
    dry === 'activities' ||
    (dry === 'probes' && activity.type === 'probe') ||
    (dry === 'actions' && activity.type === 'action')
  );
}

/**
 * Runs one activity and records it: pause before, start, the provider, end, pause after.
 * ActivityFailed is recorded as status "failed"; an interruption leaves no status and is
 * rethrown; anything else is rethrown for the runner to abort the experiment.
 */
export async function runActivity(
  activity: Activity,
  environment: ActivityEnvironment,
  onStart: (entry: RunEntry) => void = () => undefined,
): Promise<RunEntry> {
  const { controls } = environment;
  if (!controls) return runControlled(activity, environment, onStart);
  // The activity's controls wrap it, pauses included; the after hooks run even when it is interrupted.
  let state: RunEntry | null = null;
  try {
    await controls.before('activity', activity);
    state = await runControlled(activity, environment, (entry) => {
      state = entry;
      onStart(entry);
    });
    return state;
  } finally {
    await controls.after('activity', activity, state);
  }
}

async function runControlled(
  activity: Activity,
  environment: ActivityEnvironment,
  onStart: (entry: RunEntry) => void,
): Promise<RunEntry> {
  const { context, log } = environment;
  const dry = isDry(activity, environment.dry);
  const skipPauses = dry || environment.dry === 'pause';
  await pause(activity, 'before', environment, skipPauses);
  const entry: RunEntry = { activity: { ...activity }, output: null, start: timestamp() };
  onStart(entry);
  log.info(
    `${activity.type === 'probe' ? 'Probe' : 'Action'}: ${activity.name}${activity.background === true ? ' [in background]' : ''}`,
  );
  const stopProgress = log.progress(`${activity.type === 'probe' ? 'Probe' : 'Action'}: ${activity.name}`);
  try {
    if (!dry) entry.output = await providerFor(activity.provider)!.run(activity.provider, activity, context);
    if (context.signal.aborted) throw new InterruptExecution(String(context.signal.reason ?? 'interrupted'));
    entry.status = 'succeeded';
    log.debug?.(
      entry.output === null
        ? '  => succeeded without any result value'
        : `  => succeeded with '${pyStr(entry.output)}'`,
    );
  } catch (error) {
    if (context.signal.aborted) {
      finish(entry);
      throw error instanceof InterruptExecution
        ? error
        : new InterruptExecution(String(context.signal.reason));
    }
    if (!(error instanceof ActivityFailed)) {
      finish(entry);
      throw error;
    }
    // chaoslib logs str(x) of the ActivityFailed: its message alone, without the class name.
    log.error(`  => failed: ${error.message}`);
    entry.status = 'failed';
    entry.exception = [
      ...(error instanceof PythonFailed && error.traceback.length > 1
        ? error.traceback.slice(0, -1)
        : [
            'Traceback (most recent call last):\n',
            `  faultline ${activity.provider.type} provider, in activity '${activity.name}'\n`,
          ]),
      `chaoslib.exceptions.ActivityFailed: ${error.message}\n`,
    ];
  } finally {
    stopProgress();
  }
  finish(entry);
  warnAboutStatus(activity, entry, log);
  await pause(activity, 'after', environment, skipPauses);
  return entry;
}

/** Like chaoslib: a non-zero exit or an HTTP error is not a failure, only a warning when no tolerance judges it. */
function warnAboutStatus(activity: Activity, entry: RunEntry, log: RunLog): void {
  if ('tolerance' in activity || entry.status !== 'succeeded') return;
  const status = (entry.output as { status?: unknown } | null)?.status;
  if (activity.provider.type === 'process' && isProcessOutput(entry.output) && status !== 0) {
    log.warning(
      `This process returned a non-zero exit code. This may indicate some error and not what you expected. Activity '${activity.name}': ${describeExit(entry.output)} (the journal holds the whole output).`,
    );
  }
  if (activity.provider.type === 'http' && typeof status === 'number' && status >= 400) {
    log.warning(
      `This HTTP call returned a response with a HTTP status code above 400. This may indicate some error and not what you expected. Activity '${activity.name}': HTTP ${status} (the journal holds the whole response).`,
    );
  }
}

function finish(entry: RunEntry): void {
  entry.end = timestamp();
  entry.duration = secondsBetween(entry.start, entry.end);
}

async function pause(
  activity: Activity,
  when: 'before' | 'after',
  environment: ActivityEnvironment,
  skip: boolean,
) {
  const pauses = activity.pauses;
  if (!isObject(pauses) || pauses[when] === undefined) return;
  // chaoslib logs a pause even when a dry run skips it; only a pause it could sleep is logged here.
  const seconds = skip
    ? skippedPauseSeconds(pauses[when] as Json, environment.context.scope)
    : pauseSeconds(activity, when, pauses[when] as Json, environment.context.scope);
  if (!seconds) return;
  environment.log.info(`Pausing ${when === 'before' ? 'before next' : 'after'} activity for ${seconds}s...`);
  if (skip) return;
  await sleep(seconds * 1000, environment.context.signal);
  if (environment.context.signal.aborted)
    throw new InterruptExecution(String(environment.context.signal.reason));
}

function skippedPauseSeconds(written: Json, scope: Scope): number {
  const value = substitute(written, scope);
  return typeof value === 'number' && value > 0 ? value : 0;
}

/**
 * chaoslib sleeps `pause` seconds after substitution: a falsy value (0, null, "") is no pause, and
 * anything time.sleep refuses (a negative number, any string) raises, aborting the run.
 */
function pauseSeconds(activity: Activity, when: 'before' | 'after', written: Json, scope: Scope): number {
  const value = substitute(written, scope);
  if (value === null || value === '' || value === false) return 0;
  if (value === true) return 1;
  if (typeof value === 'number' && value >= 0) return value;
  const became =
    value === written
      ? `${JSON.stringify(written)}, which was not substituted (no configuration or secret has that name)`
      : `${JSON.stringify(written)}, which became ${JSON.stringify(value)}`;
  const hint =
    typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))
      ? '; a value read from the environment is a string: give it "env_var_type": "float"'
      : '';
  throw new ActivityAborted(
    `the ${when} pause of activity '${activity.name}' is ${became}: a pause is a number of seconds, 0 or more${hint} (chaos run fails on it too: time.sleep raises)`,
  );
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
