import type { JsonObject } from '../../model/experiment.js';
import type { ActivityEnvironment } from '../activity.js';
import type { Configuration, Secrets } from '../configuration.js';
import { InterruptExecution } from '../errors.js';
import { type Journal, secondsBetween, timestamp } from '../journal.js';
import { hasValues } from '../providers/provider.js';
import type { PythonRuntime } from '../python/interpreter.js';
import { scopeOf, substitute } from '../substitute.js';
import {
  argumentsOf,
  type ControlLevel,
  type ControlScope,
  declaredControls,
  hookName,
} from './declaration.js';
import { ControlFailed } from './errors.js';
import type { ControlHooks } from './hooks.js';
import { loadControlModules, moduleKey } from './load.js';
import type { ControlModule, HookOutcome } from './module.js';
import type { NativeRun } from './native.js';
import type { ControlRecord } from './record.js';
import { contextControls } from './select.js';

export interface ControlDispatcher extends ControlHooks {
  /** configure_control of each control once by name, global controls first. */
  configure(): Promise<void>;
  /** cleanup_control of each control once by name, then stops what native controls started. */
  cleanup(): Promise<void>;
}

export interface DispatcherOptions {
  experiment: JsonObject;
  globals: readonly JsonObject[];
  settings: JsonObject | null;
  environment: ActivityEnvironment;
  /** The run's Python interpreter: Python controls share it (and its module globals) with Python activities. */
  python: PythonRuntime;
  journal: Journal;
  /** Interrupts the method as exit_gracefully() would; false once the run is past it. */
  interrupt(reason: string): boolean;
  /** Secrets a control added: they are masked in output like the file's own. */
  addSecrets(secrets: Secrets): void;
}

/**
 * The one dispatcher of lifecycle hooks: every level of the run calls `before` and `after`, and
 * the dispatcher picks the controls of that level as chaoslib does, calls their hook, records
 * it in the journal's `controls`, and applies the configuration and secrets it changed.
 * InterruptExecution from a hook propagates; any other failure is logged and the run goes on.
 */
export async function createControlDispatcher(options: DispatcherOptions): Promise<ControlDispatcher> {
  const { experiment, environment, journal } = options;
  const declared = declaredControls(experiment);
  let globals = [...options.globals];
  if (declared.length === 0 && globals.length === 0) return noControls;
  const records: ControlRecord[] = [];
  journal.controls = records;
  const native: NativeRun = {
    environment,
    interrupt: options.interrupt,
    record: (record) => records.push(record),
    markTriggered(control, probe) {
      const record = records.findLast((entry) => entry.control === control && entry.target === probe);
      if (record) {
        record.triggered = true;
        record.status = 'interrupted';
      }
    },
    log: environment.log,
    finished: { set: false },
  };
  const modules = await loadControlModules(
    [...declared, ...globals],
    environment.context.baseDirectory,
    options.python,
    native,
  );
  const moduleOf = (control: JsonObject): ControlModule | undefined => {
    const key = moduleKey(control);
    return key === undefined ? undefined : modules.get(key);
  };

  // Hooks run to the end even when the run is interrupted: after hooks must still see it.
  const hookSignal = new AbortController().signal;
  const call = async (
    control: JsonObject,
    hook: string,
    level: ControlRecord['level'],
    target: JsonObject,
    state: unknown,
  ): Promise<void> => {
    const module = moduleOf(control);
    if (!module?.has(hook)) return;
    const { context } = environment;
    const raw = structuredClone(argumentsOf(control));
    const args = hook !== 'configure_control' && hasValues(context) ? substitute(raw, context.scope) : raw;
    const start = timestamp();
    const record: ControlRecord = {
      control: String(control.name),
      provider: module.kind,
      level,
      hook,
      target: String(target.name ?? target.title ?? ''),
      start,
      end: start,
      duration: 0,
      status: 'succeeded',
    };
    records.push(record);
    const finish = (status: ControlRecord['status']) => {
      record.end = timestamp();
      record.duration = secondsBetween(record.start, record.end);
      record.status = status;
    };
    try {
      const outcome = await module.call({
        hook,
        control,
        arguments: args,
        context: target,
        state,
        experiment,
        configuration: context.configuration,
        secrets: context.secrets,
        settings: options.settings,
        signal: hookSignal,
      });
      finish('succeeded');
      apply(outcome);
    } catch (error) {
      if (error instanceof InterruptExecution && level !== 'lifecycle') {
        finish('interrupted');
        record.message = error.message;
        environment.log.critical(
          `Control '${record.control}' interrupted the run in ${hook}: ${error.message}`,
        );
        throw error;
      }
      finish('failed');
      record.message = (error as Error).message;
      if (error instanceof ControlFailed && error.traceback.length > 0) record.exception = error.traceback;
      environment.log.warning(
        `Control '${record.control}' failed in ${hook}, the run goes on as chaos run does: ${(error as Error).message}`,
      );
      if (hook === 'configure_control') throw error;
    }
  };

  const apply = (outcome: HookOutcome) => {
    const { context } = environment;
    if (outcome.configuration) replaceContents(context.configuration, outcome.configuration);
    if (outcome.secrets) {
      replaceContents(context.secrets, outcome.secrets);
      options.addSecrets(outcome.secrets);
    }
    if (outcome.configuration || outcome.secrets)
      context.scope = scopeOf(context.configuration, context.secrets);
  };

  const applyLevel = async (level: ControlLevel, scope: ControlScope, target: JsonObject, state: unknown) => {
    for (const control of contextControls(level, experiment, target, globals)) {
      if (control.scope && control.scope !== scope) continue;
      await call(control, hookName(level, scope), level, target, state);
    }
  };

  const onceByName = (controls: readonly JsonObject[]) => {
    const seen = new Set<unknown>();
    return controls.filter((control) => {
      if (!('name' in control) || seen.has(control.name)) return false;
      seen.add(control.name);
      return true;
    });
  };

  return {
    async configure() {
      const failedGlobals = new Set<JsonObject>();
      for (const control of globals) {
        await call(control, 'configure_control', 'lifecycle', experiment, null).catch(() =>
          failedGlobals.add(control),
        );
      }
      // chaoslib drops a global control whose configure_control fails.
      globals = globals.filter((control) => !failedGlobals.has(control));
      for (const control of onceByName(declared)) {
        await call(control, 'configure_control', 'lifecycle', experiment, null).catch(() => undefined);
      }
    },
    before: (level, target) => applyLevel(level, 'before', target, null),
    after: (level, target, state) => applyLevel(level, 'after', target, state),
    async cleanup() {
      for (const control of [...onceByName(declared), ...globals]) {
        await call(control, 'cleanup_control', 'lifecycle', experiment, null).catch(() => undefined);
      }
      await Promise.all([...modules.values()].map((module) => module.stop?.()));
    },
  };
}

const noControls: ControlDispatcher = {
  configure: async () => undefined,
  before: async () => undefined,
  after: async () => undefined,
  cleanup: async () => undefined,
};

function replaceContents(target: Configuration, source: Configuration): void {
  for (const key of Object.keys(target)) if (!(key in source)) delete target[key];
  Object.assign(target, source);
}
